"""Build the Debian/Ubuntu package from the PyInstaller folder.   make package   (-> dist/*.deb)

    /opt/network-designer/                      the one-folder bundle (dist/nn-designer/)
    /usr/bin/nn-designer                        symlink to the bundle's program (window, or the CLI's commands)
    /usr/share/applications/nn-designer.desktop Applications menu entry, opens .nnproj files
    /usr/share/mime/packages/nn-designer.xml    the application/x-nn-designer-project type (*.nnproj)
    /usr/share/icons/hicolor/*/apps/            the icon, PNG sizes and the SVG
    /usr/share/metainfo/                        AppStream data for software centres

No maintainer scripts: the MIME, desktop and icon caches are refreshed by the dpkg file triggers of
shared-mime-info, desktop-file-utils and hicolor-icon-theme, both on install and on removal, so removing the
package leaves nothing behind. Name, version and description come from pyproject.toml.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
from metadata import APP, app_metadata  # noqa: E402 (packaging/metadata.py, beside the other installers)

PACKAGE = "network-designer"
INSTALL_DIR = "opt/network-designer"
# What the bundle loads from the system rather than carrying itself (PyInstaller leaves out libc, GL, X11 and
# fontconfig on purpose: they must match the user's machine). Checked by `ldd` in packaging/tests/test_deb.py.
DEPENDS = [
    "libgl1", "libegl1", "libfontconfig1", "libfreetype6", "libglib2.0-0",
    "libx11-6", "libx11-xcb1", "libxkbcommon0", "libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4",
    "libxcb-keysyms1", "libxcb-image0", "libxcb-render-util0", "libxcb-shape0", "libxcb-randr0",
    "libxcb-xinerama0", "libxcb-xfixes0", "libxcb-xkb1", "libdbus-1-3", "fonts-dejavu-core | fonts-liberation2",
]
RECOMMENDS = ["shared-mime-info", "desktop-file-utils", "hicolor-icon-theme", "xdg-utils"]


def architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True, text=True).stdout.strip()


def metainfo(meta: dict) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<component type="desktop-application">
  <id>{APP["id"]}</id>
  <metadata_license>CC0-1.0</metadata_license>
  <project_license>{meta["license"]}</project_license>
  <name>{APP["name"]}</name>
  <summary>Design, train and export neural networks by drawing them</summary>
  <description><p>{meta["description"]}</p></description>
  <launchable type="desktop-id">nn-designer.desktop</launchable>
  <provides><mediatype>{APP["mime_type"]}</mediatype><binary>nn-designer</binary></provides>
  <releases><release version="{meta["version"]}"/></releases>
</component>
"""


def glibc_floor() -> str:
    """The build machine's glibc: the bundle's Python and libraries need at least that one."""
    return os.confstr("CS_GNU_LIBC_VERSION").split()[1]


def control(meta: dict, arch: str, installed_kib: int) -> str:
    depends = [f"libc6 (>= {glibc_floor()})", *DEPENDS]
    return "\n".join([
        f"Package: {PACKAGE}",
        f"Version: {meta['version']}",
        f"Architecture: {arch}",
        f"Maintainer: {APP['maintainer']}",
        f"Installed-Size: {installed_kib}",
        f"Depends: {', '.join(depends)}",
        f"Recommends: {', '.join(RECOMMENDS)}",
        "Section: science",
        "Priority: optional",
        *([f"Homepage: {APP['homepage']}"] if APP["homepage"] else []),
        f"Description: {APP['name']} - {APP['tagline']}",
        f" {meta['description']}",
        "",
    ])


def copyright_file(meta: dict) -> str:
    return (f"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
            f"Upstream-Name: {APP['name']}\n\nFiles: *\nCopyright: {APP['name']} developers\n"
            f"License: {meta['license']}\n Bundled third-party libraries (Qt, PySide6, NumPy, pandas, pyqtgraph,\n"
            f" onnx) keep their own licences; see /{INSTALL_DIR}/_internal.\n")


def du_kib(folder: Path) -> int:
    return sum((p.lstat().st_size + 1023) // 1024 for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def stage(bundle: Path, staging: Path, meta: dict, arch: str) -> None:
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(bundle, staging / INSTALL_DIR, symlinks=True)
    usr = staging / "usr"
    (usr / "bin").mkdir(parents=True)
    os.symlink(f"/{INSTALL_DIR}/nn-designer", usr / "bin" / "nn-designer")
    share = usr / "share"
    for src, dest in [
        (HERE / "nn-designer.desktop", share / "applications" / "nn-designer.desktop"),
        (HERE / "nn-designer.xml", share / "mime" / "packages" / "nn-designer.xml"),
        (ROOT / "packaging" / "icons" / "nn-designer.svg", share / "icons" / "hicolor" / "scalable" / "apps"
         / "nn-designer.svg"),
    ]:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    (share / "doc" / PACKAGE).mkdir(parents=True)
    (share / "doc" / PACKAGE / "copyright").write_text(copyright_file(meta), encoding="utf-8")
    shutil.copytree(ROOT / "packaging" / "icons" / "hicolor", share / "icons" / "hicolor", dirs_exist_ok=True)
    (share / "metainfo").mkdir(parents=True)
    (share / "metainfo" / f"{APP['id']}.metainfo.xml").write_text(metainfo(meta), encoding="utf-8")
    debian = staging / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text(control(meta, arch, du_kib(staging)), encoding="utf-8")
    for path in staging.rglob("*"):  # files 644 (755 when executable), folders 755, whatever the umask
        if path.is_symlink():
            continue
        executable = path.is_dir() or path.stat().st_mode & 0o111
        path.chmod(0o755 if executable else 0o644)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "nn-designer")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    if not (args.bundle / "nn-designer").is_file():
        print(f"error: no bundle at {args.bundle} (run `make bundle` first)", file=sys.stderr)
        return 1
    meta, arch = app_metadata(), architecture()
    staging = ROOT / "build" / "deb" / PACKAGE
    stage(args.bundle, staging, meta, arch)
    args.out.mkdir(parents=True, exist_ok=True)
    deb = args.out / f"{PACKAGE}_{meta['version']}_{arch}.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(staging), str(deb)], check=True)
    print(f"built {deb} ({deb.stat().st_size / 2**20:.0f} MB; installed {du_kib(staging) / 1024:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
