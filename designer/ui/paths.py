"""Paths in the window: save dialogs start at an absolute place (a Finder- or Explorer-launched app's working
folder is `/` or the system folder, so "plot.png" alone lands there), and file names in menus are escaped.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from designer.filenames import safe_stem


def documents_dir() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(location) if location else Path.home()


def default_save_path(file_name: str, near: str | os.PathLike | None = None) -> str:
    """An absolute suggestion for a save dialog: beside `near` (the project's folder) or in Documents."""
    folder = Path(near) if near else documents_dir()
    stem, dot, suffix = file_name.rpartition(".")
    name = f"{safe_stem(stem)}.{suffix}" if dot else safe_stem(file_name)
    return str(folder / name)


def menu_text(text: str) -> str:
    """`text` shown literally in a menu: `&` would underline the next letter and vanish."""
    return text.replace("&", "&&")
