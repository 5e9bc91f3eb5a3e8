"""Plot colours taken from the widget's QPalette, so plots follow light and dark themes."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import QWidget

# Hues that stay distinguishable for common colour-vision deficiencies (Okabe-Ito order).
_SERIES = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"]
_SERIES_DARK = ["#56B4E9", "#E69F00", "#2BD1A0", "#E08EC8", "#8FD3FF", "#FF7A33", "#F0E442", "#BBBBBB"]


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def background(palette: QPalette) -> QColor:
    return palette.color(QPalette.ColorRole.Base)


def foreground(palette: QPalette) -> QColor:
    return palette.color(QPalette.ColorRole.Text)


def series_color(palette: QPalette, index: int) -> QColor:
    colours = _SERIES_DARK if is_dark(palette) else _SERIES
    return QColor(colours[index % len(colours)])


def muted(palette: QPalette) -> QColor:
    """Grid/marker colour half way between text and background."""
    fg, bg = foreground(palette), background(palette)
    return QColor((fg.red() + bg.red()) // 2, (fg.green() + bg.green()) // 2, (fg.blue() + bg.blue()) // 2)


def warning_color(palette: QPalette) -> QColor:
    return QColor("#FF8A65") if is_dark(palette) else QColor("#B23C17")


def style_plot(plot: pg.PlotWidget, palette: QPalette) -> None:
    """Background, axes and title in the palette's colours; call again on PaletteChange."""
    fg = foreground(palette)
    plot.setBackground(background(palette))
    item = plot.getPlotItem()
    for name in ("left", "bottom", "right", "top"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(muted(palette)))
        axis.setTextPen(pg.mkPen(fg))
    if item.titleLabel is not None and item.titleLabel.text and item.titleLabel.isVisible():  # not a hidden one
        item.setTitle(item.titleLabel.text, color=fg.name())
    legend = item.legend
    if legend is not None:
        legend.setLabelTextColor(fg)
        for _sample, label in legend.items:  # setLabelTextColor only stores the colour: the text keeps the old one
            label.setText(label.text, color=fg.name())
        bg = QColor(background(palette))
        bg.setAlpha(200)
        legend.setBrush(pg.mkBrush(bg))


class FittingAxis(pg.AxisItem):
    """A vertical axis that labels no more values than its height holds. pyqtgraph keeps at least 2.25
    intervals whatever the length, so a 55 px accuracy or learning-rate plot from 0 to 1 wrote six labels
    over each other; here the labelled spacing grows to the next round step (1, 2 or 5 × 10ⁿ) that fits."""

    LINE_GAP = 1.4  # room per label: its line height and a gap

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph naming)
        levels = super().tickSpacing(minVal, maxVal, size)
        if not levels or self.orientation not in ("left", "right"):
            return levels
        font = self.style.get("tickFont") or self.font()
        room = max(int(size // (QFontMetrics(font).height() * self.LINE_GAP)), 2)
        low, high = min(minVal, maxVal), max(minVal, maxVal)

        def labels(step: float) -> int:  # how many multiples of step lie in the range
            return math.floor(high / step) - math.ceil(low / step) + 1

        major = levels[0][0]
        if major <= 0 or labels(major) <= room:
            return levels
        step = major
        while labels(step) > room:
            wider = _next_round_step(step)
            if labels(wider) < 2:
                # the next round step would leave one label (0.6, 0.8, 1.0 → 1.0): every k-th of this step's
                # values instead, from the first, as many as fit but at least two
                every = math.ceil((labels(step) - 1) / (room - 1))
                first = math.ceil(low / step) * step
                return [(every * step, first % (every * step)), (major, 0.0)]
            step = wider
        return [(step, 0.0), (major, 0.0)]  # the old major ticks stay, unlabelled where crowded


def _next_round_step(step: float) -> float:
    """The next of 1, 2, 5, 10, 20, 50 … × 10ⁿ after `step`."""
    power = 10.0 ** math.floor(math.log10(step))
    for factor in (2.0, 5.0, 10.0):
        if factor * power > step * (1 + 1e-9):
            return factor * power
    return 20.0 * power


def make_plot(title: str, palette_source: QWidget, left: str = "", bottom: str = "",
              legend: tuple[int, int] | None = None, grid: bool = False,
              long_series: bool = False) -> pg.PlotWidget:
    """A PlotWidget in the palette's colours; with `legend` (any value: kept for older callers' offsets), a
    legend to the right of the data, never over it.

    `long_series`: curves over epochs, which may grow to 20,000 points and more. Each curve added to the plot
    then costs the same at any length: pyqtgraph draws only what is in view, reduced to the extremes of each
    pixel column (peak downsampling keeps the whole run's shape, spikes included). Set on the plot, not the
    curve: PlotItem.addItem hands its own mode to every curve added.

    No grid by default: pyqtgraph repaints grid lines with every curve update, which costs ~10 ms per plot
    here (0.5 ms without), so live plots go without; static ones may ask for it.
    """
    plot = pg.PlotWidget(axisItems={"left": FittingAxis("left")})
    plot.setMenuEnabled(False)
    item = plot.getPlotItem()
    item.setTitle(title)
    if left:
        item.setLabel("left", left)
    if bottom:
        item.setLabel("bottom", bottom)
    if grid:
        item.showGrid(x=True, y=True, alpha=0.15)
    for name in ("left", "bottom"):
        item.getAxis(name).enableAutoSIPrefix(False)  # "(x0.001)" on a unit-less axis only confuses
    if legend is not None:
        add_outside_legend(item)
    if long_series:
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
    style_plot(plot, palette_source.palette())
    return plot


class KeySample(pg.ItemSample):
    """A legend sample that is only a key. pyqtgraph's own hides its curve when clicked (out of step with the
    runs list) and draws an "invisible" eye icon for a hidden curve (it showed in exported PNGs too): legends
    here list only what is drawn, and a click does nothing."""

    def paint(self, p, *args):
        if self.item.isVisible():
            super().paint(p, *args)

    def mouseClickEvent(self, event):  # noqa: N802 (Qt naming)
        event.ignore()


class _GridLegend(pg.LegendItem):
    """A legend placed by its plot's grid layout: its size comes from its rows (a size hint), where pyqtgraph's
    own moves it to (0, 0) of its parent on every change, i.e. over the title and the data."""

    def updateSize(self):  # noqa: N802 (pyqtgraph naming)
        self.layout.invalidate()
        # never taller or wider than its rows: a tall plot spread four entries over its whole height
        self.setMaximumSize(self.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize))
        self.updateGeometry()


def add_outside_legend(item: pg.PlotItem) -> pg.LegendItem:
    """A legend in its own column right of the data (in the PlotItem's grid: title 0, top axis 1, data 2,
    bottom axis 3; left axis 0, data 1, right axis 2), so it never covers a curve. Named items added to the
    plot are listed in it, as with `addLegend`."""
    legend = _GridLegend(labelTextSize="8pt", sampleType=KeySample, verSpacing=-4)
    item.layout.addItem(legend, 2, 3)
    item.layout.setAlignment(legend, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    item.legend = legend
    return legend
