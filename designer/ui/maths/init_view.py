"""Initialisation view: the distribution the selected layer's kernel initializer draws from (its formula
with this layer's fan-in and fan-out), a fresh draw by the engine's own `initialize`, and the kernel's values
now — after training, live while a run goes on."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from designer.engine.initializers import initialize
from designer.engine.registry import INITIALIZERS
from designer.maths.initialisation import histogram, init_distribution
from designer.ui.maths.common import ThemedPanel, formula_label, pen, translucent
from designer.ui.plots import theme


class InitialisationView(ThemedPanel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.formula = formula_label()
        self.plot = self.add_plot("", left="density", bottom="weight value", legend=(-5, 5))
        self.plot.setMinimumHeight(150)
        self.drawn = pg.BarGraphItem(x=[], height=[], width=0.1)
        self.now = pg.BarGraphItem(x=[], height=[], width=0.1)
        self.plot.addItem(self.drawn)
        self.plot.addItem(self.now)
        self.pdf = self.plot.plot([], [], name="initializer's density")
        legend = self.plot.getPlotItem().legend
        legend.addItem(self.drawn, "fresh draws (engine)")
        legend.addItem(self.now, "the weights now")
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.formula)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.note)
        self.layer_id: str | None = None
        self.initializer = "glorot_uniform"
        self.shape: tuple[int, ...] | None = None
        self.current = None  # kernel values (array) or a histogram (counts, edges)
        self.shown: dict = {}
        self.mark()

    def show_layer(self, layer_id: str | None, initializer: str | None, shape, current) -> None:
        """The layer, its kernel initializer and kernel shape (None when unknown), and the kernel now: an array,
        a (counts, edges) histogram from a live run, or None."""
        self.layer_id, self.shape, self.current = layer_id, tuple(shape) if shape else None, current
        self.initializer = initializer or "glorot_uniform"
        self.mark()

    def redraw(self) -> None:
        pal = self.palette()
        if self.layer_id is None or self.shape is None:
            self.title.setText("Select a Dense or Conv2D layer whose input shape is known to see how its weights "
                               "start and where they are now.")
            self.formula.clear()
            for item in (self.drawn, self.now):
                item.setOpts(x=[], height=[])
            self.pdf.setData([], [])
            self.note.clear()
            self.shown = {}
            return
        dist = init_distribution(self.initializer, self.shape)
        self.title.setText(f"<b>{self.layer_id}</b>: kernel {' × '.join(map(str, self.shape))}, "
                           f"initializer <b>{INITIALIZERS[self.initializer].label}</b>")
        self.formula.setText(dist.formula)
        # enough draws of this very shape (same fans) for the histogram to show the distribution's form
        rng = np.random.default_rng(0)
        reps = max(1, -(-4000 // max(1, int(np.prod(self.shape)))))
        draw = np.concatenate([initialize(self.initializer, self.shape, rng).ravel() for _ in range(reps)])
        spread = dist.spread or 1.0
        current_centres, current_density = self._current(spread)
        lo = -spread * 1.15
        hi = spread * 1.15
        if current_centres.size:
            lo = min(lo, float(current_centres[0]))
            hi = max(hi, float(current_centres[-1]))
        xs = np.linspace(lo, hi, 400)
        if dist.kind == "constant":
            self.pdf.setData([], [])
            self.drawn.setOpts(x=[dist.value], height=[1.0], width=spread * 0.05,
                               brush=translucent(theme.series_color(pal, 0), 120), pen=pg.mkPen(None))
        else:
            self.pdf.setData(xs, dist.pdf(xs))
            self.pdf.setPen(pen(self, 0, 2.5))
            c, d = histogram(draw, bins=30, spread=spread)
            self.drawn.setOpts(x=c, height=d, width=float(c[1] - c[0]) if len(c) > 1 else 0.1,
                               brush=translucent(theme.series_color(pal, 0), 70), pen=pg.mkPen(None))
        if current_centres.size:
            width = float(current_centres[1] - current_centres[0]) if len(current_centres) > 1 else 0.1
            self.now.setOpts(x=current_centres, height=current_density, width=width,
                             brush=translucent(theme.series_color(pal, 1), 120), pen=pg.mkPen(None))
        else:
            self.now.setOpts(x=[], height=[])
        self.plot.setXRange(lo, hi, padding=0.02)
        std_now = self._std_now()
        self.note.setText(
            f"Blue: what {INITIALIZERS[self.initializer].label} draws, std {np.sqrt(dist.variance):.3g}. "
            + (f"Orange: the weights now, std {std_now:.3g} — training moved them away from the start."
               if std_now is not None else "Train to see where the weights go."))
        self.shown = {"layer": self.layer_id, "formula": dist.formula, "variance": dist.variance,
                      "std_now": std_now}

    def _current(self, spread: float):
        cur = self.current
        if cur is None:
            return np.zeros(0), np.zeros(0)
        if isinstance(cur, tuple):
            counts, edges = (np.asarray(a, dtype=np.float64) for a in cur)
            width = np.diff(edges)
            total = counts.sum()
            density = counts / (total * width) if total else counts
            return (edges[:-1] + edges[1:]) / 2, density
        return histogram(cur, bins=30, spread=spread)

    def _std_now(self) -> float | None:
        cur = self.current
        if cur is None:
            return None
        if isinstance(cur, tuple):
            counts, edges = (np.asarray(a, dtype=np.float64) for a in cur)
            c = (edges[:-1] + edges[1:]) / 2
            total = counts.sum()
            if not total:
                return None
            mean = (counts * c).sum() / total
            return float(np.sqrt((counts * (c - mean) ** 2).sum() / total))
        return float(np.std(np.asarray(cur, dtype=np.float64)))
