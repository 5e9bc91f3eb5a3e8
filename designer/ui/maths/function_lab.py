"""Function lab: an activation's curve and derivative over the selected layer's pre-activations, and a loss's
value and gradient against the prediction, all losses side by side, and what an outlier does to each.

Every number is computed by `designer.maths.curves` with the engine's own activation and loss objects.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from designer.engine.registry import ACTIVATIONS, LOSSES
from designer.maths import curves
from designer.ui.maths.common import ThemedPanel, formula_html, formula_label, pen, translucent
from designer.ui.numbers import DoubleSpinBox
from designer.ui.plots import theme

SATURATED = 0.05  # |f′(z)| below this: the unit barely passes a gradient back (saturated, or a dead ReLU)


def _spin(value: float, lo: float, hi: float, step: float, decimals: int = 3) -> DoubleSpinBox:
    w = DoubleSpinBox()
    w.setDecimals(decimals)
    w.setRange(lo, hi)
    w.setSingleStep(step)
    w.setValue(value)
    w.setKeyboardTracking(False)
    return w


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def saturation(name: str, params: dict, counts: np.ndarray, edges: np.ndarray) -> float:
    """Fraction of pre-activations (from a histogram) where the activation's derivative is below SATURATED."""
    centres = (np.asarray(edges[:-1], float) + np.asarray(edges[1:], float)) / 2
    _, _, d = curves.activation_curve(name, params, centres)
    total = float(np.sum(counts))
    return float(np.sum(np.asarray(counts)[np.abs(d) < SATURATED])) / total if total else 0.0


class ActivationLab(ThemedPanel):
    """Curve f, derivative f′ and the selected layer's pre-activation histogram behind them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        for name, choice in ACTIVATIONS.items():
            self.combo.addItem(choice.label, name)
        self.slope = _spin(0.01, 0.0, 1.0, 0.05)
        self.alpha = _spin(1.0, 0.0, 100.0, 0.1)
        self.slope.setToolTip(ACTIVATIONS["leaky_relu"].params[0].doc)
        self.alpha.setToolTip(ACTIVATIONS["elu"].params[0].doc)
        self.formula = formula_label()
        self.plot = self.add_plot("", left="f(z), f′(z)", bottom="z (pre-activation)", legend=(5, 5))
        self.plot.setMinimumHeight(150)
        self.hist = pg.BarGraphItem(x=[], height=[], width=0.1, brush=translucent(theme.muted(self.palette()), 90),
                                    pen=pg.mkPen(None))
        self.plot.addItem(self.hist)
        self.curve = self.plot.plot([], [], name="f(z)")
        self.deriv = self.plot.plot([], [], name="f′(z)")
        self.plot.getPlotItem().legend.addItem(self.hist, "z of the layer")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.form = form = QFormLayout()
        form.addRow("Activation", self.combo)
        form.addRow("Leaky ReLU slope a", self.slope)
        form.addRow("ELU α", self.alpha)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.formula)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.note)
        self.layer_id: str | None = None
        self.histogram: tuple[np.ndarray, np.ndarray] | None = None
        self.shown: dict = {}  # what the last redraw drew (tests)
        self.combo.currentIndexChanged.connect(self._changed)
        self.slope.valueChanged.connect(self._changed)
        self.alpha.valueChanged.connect(self._changed)
        self._changed()

    # ------------------------------------------------------------------ input
    def activation(self) -> tuple[str, dict]:
        name = self.combo.currentData()
        params = {}
        if name == "leaky_relu":
            params["negative_slope"] = self.slope.value()
        elif name == "elu":
            params["alpha"] = self.alpha.value()
        return name, params

    def show_activation(self, name: str, params: dict | None = None) -> None:
        """Follow the selected layer: its activation and parameters (without editing the layer)."""
        params = params or {}
        for w in (self.combo, self.slope, self.alpha):
            w.blockSignals(True)
        self.combo.setCurrentIndex(max(0, self.combo.findData(name)))
        if "negative_slope" in params:
            self.slope.setValue(float(params["negative_slope"]))
        if "alpha" in params:
            self.alpha.setValue(float(params["alpha"]))
        for w in (self.combo, self.slope, self.alpha):
            w.blockSignals(False)
        self._changed()

    def set_histogram(self, layer_id: str | None, histogram) -> None:
        """The layer's pre-activation histogram (counts, edges), or None."""
        self.layer_id = layer_id
        self.histogram = None if histogram is None else (np.asarray(histogram[0]), np.asarray(histogram[1]))
        self.mark()

    def _changed(self, *_args) -> None:
        name = self.combo.currentData()
        self.form.setRowVisible(self.slope, name == "leaky_relu")  # only the chosen function's own parameter
        self.form.setRowVisible(self.alpha, name == "elu")
        f, d = curves.ACTIVATION_FORMULAS[name]
        self.formula.setText(formula_html([("function", f), ("derivative", d)]))
        self.mark()

    # ------------------------------------------------------------------ drawing
    def redraw(self) -> None:
        name, params = self.activation()
        lo, hi = -5.0, 5.0
        if self.histogram is not None:
            edges = self.histogram[1]
            lo, hi = min(lo, float(edges[0])), max(hi, float(edges[-1]))
        xs, y, d = curves.activation_curve(name, params, np.linspace(lo, hi, 401))
        self.curve.setData(xs, y)
        self.curve.setPen(pen(self, 0, 2.5))
        self.deriv.setData(xs, d)
        self.deriv.setPen(pen(self, 1, 2.0, dashed=True))
        top = float(np.nanmax(np.abs(np.concatenate([y, d]))))
        if self.histogram is not None and self.histogram[0].sum() > 0:
            counts, edges = self.histogram
            heights = counts / counts.max() * min(top, 1.5) * 0.9  # the histogram's shape, scaled to the curve
            self.hist.setOpts(x=(edges[:-1] + edges[1:]) / 2, height=heights, width=float(edges[1] - edges[0]),
                              brush=translucent(theme.muted(self.palette()), 110))
            share = saturation(name, params, counts, edges)
            word = "dead (z ≤ 0)" if name == "relu" else "saturated"
            self.note.setText(f"Grey: the pre-activations z of <b>{self.layer_id}</b> on a sample of the data. "
                              f"{share:.0%} of them sit where |f′(z)| &lt; {SATURATED}: {word}, they pass almost "
                              "no gradient back." if share >= 0.005 else
                              f"Grey: the pre-activations z of <b>{self.layer_id}</b>; the slope f′ is healthy "
                              "for nearly all of them.")
            self.shown = {"name": name, "params": params, "saturated": share, "layer": self.layer_id}
        else:
            self.hist.setOpts(x=[], height=[])
            self.note.setText("Select a Dense layer and train (or open trained weights) to see its pre-activations "
                              "z on the curve: where they sit tells whether the unit saturates or dies.")
            self.shown = {"name": name, "params": params, "saturated": None, "layer": None}
        self.plot.setXRange(lo, hi, padding=0.02)
        self.plot.setYRange(min(-1.2, float(np.nanmin(np.concatenate([y, d])))), max(1.2, min(top, hi) * 1.05),
                            padding=0.02)


