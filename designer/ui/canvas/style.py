"""Colours and sizes of the canvas, taken from the QPalette so light and dark themes both read well."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from designer.engine.registry import LAYER_TYPES
from designer.resources import resource

NODE_WIDTH = 190.0
NODE_HEIGHT = 70.0
# Text inside a node is sized in pixels like the node itself: a point size is 25% smaller on macOS (72 logical
# dpi) than on Windows (96), which left the names tiny there or cut off here.
NAME_FONT_PX = 13  # 9.5 pt at 96 dpi
DETAIL_FONT_PX = 11  # 8 pt at 96 dpi
PORT_RADIUS = 6.0
GRID = 20.0

# Mid-saturation hues read on white and on near-black alike.
CATEGORY_COLOURS = {
    "Core": QColor(59, 130, 246),
    "Regularization": QColor(168, 85, 247),
    "Convolution": QColor(16, 163, 127),
    "Merge": QColor(234, 140, 20),
}
ERROR_COLOUR = QColor(220, 53, 47)
POSITIVE_WEIGHT = QColor(37, 120, 235)
NEGATIVE_WEIGHT = QColor(230, 80, 40)


def palette() -> QPalette:
    app = QApplication.instance()
    return app.palette() if app is not None else QPalette()


def palette_for(widget) -> QPalette:
    """The palette of the widget being painted on (a view may be themed apart from the app), else the app's."""
    return widget.palette() if widget is not None else palette()


def is_dark(pal: QPalette | None = None) -> bool:
    pal = pal or palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def category_colour(type_name: str) -> QColor:
    lt = LAYER_TYPES.get(type_name)
    return QColor(CATEGORY_COLOURS.get(lt.category if lt else "", QColor(128, 128, 128)))


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """a·(1−t) + b·t: tints that follow the theme instead of fixed greys."""
    return QColor(
        round(a.red() * (1 - t) + b.red() * t),
        round(a.green() * (1 - t) + b.green() * t),
        round(a.blue() * (1 - t) + b.blue() * t),
    )


@cache
def layer_icon(type_name: str) -> QIcon:
    lt = LAYER_TYPES.get(type_name)
    if lt is None or not lt.icon:
        return QIcon()
    path = resource("icons", lt.icon)
    return QIcon(str(path)) if path.is_file() else QIcon()
