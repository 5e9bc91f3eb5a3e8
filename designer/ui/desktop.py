"""How the window presents itself to the desktop: its icon, and on Windows the AppUserModelID, without which
the taskbar groups the window under python.exe with Python's icon; on Linux the desktop file name (Wayland
takes the taskbar icon from it)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication, QIcon

from designer.resources import resources_dir

APP_USER_MODEL_ID = "org.networkdesigner.NetworkDesigner"  # packaging/metadata.py APP["id"]
DESKTOP_FILE = "nn-designer"  # packaging/linux/nn-designer.desktop


def icon_folders() -> list[Path]:
    """A bundle ships the sized PNGs in resources/app-icons; a checkout has them in packaging/icons/hicolor."""
    return [resources_dir() / "app-icons", resources_dir().parent / "packaging" / "icons" / "hicolor"]


def app_icon() -> QIcon:
    icon = QIcon()
    for folder in icon_folders():
        for png in sorted(folder.glob("*/apps/nn-designer.png")):
            icon.addFile(str(png))
        if not icon.isNull():
            break
    return icon


def set_app_user_model_id(app_id: str = APP_USER_MODEL_ID) -> bool:
    """Windows only, before the first window: the taskbar then shows this app, not python.exe."""
    if sys.platform != "win32":
        return False
    import ctypes

    return ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(app_id) == 0  # S_OK


def current_app_user_model_id() -> str | None:
    """What Windows has for this process (None elsewhere, or when nothing was set)."""
    if sys.platform != "win32":
        return None
    import ctypes
    from ctypes import wintypes

    shell32 = ctypes.windll.shell32
    ole32 = ctypes.windll.ole32
    out = wintypes.LPWSTR()
    if shell32.GetCurrentProcessExplicitAppUserModelID(ctypes.byref(out)) != 0:
        return None
    try:
        return out.value
    finally:
        ole32.CoTaskMemFree(out)


def present(app: QGuiApplication) -> None:
    set_app_user_model_id()
    app.setDesktopFileName(DESKTOP_FILE)
    icon = app_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)
