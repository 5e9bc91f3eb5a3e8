#!/usr/bin/env bash
# Sign the .app (hardened runtime) and, given the DMG, notarize and staple it. Run only when the secrets are set:
#   MACOS_SIGN_IDENTITY   "Developer ID Application: Name (TEAMID)" (certificate already in the keychain)
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   an app-specific password for notarytool
#   packaging/macos/sign_and_notarize.sh app        # before build_dmg.sh
#   packaging/macos/sign_and_notarize.sh dmg FILE   # after it
set -euo pipefail
cd "$(dirname "$0")/../.."
entitlements="packaging/macos/entitlements.plist"
case "$1" in
  app)
    app="dist/Network Designer.app"
    # Inner libraries first (codesign --deep is deprecated for signing), then the bundle itself.
    find "$app/Contents" -type f \( -name '*.so' -o -name '*.dylib' -o -perm -u+x \) -print0 |
      xargs -0 codesign --force --timestamp --options runtime --entitlements "$entitlements" \
        --sign "$MACOS_SIGN_IDENTITY"
    codesign --force --timestamp --options runtime --entitlements "$entitlements" --sign "$MACOS_SIGN_IDENTITY" "$app"
    codesign --verify --strict --verbose=2 "$app"
    ;;
  dmg)
    dmg="$2"
    codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"
    xcrun notarytool submit "$dmg" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
      --password "$APPLE_APP_PASSWORD" --wait
    xcrun stapler staple "$dmg"
    spctl --assess --type open --context context:primary-signature --verbose "$dmg"
    ;;
  *) echo "usage: $0 app | dmg FILE" >&2; exit 2 ;;
esac
