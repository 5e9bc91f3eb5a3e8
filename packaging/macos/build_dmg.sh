#!/usr/bin/env bash
# macOS disk image: "Network Designer.app" beside a link to /Applications (drag to install), compressed.
#   packaging/macos/build_dmg.sh VERSION ARCH      (after pyinstaller; -> dist/NetworkDesigner-VERSION-macos-ARCH.dmg)
set -euo pipefail
version="$1"; arch="$2"
cd "$(dirname "$0")/../.."
app="dist/Network Designer.app"
[ -d "$app" ] || { echo "error: $app not found (run pyinstaller packaging/nn-designer.spec first)" >&2; exit 1; }
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
dmg="dist/NetworkDesigner-${version}-macos-${arch}.dmg"
rm -f "$dmg"
hdiutil create -volname "Network Designer" -srcfolder "$stage" -fs HFS+ -format UDZO -imagekey zlib-level=9 -ov "$dmg"
echo "$dmg"
