"""The main window's size and dock layout: fitted to the screen the first time, remembered afterwards.

A fixed 1500×940 cut the right panel, the status bar and the dashboard tabs off a 1280×720 screen. The first
start now takes most of the available screen (never more); later starts restore the saved geometry and docks,
clamped to the screen they land on (a laptop undocked from a large monitor).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSettings, QSize
from PySide6.QtWidgets import QApplication, QMainWindow

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
PREFERRED = QSize(1500, 940)
SCREEN_SHARE = 0.92
STATE_VERSION = 1


def available_area(window: QMainWindow) -> QRect:
    screen = window.screen() or QApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 720)


def first_size(area: QRect) -> QSize:
    """The preferred size, shrunk to a share of the screen's free area."""
    return QSize(min(PREFERRED.width(), int(area.width() * SCREEN_SHARE)),
                 min(PREFERRED.height(), int(area.height() * SCREEN_SHARE)))


def restore(window: QMainWindow, settings: QSettings) -> bool:
    """Saved geometry and docks when there are any (True), else a first size centred on the screen."""
    area = available_area(window)
    geometry, state = settings.value(GEOMETRY_KEY), settings.value(STATE_KEY)
    restored = bool(geometry) and window.restoreGeometry(geometry)
    if restored and state:
        window.restoreState(state, STATE_VERSION)
    if not restored:
        size = first_size(area)
        window.resize(size)
        window.move(area.center().x() - size.width() // 2, area.center().y() - size.height() // 2)
    clamp(window, area)
    return restored


def clamp(window: QMainWindow, area: QRect) -> None:
    if window.width() > area.width() or window.height() > area.height():
        window.resize(min(window.width(), area.width()), min(window.height(), area.height()))


def save(window: QMainWindow, settings: QSettings) -> None:
    settings.setValue(GEOMETRY_KEY, window.saveGeometry())
    settings.setValue(STATE_KEY, window.saveState(STATE_VERSION))
    settings.sync()
