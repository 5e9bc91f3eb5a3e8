"""Small pieces the mathematics views share: plots that follow the theme, rich-text formula labels, and a
redraw timer that keeps live updates to a few per second (as the dashboard does)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QWidget

from designer.ui.plots import theme

REDRAW_MS = 250  # the dashboard's rate: at most four redraws a second, however fast epochs arrive


def formula_label() -> QLabel:
    """A label for a formula in Qt rich text (sub/superscripts, Greek, italics) in the theme's font."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    return label


def formula_html(lines: list[tuple[str, str]]) -> str:
    """Rows of (caption, formula) as a small table; formulas in a serif face, like a textbook."""
    rows = "".join(f"<tr><td style='padding-right:8px'><small>{c}</small></td>"
                   f"<td style='font-family:serif'>{f}</td></tr>" for c, f in lines)
    return f"<table cellspacing='2'>{rows}</table>"


def pen(widget: QWidget, index: int, width: float = 2.0, dashed: bool = False) -> pg.QtGui.QPen:
    p = pg.mkPen(theme.series_color(widget.palette(), index), width=width)
    if dashed:
        p.setStyle(Qt.PenStyle.DashLine)
    return p


def translucent(colour: QColor, alpha: int) -> QColor:
    c = QColor(colour)
    c.setAlpha(alpha)
    return c


class ThemedPanel(QWidget):
    """A panel of plots that restyles them when the palette changes and redraws at most every REDRAW_MS while
    visible: `mark()` asks for a redraw, `redraw()` does it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots: list[pg.PlotWidget] = []
        self._dirty = True
        self.redraws = 0  # how many redraws ran (tests: the throttle)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._flush)

    def add_plot(self, title: str, left: str = "", bottom: str = "", legend=None) -> pg.PlotWidget:
        plot = theme.make_plot(title, self, left=left, bottom=bottom, legend=legend, grid=True)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        self.plots.append(plot)
        return plot

    def mark(self) -> None:
        self._dirty = True
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        if self._dirty and self.isVisible():
            self._draw()

    def flush_now(self) -> None:
        """Redraw at once if something changed (tests, screenshots)."""
        self._timer.stop()
        if self._dirty:
            self._draw()

    def _draw(self) -> None:
        self._dirty = False
        self.redraws += 1
        key = (theme.foreground(self.palette()).rgba(), theme.background(self.palette()).rgba())
        if key != getattr(self, "_styled_for", None):  # a theme switch the change event did not bring here
            self._styled_for = key
            for plot in self.plots:
                theme.style_plot(plot, self.palette())
                legend = plot.getPlotItem().legend
                for _sample, label in legend.items if legend is not None else ():
                    label.setText(label.text)  # setLabelTextColor only stores the colour: render it
        self.redraw()

    def redraw(self) -> None:
        raise NotImplementedError

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if self._dirty:
            self._timer.start(0)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            QTimer.singleShot(0, self, self._restyle)
        super().changeEvent(event)

    def _restyle(self) -> None:
        self._styled_for = None
        self._dirty = True
        self.flush_now()
