"""Weight and gradient norms per layer over epochs (log scale), one curve per layer.

Fed from `RunData.weight_norms`/`grad_norms` (layer id → Trace of the probed epochs); long runs are drawn
downsampled to the plot's width (`make_plot(long_series=True)`)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from designer.ui.plots import theme


class NormsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.weight_plot = theme.make_plot("Weight norm", self, bottom="epoch", legend=(-10, -10), long_series=True)
        self.grad_plot = theme.make_plot("Gradient norm", self, bottom="epoch", legend=(-10, 10), long_series=True)
        for plot in (self.weight_plot, self.grad_plot):
            plot.getPlotItem().setLogMode(y=True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.weight_plot)
        layout.addWidget(self.grad_plot)
        self._weight_curves: dict[str, pg.PlotDataItem] = {}
        self._grad_curves: dict[str, pg.PlotDataItem] = {}
        self._order: list[str] = []

    def plots(self) -> list[pg.PlotWidget]:
        return [self.weight_plot, self.grad_plot]

    def curve_count(self) -> int:
        return len(self._weight_curves) + len(self._grad_curves)

    def _curve(self, store: dict, plot: pg.PlotWidget, layer_id: str) -> pg.PlotDataItem:
        curve = store.get(layer_id)
        if curve is None:
            if layer_id not in self._order:
                self._order.append(layer_id)
            curve = pg.PlotDataItem(name=layer_id, connect="finite")
            curve.setPen(pg.mkPen(theme.series_color(self.palette(), self._order.index(layer_id)), width=2))
            plot.addItem(curve)
            store[layer_id] = curve
        return curve

    def clear_data(self) -> None:
        for curve in [*self._weight_curves.values(), *self._grad_curves.values()]:
            curve.setData([], [])

    def update_norms(self, weight_norms: dict, grad_norms: dict) -> None:
        """Each dict: layer id → Trace (x: epochs, y: norms)."""
        for store, plot, source in ((self._weight_curves, self.weight_plot, weight_norms),
                                    (self._grad_curves, self.grad_plot, grad_norms)):
            for layer_id, trace in source.items():
                if not len(trace):
                    continue
                values = trace.y.values
                y = np.where(values > 0, values, np.nan)  # log axis
                self._curve(store, plot, layer_id).setData(trace.x.values, y)

    def apply_palette(self) -> None:
        palette = self.palette()
        for plot in self.plots():
            theme.style_plot(plot, palette)
        for store in (self._weight_curves, self._grad_curves):
            for layer_id, curve in store.items():
                curve.setPen(pg.mkPen(theme.series_color(palette, self._order.index(layer_id)), width=2))
