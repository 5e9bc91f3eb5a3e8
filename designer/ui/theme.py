"""The application's look: Fusion style, a calm light palette and a few stylesheet touches.

Kept in one place so screenshots, the packaged app and tests all look the same on any desktop.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = QColor("#2f6fde")

_STYLESHEET = """
QDockWidget::title { padding: 4px 6px; background: #e9edf3; font-weight: 600; }
QToolBar { spacing: 4px; padding: 2px; }
QStatusBar QLabel { padding: 0 8px; }
QGroupBox { font-weight: 600; margin-top: 10px; }
QGroupBox::title { subcontrol-origin: margin; left: 6px; padding: 0 3px; }
QPushButton#primary { background: #2f6fde; color: white; border: 1px solid #2458b3; border-radius: 3px;
                      padding: 4px 14px; font-weight: 600; }
QPushButton#primary:disabled { background: #a9bde3; border-color: #a9bde3; }
QLabel#hint { color: #5b6470; }
QLabel#title { font-size: 20pt; font-weight: 600; }
"""


def apply_theme(app: QApplication) -> None:
    """Fusion + light palette: identical rendering offscreen, under Xvfb and on a desktop."""
    app.setStyle("Fusion")
    pal = app.style().standardPalette()
    pal.setColor(QPalette.ColorRole.Window, QColor("#f5f6f8"))
    pal.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.AlternateBase, QColor("#f0f2f5"))
    pal.setColor(QPalette.ColorRole.Highlight, ACCENT)
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    app.setPalette(pal)
    font = QFont(app.font())
    if font.pointSizeF() < 9:
        font.setPointSizeF(9)
    app.setFont(font)
    app.setStyleSheet(_STYLESHEET)
