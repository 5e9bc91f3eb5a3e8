"""Predicted-vs-actual and residual plots for regression evaluation."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget

from designer.ui.plots import theme


class RegressionView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pred_plot = theme.make_plot("Predicted vs actual", self, left="predicted", bottom="actual",
                                         grid=True)
        self.resid_plot = theme.make_plot("Residuals", self, left="actual − predicted", bottom="predicted",
                                          grid=True)
        self.identity = pg.PlotDataItem()
        self.pred_scatter = pg.ScatterPlotItem(size=5)
        self.zero_line = pg.InfiniteLine(pos=0.0, angle=0, movable=False)
        self.resid_scatter = pg.ScatterPlotItem(size=5)
        self.pred_plot.addItem(self.identity)
        self.pred_plot.addItem(self.pred_scatter)
        self.resid_plot.addItem(self.zero_line, ignoreBounds=True)
        self.resid_plot.addItem(self.resid_scatter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pred_plot)
        layout.addWidget(self.resid_plot)
        self.apply_palette()

    def plots(self) -> list[pg.PlotWidget]:
        return [self.pred_plot, self.resid_plot]

    def show_predictions(self, y_true, y_pred) -> None:
        y_true = np.asarray(y_true, dtype=np.float64).ravel()
        y_pred = np.asarray(y_pred, dtype=np.float64).ravel()
        if len(y_true) != len(y_pred):
            raise ValueError(f"y_true has {len(y_true)} values but y_pred has {len(y_pred)}")
        self.pred_scatter.setData(y_true, y_pred)
        self.resid_scatter.setData(y_pred, y_true - y_pred)
        if len(y_true):
            lo = float(min(y_true.min(), y_pred.min()))
            hi = float(max(y_true.max(), y_pred.max()))
            self.identity.setData([lo, hi], [lo, hi])

    def clear(self) -> None:
        for item in (self.pred_scatter, self.resid_scatter):
            item.clear()
        self.identity.setData([], [])

    def apply_palette(self) -> None:
        palette = self.palette()
        colour = pg.mkColor(theme.series_color(palette, 0))
        colour.setAlpha(170)
        for plot in self.plots():
            theme.style_plot(plot, palette)
        for scatter in (self.pred_scatter, self.resid_scatter):
            scatter.setBrush(pg.mkBrush(colour))
            scatter.setPen(pg.mkPen(None))
        guide = pg.mkPen(theme.muted(palette), width=1.5, style=Qt.PenStyle.DashLine)
        self.identity.setPen(guide)
        self.zero_line.setPen(guide)