OUTLIER_TARGETS = np.array([-0.4, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3, 0.5])
REGRESSION = ("mean_squared_error", "mean_absolute_error", "huber")


class LossLab(ThemedPanel):
    """One loss and its gradient against the prediction; every loss side by side; an outlier's pull."""

    loss_picked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        for name, choice in LOSSES.items():
            self.combo.addItem(choice.label, name)
        self.target = _spin(1.0, -5.0, 5.0, 0.1, 2)
        self.delta = _spin(1.0, 0.05, 5.0, 0.1, 2)
        self.delta.setToolTip(LOSSES["huber"].params[0].doc)
        self.formula = formula_label()
        self.plot = self.add_plot("", left="L, ∂L/∂ŷ", bottom="prediction ŷ", legend=(-5, 5))
        self.plot.setFixedHeight(230)
        self.curve = self.plot.plot([], [], name="loss L")
        self.grad = self.plot.plot([], [], name="gradient ∂L/∂ŷ")
        self.target_line = pg.InfiniteLine(angle=90, movable=False)
        self.plot.addItem(self.target_line)

        self.small: dict[str, tuple[pg.PlotWidget, pg.PlotDataItem]] = {}
        grid = QGridLayout()
        grid.setSpacing(2)
        for i, name in enumerate(LOSSES):
            p = self.add_plot("")
            p.getPlotItem().setTitle(LOSSES[name].label, size="8pt")
            p.setMinimumWidth(60)
            p.setFixedHeight(120)
            p.getPlotItem().titleLabel.setMaximumHeight(18)
            item = p.plot([], [])
            self.small[name] = (p, item)
            grid.addWidget(p, i // 2, i % 2)

        self.outlier = _spin(6.0, -20.0, 20.0, 0.5, 1)
        self.outlier_plot = self.add_plot("", left="target",
                                          bottom="sample", legend=(5, 5))
        self.outlier_plot.setFixedHeight(200)
        self.points = pg.ScatterPlotItem(size=8)
        self.outlier_plot.addItem(self.points)
        self.best_lines = {n: self.outlier_plot.plot([], [], name=LOSSES[n].label) for n in REGRESSION}
        self.outlier_note = QLabel()
        self.outlier_note.setWordWrap(True)
        self.outlier_note.setTextFormat(Qt.TextFormat.RichText)

        self.form = form = QFormLayout()
        form.addRow("Loss", self.combo)
        form.addRow("Target y", self.target)
        form.addRow("Huber δ", self.delta)
        outlier_row = QHBoxLayout()
        outlier_row.addWidget(QLabel("Outlier's target"))
        outlier_row.addWidget(self.outlier, 1)
        self.body = body = QWidget()
        col = QVBoxLayout(body)
        col.addLayout(form)
        col.addWidget(self.formula)
        col.addWidget(self.plot)
        col.addWidget(_wrapped("<b>All losses side by side</b> (same target; cross-entropy against a probability)"))
        col.addLayout(grid)
        col.addWidget(_wrapped("<b>What an outlier does</b>: the best single prediction for all these targets"))
        col.addLayout(outlier_row)
        col.addWidget(self.outlier_plot)
        col.addWidget(self.outlier_note)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.shown: dict = {}
        self.combo.currentIndexChanged.connect(self._changed)
        self.target.valueChanged.connect(self.mark)
        self.delta.valueChanged.connect(self.mark)
        self.outlier.valueChanged.connect(self.mark)
        self._changed()

    def show_loss(self, name: str, params: dict | None = None) -> None:
        """Follow the project's loss (and Huber's delta)."""
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(0, self.combo.findData(name)))
        self.combo.blockSignals(False)
        if params and "delta" in params:
            self.delta.setValue(float(params["delta"]))
        self._changed()

    def _changed(self, *_args) -> None:
        name = self.combo.currentData()
        self.form.setRowVisible(self.delta, name == "huber")
        self.target.blockSignals(True)
        if name in curves.PROBABILITY_LOSSES:
            self.target.setRange(0.0, 1.0)
            self.target.setValue(1.0 if self.target.value() > 0.5 else 0.0)
        elif name == "hinge":
            self.target.setRange(-1.0, 1.0)
            self.target.setValue(1.0 if self.target.value() >= 0 else -1.0)
            self.target.setSingleStep(2.0)
        else:
            self.target.setRange(-5.0, 5.0)
            self.target.setSingleStep(0.1)
        self.target.blockSignals(False)
        f, g = curves.LOSS_FORMULAS[name]
        axis = "probability p of the class" if name in curves.PROBABILITY_LOSSES else "prediction ŷ"
        self.plot.getPlotItem().setLabel("bottom", axis)
        self.formula.setText(formula_html([("loss", f), ("gradient", g)]))
        self.mark()

    def params(self, name: str) -> dict:
        return {"delta": self.delta.value()} if name == "huber" else {}

    def redraw(self) -> None:
        name = self.combo.currentData()
        target = self.target.value()
        preds, values, grad = curves.loss_curve(name, target, params=self.params(name))
        self.curve.setData(preds, values)
        self.curve.setPen(pen(self, 0, 2.5))
        self.grad.setData(preds, grad)
        self.grad.setPen(pen(self, 1, 2.0, dashed=True))
        self.target_line.setPos(target)
        self.target_line.setPen(pg.mkPen(theme.muted(self.palette()), style=Qt.PenStyle.DotLine))
        cap = 8.0 if name in curves.PROBABILITY_LOSSES else max(4.0, float(np.nanmax(values[np.isfinite(values)])))
        self.plot.setYRange(max(-cap, float(np.nanmin(grad))), min(cap, float(np.nanmax(values))) + 0.2)
        self.plot.setXRange(float(preds[0]), float(preds[-1]), padding=0.02)
        self.shown = {"name": name, "target": target, "params": self.params(name)}
        for other, (plot, item) in self.small.items():
            t = target
            if other in curves.PROBABILITY_LOSSES:
                t = 1.0 if target > 0.5 else 0.0
            elif other == "hinge":
                t = 1.0 if target >= 0 else -1.0
            xs, vs, _ = curves.loss_curve(other, t, params=self.params(other))
            item.setData(xs, vs)
            item.setPen(pen(self, 0 if other == name else 7, 2.5 if other == name else 1.5))
            plot.setYRange(0, 6.2 if other in curves.PROBABILITY_LOSSES else max(1.0, float(np.max(vs))),
                           padding=0.02)
        self._draw_outlier()

    def _draw_outlier(self) -> None:
        targets = np.concatenate([OUTLIER_TARGETS, [self.outlier.value()]])
        n = len(targets)
        fg = theme.foreground(self.palette())
        brushes = [pg.mkBrush(fg)] * (n - 1) + [pg.mkBrush(theme.warning_color(self.palette()))]
        self.points.setData(np.arange(n), targets, brush=brushes, pen=pg.mkPen(None))
        lines = []
        clean = float(np.median(OUTLIER_TARGETS))
        for i, loss in enumerate(REGRESSION):
            best, _, _ = curves.best_constant(loss, targets, self.params(loss))
            self.best_lines[loss].setData([-0.5, n - 0.5], [best, best])
            self.best_lines[loss].setPen(pen(self, i, 2.0))
            share = curves.gradient_shares(loss, clean, targets, self.params(loss))[-1]
            lines.append(f"{LOSSES[loss].label}: best ŷ = {best:.2f}, the outlier's share of the gradient "
                         f"{share:.0%}")
        self.outlier_note.setText("<br>".join(lines) + "<br><small>MSE follows the mean and is dragged along; "
                                  "MAE the median and barely moves; Huber caps each point's pull at δ.</small>")
        self.shown["outlier"] = {loss: curves.best_constant(loss, targets, self.params(loss))[0] for loss in REGRESSION}
