"""Gradient-descent view: the loss over two chosen weights around the current point (every other weight held),
drawn as a heatmap with contour lines, and the paths SGD, momentum and Adam take across it from the same start.

The numbers are `designer.maths.descent`'s: each grid value is the engine's loss at those weights, each path
step the engine's optimizer on the engine's gradient. Computed when asked (Compute, or a new set of weights
after a run), on a fixed sample of at most 512 training rows.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from designer.engine.losses import encode_targets, get_loss
from designer.maths import descent
from designer.ui.maths.common import ThemedPanel, pen
from designer.ui.numbers import DoubleSpinBox
from designer.ui.plots import theme

CONTOURS = 12


class DescentView(ThemedPanel):
    def __init__(self, model, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.weight_a = QComboBox()
        self.weight_b = QComboBox()
        self.span = DoubleSpinBox()
        self.span.setRange(0.05, 50.0)
        self.span.setValue(2.0)
        self.span.setDecimals(2)
        self.lr = DoubleSpinBox()
        self.lr.setDecimals(4)
        self.lr.setRange(0.0001, 10.0)
        self.lr.setValue(0.1)
        self.steps = QSpinBox()
        self.steps.setRange(1, 500)
        self.steps.setValue(40)
        self.start_from = QComboBox()
        self.start_from.addItem("the current weights", "here")
        self.start_from.addItem("a corner of the window", "corner")
        self.start_from.setToolTip("After training the current point sits in a valley: start from a corner to see "
                                   "how each optimizer gets down")
        self.compute_btn = QPushButton("Compute")
        self.compute_btn.setToolTip("Evaluate the loss on the grid and run SGD, momentum and Adam from the "
                                    "current point")
        self.plot = self.add_plot("", left="", bottom="", legend=(-5, 5))
        self.plot.setMinimumHeight(220)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.isos: list[pg.IsocurveItem] = []
        self.paths = {name: self.plot.plot([], [], name=name, symbol="o", symbolSize=4)
                      for name in descent.OPTIMIZER_CHOICES}
        self.start = pg.ScatterPlotItem(size=12, symbol="star")
        self.plot.addItem(self.start)
        self.note = QLabel("Choose two weights and press Compute.")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        form = QFormLayout()
        form.addRow("Weight on x", self.weight_a)
        form.addRow("Weight on y", self.weight_b)
        form.addRow("Optimizers start at", self.start_from)
        row = QHBoxLayout()
        for label, w in (("±", self.span), ("lr", self.lr), ("steps", self.steps)):
            row.addWidget(QLabel(label))
            row.addWidget(w)
        row.addWidget(self.compute_btn)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.note)
        self.result: dict | None = None
        self._refs: list[descent.WeightRef] = []
        self._network_key = None
        self.compute_btn.clicked.connect(self.compute)

    # ------------------------------------------------------------------ choices
    def refresh_choices(self, prefer_layer: str | None = None) -> str:
        """Fill the weight boxes from the project's network; "" or why there is nothing to show."""
        network, prepared, reason = self.model.get()
        if network is None:
            self._refs = []
            for box in (self.weight_a, self.weight_b):
                box.clear()
            self.note.setText(f"No network to look at yet: {reason}")
            return reason
        if self._network_key is network and prefer_layer is None:
            return ""
        self._network_key = network
        refs = descent.weight_refs(network)
        keep = (self.weight_a.currentText(), self.weight_b.currentText())
        self._refs = refs
        for box in (self.weight_a, self.weight_b):
            box.blockSignals(True)
            box.clear()
            for ref in refs:
                box.addItem(ref.label(network))
            box.blockSignals(False)
        first = next((i for i, r in enumerate(refs) if prefer_layer and r.key == f"{prefer_layer}/kernel"), None)
        if first is not None:
            self.weight_a.setCurrentIndex(first)
            self.weight_b.setCurrentIndex(min(first + 1, len(refs) - 1))
        else:
            ia, ib = self.weight_a.findText(keep[0]), self.weight_b.findText(keep[1])
            self.weight_a.setCurrentIndex(max(ia, 0))
            self.weight_b.setCurrentIndex(ib if ib >= 0 else min(1, len(refs) - 1))
        lr = (self.model.training.get("optimizer") or {}).get("learning_rate")
        if lr:
            self.lr.setValue(float(lr))
        return ""

    # ------------------------------------------------------------------ computing
    def compute(self) -> bool:
        if self.refresh_choices():
            return False
        network, prepared, _ = self.model.get()
        if len(self._refs) < 2 or self.weight_a.currentIndex() == self.weight_b.currentIndex():
            self.note.setText("Choose two different weights.")
            return False
        a, b = self._refs[self.weight_a.currentIndex()], self._refs[self.weight_b.currentIndex()]
        training = self.model.training
        loss_name = training.get("loss", "categorical_crossentropy")
        loss = get_loss(loss_name, **(training.get("loss_params") or {}))
        from designer.training.metrics import reshape_inputs

        y = prepared.y_train
        pre = prepared.preprocessor
        if prepared.task != "classification" and pre is not None and pre.target_mean is not None:
            y = (np.asarray(y, np.float32).reshape(len(y), -1) - pre.target_mean) / pre.target_scale
        y_enc = encode_targets(loss_name, y, int(np.prod(network.output_shape)))
        x, y_enc = descent.sample_rows(reshape_inputs(prepared.x_train, network.input_shape), y_enc)
        was, wbs, z = descent.loss_surface(network, x, y_enc, loss, a, b, self.span.value(), 31)
        here = descent.get_pair(network, a, b)
        start = here if self.start_from.currentData() == "here" else here + 0.8 * self.span.value() * np.array([-1, 1])
        paths = descent.compare_optimizers(network, x, y_enc, loss, a, b, self.lr.value(), self.steps.value(),
                                           start=start)
        self.result = {"a": a, "b": b, "was": was, "wbs": wbs, "z": z, "paths": paths, "here": here,
                       "start": start, "labels": (self.weight_a.currentText(),
                                                                            self.weight_b.currentText())}
        self.mark()
        self.flush_now()
        return True

    # ------------------------------------------------------------------ drawing
    def redraw(self) -> None:
        r = self.result
        if r is None:
            return
        was, wbs, z = r["was"], r["wbs"], r["z"]
        finite = np.isfinite(z)
        zz = np.where(finite, z, np.nanmax(z[finite]) if finite.any() else 0.0)
        shown = np.log10(zz - zz.min() + 1e-3)  # log scale: the valley's shape, not only its walls
        self.image.setImage(shown.T, autoLevels=True)
        self.image.setColorMap(pg.colormap.get("viridis"))
        dx, dy = was[1] - was[0], wbs[1] - wbs[0]
        self.image.setRect(QRectF(was[0] - dx / 2, wbs[0] - dy / 2, dx * len(was), dy * len(wbs)))
        for iso in self.isos:
            self.plot.removeItem(iso)
        self.isos = []
        colour = theme.background(self.palette())
        colour.setAlpha(150)
        for level in np.linspace(shown.min(), shown.max(), CONTOURS + 2)[1:-1]:
            iso = pg.IsocurveItem(data=shown.T, level=float(level), pen=pg.mkPen(colour, width=1))
            iso.setParentItem(self.image)
            self.isos.append(iso)
        lines = [f"Loss over {r['labels'][0]} (x) and {r['labels'][1]} (y), every other weight held; "
                 f"the star is where the weights are now, the paths start at the first dot."]
        for i, (name, (path, losses)) in enumerate(r["paths"].items()):
            item = self.paths[name]
            item.setData(path[:, 0], path[:, 1])
            item.setPen(pen(self, i + 1, 2.0))
            item.setSymbolBrush(theme.series_color(self.palette(), i + 1))
            item.setSymbolPen(pg.mkPen(None))
            lines.append(f"{name}: loss {losses[0]:.4g} → {losses[-1]:.4g} in {len(path) - 1} steps")
        self.start.setData([r["here"][0]], [r["here"][1]], brush=pg.mkBrush("w"), pen=pg.mkPen("k"))
        self.plot.getPlotItem().setLabel("bottom", r["labels"][0])
        self.plot.getPlotItem().setLabel("left", r["labels"][1])
        self.plot.setXRange(was[0], was[-1], padding=0)
        self.plot.setYRange(wbs[0], wbs[-1], padding=0)
        self.note.setText("<br>".join(lines))
