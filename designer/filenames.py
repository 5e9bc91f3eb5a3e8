"""File names and paths the way each system sees them (no Qt: the CLI and fileio use it too).

- Same file, different spelling: Windows and macOS compare names without case, and macOS stores names
  decomposed (NFD) while text typed or pasted is composed (NFC). Two paths are the same project when the file
  system says so (`os.path.samefile`); for files that are gone, by the platform's rule.
- Suffixes are compared without case (`X.NNPROJ` is a project).
- Names the app suggests are valid on every system (no `CON`, no `:`, no trailing dot), so a project made on
  Linux can be copied to Windows.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from pathlib import Path

PROJECT_SUFFIX = ".nnproj"
# Windows refuses these as names with any extension (CON.nnproj is the console), in any case.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10)),
             "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"}
_INVALID = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
MAX_STEM = 100


def has_suffix(path: str | os.PathLike, suffix: str) -> bool:
    return Path(path).suffix.lower() == suffix.lower()


def is_project_path(path: str | os.PathLike) -> bool:
    return has_suffix(path, PROJECT_SUFFIX)


def with_suffix(path: str, suffix: str) -> str:
    """`path` ending in `suffix` (any case counts: `X.NNPROJ` stays as it is)."""
    return path if has_suffix(path, suffix) else path + suffix


def path_key(path: str | os.PathLike, platform: str = sys.platform) -> str:
    """A comparison key for a path that may no longer exist: NFC, and without case where the platform's
    file systems ignore it (Windows, macOS)."""
    text = unicodedata.normalize("NFC", os.fspath(path))
    if platform in ("win32", "darwin"):
        text = text.replace("\\", "/").casefold() if platform == "win32" else text.casefold()
    return text


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when `a` and `b` name the same file: asked of the file system when both exist."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return path_key(a) == path_key(b)


def is_reserved_name(name: str) -> bool:
    """A name Windows cannot hold: a device name (with any extension), or one ending in a dot or space."""
    base = name.split(".", 1)[0].rstrip(" ").upper()
    return base in _RESERVED or name.rstrip() != name or name.endswith(".")


def portable_name_problem(name: str) -> str | None:
    """Why `name` (one path component) cannot be a file name on every system, or None."""
    if _INVALID.search(name):
        return 'it contains a character Windows does not allow in names (< > : " / \\ | ? * or a control character)'
    if is_reserved_name(name):
        return "Windows reserves this name for a device or drops its trailing dot or space"
    return None


def safe_stem(name: str, fallback: str = "project") -> str:
    """`name` made into a file-name stem valid on every system (for names the app suggests)."""
    stem = _INVALID.sub("_", unicodedata.normalize("NFC", name)).strip().rstrip(". ")
    stem = stem[:MAX_STEM].rstrip(". ") or fallback
    base, dot, rest = stem.partition(".")
    if base.upper() in _RESERVED:  # "nul.backup" is NUL too: the mark goes on the part before the dot
        stem = f"{base}_{dot}{rest}"
    return stem
