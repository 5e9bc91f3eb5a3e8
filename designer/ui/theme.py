"""The application's look: Fusion style, a calm light or dark palette and a few stylesheet touches.

Kept in one place so screenshots, the packaged app and tests all look the same on any desktop. The mode is
"system" (follow the desktop's colour scheme, Qt ≥ 6.5), "light" or "dark" (View ▸ Theme, remembered). The
canvas and the plots take their colours from the palette, so they follow.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = QColor("#2f6fde")
MODES = ("system", "light", "dark")
SETTINGS_KEY = "view/theme"

_LIGHT = {"window": "#f5f6f8", "base": "#ffffff", "alt": "#f0f2f5", "text": "#1d2128", "button": "#eceff3",
          "dock": "#e9edf3", "hint": "#5b6470", "disabled": "#9aa1ab", "tooltip": "#ffffe8", "invalid": "#ffd9d9"}
_DARK = {"window": "#23262b", "base": "#1b1d21", "alt": "#272a30", "text": "#e3e6ea", "button": "#30343a",
         "dock": "#2d3137", "hint": "#a4abb5", "disabled": "#6c727b", "tooltip": "#30343a", "invalid": "#5c2b2b"}

# `widget-animation-duration: 0` on the main window's docks and central widget: with Fusion's 200 ms, Qt
# creates and deletes a QPropertyAnimation per dock on every relayout of the main window (a label's new text
# is enough), each sending ChildAdded/ChildRemoved through Python — hundreds of interpreter-lock waits a second
# while a run trains (py-spy: a third of the GUI thread's time in an iris run).
_STYLESHEET = """
QDockWidget, QMainWindow > QWidget {{ widget-animation-duration: 0; }}
QDockWidget::title {{ padding: 4px 6px; background: {dock}; font-weight: 600; }}
QToolBar {{ spacing: 4px; padding: 2px; }}
QStatusBar QLabel {{ padding: 0 8px; }}
QGroupBox {{ font-weight: 600; margin-top: 10px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 6px; padding: 0 3px; }}
QPushButton#primary {{ background: #2f6fde; color: white; border: 1px solid #2458b3; border-radius: 3px;
                      padding: 4px 14px; font-weight: 600; }}
QPushButton#primary:disabled {{ background: {primary_off}; border-color: {primary_off}; color: {primary_off_text}; }}
QLabel#hint {{ color: {hint}; }}
QLabel#title {{ font-size: 20pt; font-weight: 600; }}
QToolTip {{ color: {text}; background: {tooltip}; border: 1px solid {disabled}; }}
"""


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def resolve(mode: str) -> str:
    """"light" or "dark" for a mode ("system" asks the desktop)."""
    if mode not in MODES:
        mode = "system"
    if mode == "system":
        return "dark" if system_is_dark() else "light"
    return mode


def colours(dark: bool) -> dict[str, str]:
    return _DARK if dark else _LIGHT


def current_colours() -> dict[str, str]:
    app = QApplication.instance()
    dark = app is not None and app.palette().color(QPalette.ColorRole.Window).lightness() < 128
    return colours(dark)


def _palette(app: QApplication, dark: bool) -> QPalette:
    c = colours(dark)
    pal = app.style().standardPalette()
    role = QPalette.ColorRole
    for r, key in ((role.Window, "window"), (role.Base, "base"), (role.AlternateBase, "alt"),
                   (role.Button, "button"), (role.ToolTipBase, "tooltip")):
        pal.setColor(r, QColor(c[key]))
    for r in (role.WindowText, role.Text, role.ButtonText, role.ToolTipText):
        pal.setColor(r, QColor(c["text"]))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, QColor(c["disabled"]))
    pal.setColor(role.PlaceholderText, QColor(c["disabled"]))
    pal.setColor(role.Highlight, ACCENT)
    pal.setColor(role.HighlightedText, QColor("#ffffff"))
    pal.setColor(role.Link, QColor("#6ea2ff" if dark else "#2458b3"))
    if dark:
        pal.setColor(role.Light, QColor("#3a3f46"))
        pal.setColor(role.Midlight, QColor("#33373d"))
        pal.setColor(role.Mid, QColor("#2a2d32"))
        pal.setColor(role.Dark, QColor("#141518"))
        pal.setColor(role.Shadow, QColor("#000000"))
        pal.setColor(role.BrightText, QColor("#ffffff"))
    return pal


def stylesheet(dark: bool) -> str:
    """The application's style sheet in the light or dark colours."""
    return _STYLESHEET.format(**colours(dark), primary_off="#3b4a66" if dark else "#a9bde3",
                              primary_off_text="#9aa1ab" if dark else "#ffffff")


def apply_theme(app: QApplication, mode: str = "system") -> str:
    """Fusion + the mode's palette: identical rendering offscreen, under Xvfb and on a desktop. Returns the
    resolved "light" or "dark"."""
    app.setStyle("Fusion")
    resolved = resolve(mode)
    dark = resolved == "dark"
    app.setPalette(_palette(app, dark))
    font = QFont(app.font())
    if font.pointSizeF() < 9:
        font.setPointSizeF(9)
    app.setFont(font)
    app.setStyleSheet(stylesheet(dark))
    app.setProperty("theme_mode", mode)
    return resolved
