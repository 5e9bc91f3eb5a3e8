"""The app's per-user folders, one rule for every kind: logs, recovery files, compiled-kernel caches.

Windows keeps them all under %LOCALAPPDATA%\\Network Designer, macOS under the matching ~/Library folder, and
Linux under the XDG base directory of their kind (its variable, else its default under the home folder).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def user_folder(macos_library: str, xdg_variable: str, xdg_default: str, windows_sub: str = "") -> Path:
    """The app's folder of one kind: `macos_library` is the ~/Library folder ("Logs", "Caches" …),
    `xdg_variable` / `xdg_default` the XDG base directory and its default relative to the home folder,
    `windows_sub` a subfolder of %LOCALAPPDATA%\\Network Designer ("" for the folder itself)."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "Network Designer"
        return base / windows_sub if windows_sub else base
    if sys.platform == "darwin":
        return home / "Library" / macos_library / "Network Designer"
    return Path(os.environ.get(xdg_variable) or home / xdg_default) / "network-designer"
