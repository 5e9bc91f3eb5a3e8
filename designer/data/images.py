"""Images from a folder with one sub-folder per class (PNG, JPEG, BMP) → a table of pixel columns.

Each image is decoded with Pillow, turned upright (EXIF), converted to grayscale or RGB, resized to the
chosen size and scaled to [0, 1]; its pixels become the columns `px_0 …` (C order over height, width,
channel, as spec "Data" reshapes rows) and its class folder's name the target column `class`. So the rest
of the pipeline (split, training, evaluate, predict, exports) treats an image folder like any other table.

The folder is hostile input: nothing below the class folders is followed (no recursion, so a link loop
cannot hang the reader), a file whose real path leaves the folder is refused, and a file that claims to be
an image but cannot be decoded, or decodes to more than MAX_SOURCE_PIXELS, is refused with its name.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from designer.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
TARGET = "class"
DEFAULT_SIZE = (28, 28)
DEFAULT_COLOR = "grayscale"
COLORS = ("grayscale", "rgb")
MAX_SIDE = 512  # the chosen size, per side
MAX_SOURCE_PIXELS = 40_000_000  # a larger image is refused before it is decoded (a "decompression bomb")
MAX_TOTAL_BYTES = 2 * 1024 ** 3  # all images as float32: beyond this the import is refused up front


def pixel_columns(n: int) -> list[str]:
    return [f"px_{i}" for i in range(n)]


def image_settings(source: dict) -> tuple[tuple[int, int], str]:
    """(height, width), color of an `images` source, checked."""
    size = source.get("size", list(DEFAULT_SIZE))
    if (not isinstance(size, (list, tuple)) or len(size) != 2
            or not all(isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= MAX_SIDE for s in size)):
        raise DataError(f"data.source.size must be [height, width], whole numbers from 1 to {MAX_SIDE}, "
                        f"not {size!r}")
    color = source.get("color", DEFAULT_COLOR)
    if color not in COLORS:
        raise DataError(f"data.source.color must be grayscale or rgb, not {color!r}")
    return (int(size[0]), int(size[1])), color


def channels(color: str) -> int:
    return 3 if color == "rgb" else 1


def list_image_folder(root: Path) -> tuple[list[tuple[Path, str]], list[str]]:
    """[(file, class name)] sorted by class then file name, and the names of what was skipped."""
    try:
        if not root.exists():
            raise DataError(f"image folder not found: {root}")
        if not root.is_dir():
            raise DataError(f"{root} is not a folder: choose a folder with one sub-folder per class")
        real_root = root.resolve()
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as e:
        raise DataError(f"the image folder cannot be read ({e.strerror or e})", where=str(root)) from None
    files: list[tuple[Path, str]] = []
    skipped: list[str] = []
    class_dirs = [e for e in entries if not e.name.startswith(".") and _is_dir(e)]
    if not class_dirs:
        raise DataError(f"{root} has no class sub-folders: put each class's images in a folder named after "
                        "the class (cats/…, dogs/…)")
    for entry in class_dirs:
        class_dir = Path(entry.path)
        try:
            names = sorted(os.scandir(class_dir), key=lambda e: e.name)
        except OSError as e:
            raise DataError(f"cannot be read ({e.strerror or e})", where=_rel(class_dir, root)) from None
        found = 0
        for item in names:
            path = Path(item.path)
            if item.name.startswith("."):
                continue  # .DS_Store, editors' files
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                skipped.append(_rel(path, root))
                continue
            try:
                real = path.resolve(strict=True)
                regular = real.is_file()
            except (OSError, RuntimeError):  # a link loop or a dangling link
                raise DataError("is a broken or looping link", where=_rel(path, root)) from None
            if not real.is_relative_to(real_root):
                raise DataError(f"is a link to {real}, outside the image folder: images are read only from "
                                "inside the chosen folder", where=_rel(path, root))
            if not regular:
                skipped.append(_rel(path, root))
                continue
            files.append((path, entry.name))
            found += 1
        if found == 0:
            raise DataError("holds no PNG, JPEG or BMP images: every class folder needs at least one",
                            where=_rel(class_dir, root))
    return files, skipped


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def load_image(path: Path, size: tuple[int, int], color: str, where: str | None = None) -> np.ndarray:
    """One image as float32 (height, width, channels) in [0, 1]; DataError naming the file otherwise."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # Pillow: only image sources need it

    where = where or path.name
    try:
        with Image.open(path) as im:
            w, h = im.size
            if w * h > MAX_SOURCE_PIXELS:
                raise DataError(f"is {w}×{h} pixels, more than the {MAX_SOURCE_PIXELS:,} an image may have",
                                where=where)
            im = ImageOps.exif_transpose(im)
            im = im.convert("L" if color == "grayscale" else "RGB")
            im = im.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            arr = np.asarray(im, dtype=np.float32)
    except DataError:
        raise
    except UnidentifiedImageError:
        raise DataError("is not a readable PNG, JPEG or BMP image", where=where) from None
    except Image.DecompressionBombError:
        raise DataError("is too large to decode safely", where=where) from None
    except (OSError, ValueError, SyntaxError, EOFError) as e:  # truncated or corrupt data
        raise DataError(f"is a damaged image ({e})", where=where) from None
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return arr / np.float32(255.0)


def read_image_folder(root: Path, source: dict) -> tuple[pd.DataFrame, dict]:
    """The folder as a table (`px_*` columns in [0, 1], target `class`) and what the Data view shows."""
    size, color = image_settings(source)
    files, skipped = list_image_folder(root)
    c = channels(color)
    n_pix = size[0] * size[1] * c
    if len(files) * n_pix * 4 > MAX_TOTAL_BYTES:
        raise DataError(f"{len(files)} images of {size[0]}×{size[1]}×{c} need "
                        f"{len(files) * n_pix * 4 / 1e9:.1f} GB: choose a smaller size", where=root.name)
    x = np.empty((len(files), n_pix), dtype=np.float32)
    for i, (path, _label) in enumerate(files):
        x[i] = load_image(path, size, color, where=_rel(path, root)).reshape(-1)
    df = pd.DataFrame(x, columns=pixel_columns(n_pix), copy=False)
    labels = [label for _path, label in files]
    df[TARGET] = labels
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    info = {"name": root.name, "kind": "images", "image_shape": (size[0], size[1], c), "target": TARGET,
            "files": [_rel(p, root) for p, _label in files], "class_counts": counts, "skipped": skipped,
            "root": str(root)}
    return df, info


def read_image_files(paths: list[Path], size: tuple[int, int], color: str) -> pd.DataFrame:
    """New images (predict): the same pixel columns the project's folder gave, one row per file."""
    c = channels(color)
    n_pix = size[0] * size[1] * c
    x = np.empty((len(paths), n_pix), dtype=np.float32)
    for i, path in enumerate(paths):
        path = Path(path)
        if not path.is_file():
            raise DataError("image file not found" if not path.exists() else "is not a file", where=str(path))
        x[i] = load_image(path, size, color, where=path.name).reshape(-1)
    return pd.DataFrame(x, columns=pixel_columns(n_pix), copy=False)


def image_paths(args: list[str | Path]) -> list[Path]:
    """Files and folders named on a command line → the image files (a folder: its images, sorted)."""
    out: list[Path] = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix.lower() in IMAGE_SUFFIXES and q.is_file())
            if not found:
                raise DataError("holds no PNG, JPEG or BMP images", where=str(p))
            out.extend(found)
        else:
            out.append(p)
    return out


def is_image_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES
