"""Render the one icon source, nn-designer.svg, to every file the installers need.   make icons

    hicolor/<N>x<N>/apps/nn-designer.png   Linux icon theme sizes (the .deb installs them)
    nn-designer.png                        512 px, for the AppImage and the README
    nn-designer.ico                        Windows: 16-256 px in one file (PyInstaller exe + Inno Setup)
    nn-designer.icns                       macOS: 16-1024 px (PyInstaller .app)

Needs `rsvg-convert` (Debian: librsvg2-bin; macOS: brew librsvg) for SVG -> PNG, and Pillow for ICO and ICNS.
The outputs are committed, so building an installer needs neither; run this after editing the SVG.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "nn-designer.svg"
THEME_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(size: int, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["rsvg-convert", "-w", str(size), "-h", str(size), str(SOURCE), "-o", str(out)], check=True)
    return out


def main() -> int:
    if shutil.which("rsvg-convert") is None:
        print("error: rsvg-convert not found (Debian: apt-get install librsvg2-bin)", file=sys.stderr)
        return 1
    from PIL import Image

    for size in THEME_SIZES:
        render_png(size, HERE / "hicolor" / f"{size}x{size}" / "apps" / "nn-designer.png")
    shutil.copyfile(HERE / "hicolor" / "512x512" / "apps" / "nn-designer.png", HERE / "nn-designer.png")
    with tempfile.TemporaryDirectory() as tmp:
        big = Image.open(render_png(1024, Path(tmp) / "1024.png")).convert("RGBA")
        # Each ICO size from its own rendering: small sizes drawn by rsvg stay sharper than a downscale.
        ico_images = [Image.open(render_png(s, Path(tmp) / f"{s}.png")).convert("RGBA") for s in ICO_SIZES]
        ico_images[-1].save(HERE / "nn-designer.ico", sizes=[(s, s) for s in ICO_SIZES],
                            append_images=ico_images[:-1])
        big.save(HERE / "nn-designer.icns")
    print(f"rendered {SOURCE.name} to hicolor/, nn-designer.png, nn-designer.ico, nn-designer.icns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
