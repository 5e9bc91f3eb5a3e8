"""Overfitting indicator: the train/validation gap over time and a plain-language hint."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem, QLabel, QVBoxLayout, QWidget

from designer.ui.plots import theme

REMEDIES = ("more training data, a smaller network, dropout, batch normalisation, early stopping "
            "(keep the best epoch) or an L2 weight penalty")
RISE = 0.05   # validation loss this much above its best counts as rising
GAP = 0.25    # validation loss this much above training loss (relative) counts as a wide gap …
MIN_GAP = 0.1  # … when it is also this share of the first epoch's loss (tiny losses give huge ratios)


@dataclass(frozen=True)
class Assessment:
    level: str  # "unknown" | "ok" | "watch" | "overfitting" | "underfitting"
    message: str


def assess_overfitting(train_loss, val_loss) -> Assessment:
    train = np.asarray(train_loss, dtype=np.float64)
    val = np.asarray(val_loss, dtype=np.float64)
    n = min(len(train), len(val))
    train, val = train[:n], val[:n]
    ok = np.isfinite(train) & np.isfinite(val)
    if not ok.any():
        return Assessment("unknown", "No validation loss yet: overfitting is judged on held-out data.")
    train, val = train[ok], val[ok]
    if len(val) < 3:
        return Assessment("unknown", "A few more epochs are needed to judge overfitting.")
    best = int(np.argmin(val))
    since = len(val) - 1 - best
    rel_gap = (val[-1] - train[-1]) / max(abs(val[-1]), 1e-12)
    if since >= 2 and val[-1] > val[best] * (1 + RISE) and train[-1] < train[best]:
        return Assessment(
            "overfitting",
            f"Overfitting: validation loss has risen for {since} epochs since its best (epoch {best + 1} of "
            f"this run) while training loss kept falling — the network is memorising the training set. "
            f"Try {REMEDIES}.",
        )
    if rel_gap > GAP and val[-1] - train[-1] > MIN_GAP * max(val[0], train[0]):
        gap = val - train
        back = min(3, len(gap) - 1)
        growing = gap[-1] > gap[-1 - back] * 1.1 and gap[-1] > 0
        trend = "and the gap is still growing" if growing else "though the gap has stopped growing"
        return Assessment(
            "watch",
            f"Watch: validation loss is {val[-1] - train[-1]:.3g} ({rel_gap:.0%}) above training loss, {trend}. "
            f"The network fits the training rows better than new ones; if validation loss starts rising, try "
            f"{REMEDIES}.",
        )
    if len(train) >= 5 and train[-1] > 0.9 * train[0]:
        return Assessment(
            "underfitting",
            "Training loss has barely moved: the network may be underfitting. Try more epochs, a larger "
            "learning rate or a bigger network.",
        )
    return Assessment("ok", "No sign of overfitting: training and validation loss are moving together.")


class GapFill(QGraphicsPathItem):
    """The shaded area between two curves, built from what they draw: their data already reduced to the plot's
    width and clipped to the view, so it costs the same at any run length and follows zooming. (pyqtgraph's
    FillBetweenItem joins Qt polygons in Python: 12 ms per change at 20,000 epochs, twice per update.)"""

    def __init__(self, first: pg.PlotDataItem, second: pg.PlotDataItem) -> None:
        super().__init__()
        self.setPen(pg.mkPen(None))  # filled only: a stroke in data coordinates (x up to 20,000) took seconds
        self._curves = (first, second)
        for curve in self._curves:
            curve.curve.sigPlotChanged.connect(self._rebuild)  # what is drawn changed: new data or a new view

    def _rebuild(self, *_args) -> None:
        (x1, y1), (x2, y2) = (curve.curve.getData() for curve in self._curves)
        if x1 is None or x2 is None or not len(x1) or not len(x2):
            self.setPath(QPainterPath())
            return
        # along the first curve, back along the second: one closed outline
        path = pg.arrayToQPath(np.concatenate([x1, x2[::-1]]), np.concatenate([y1, y2[::-1]]), connect="all")
        path.closeSubpath()
        self.setPath(path)


class OverfittingView(QWidget):
    """Training and validation loss with the gap between them shaded, under a plain-language verdict."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = theme.make_plot("Training vs validation loss (shaded: the gap)", self, bottom="epoch",
                                    legend=(-10, 10), long_series=True)
        # downsampled alike by the plot (the same x columns), so the fill between them stays small at any length
        self.train_curve = pg.PlotDataItem(name="training loss", connect="finite")
        self.val_curve = pg.PlotDataItem(name="validation loss", connect="finite")
        self.gap_fill = GapFill(self.train_curve, self.val_curve)
        self.plot.addItem(self.gap_fill)
        self.plot.addItem(self.train_curve)
        self.plot.addItem(self.val_curve)
        self.badge = QLabel()
        self.badge.setWordWrap(True)
        self.badge.setTextFormat(Qt.TextFormat.PlainText)
        self.badge.setMargin(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.badge)
        layout.addWidget(self.plot, 1)
        self.assessment = Assessment("unknown", "No run yet.")
        self.gap = np.empty(0)
        self.apply_palette()

    def plots(self) -> list[pg.PlotWidget]:
        return [self.plot]

    def update_losses(self, epochs, train_loss, val_loss) -> None:
        x = np.asarray(epochs, dtype=np.float64)
        train = np.asarray(train_loss, dtype=np.float64)
        val = np.asarray(val_loss, dtype=np.float64)
        both = np.isfinite(train) & np.isfinite(val)  # the fill needs matching finite points
        self.train_curve.setData(x[both], train[both])
        self.val_curve.setData(x[both], val[both])
        self.gap = val[both] - train[both]
        self.assessment = assess_overfitting(train, val)
        self.badge.setText(self.assessment.message)
        self._colour_badge()

    def _colour_badge(self) -> None:
        palette = self.palette()
        alarm = self.assessment.level in ("overfitting", "underfitting", "watch")
        colour = theme.warning_color(palette) if alarm else theme.foreground(palette)
        self.badge.setStyleSheet(f"color: {colour.name()}; font-weight: {'bold' if alarm else 'normal'};")

    def apply_palette(self) -> None:
        palette = self.palette()
        theme.style_plot(self.plot, palette)
        self.train_curve.setPen(pg.mkPen(theme.series_color(palette, 0), width=2))
        self.val_curve.setPen(pg.mkPen(theme.series_color(palette, 1), width=2, style=Qt.PenStyle.DashLine))
        fill = pg.mkColor(theme.warning_color(palette))
        fill.setAlpha(60)
        self.gap_fill.setBrush(pg.mkBrush(fill))
        self._colour_badge()
