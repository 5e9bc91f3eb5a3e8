"""The backprop stepper in the Neurons tab: a small Dense network stepped one batch at a time.

*Step batch* plays the forward pass (each neuron shows its batch-mean output a), the backward pass (edges
coloured by ∂L/∂w, neurons by ∂L/∂a) and the update Δw = −lr·g, one phase after another; *Next phase* plays one
phase. Each layer's bias is drawn as its own input, a node "1" under the layer before it. Hovering an edge
shows its weight, gradient and update; double-clicking it edits the weight by hand, and the loss and the
decision boundary follow. The numbers are `designer.maths.stepper`'s (checked against the engine's).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from designer.engine.losses import encode_targets, get_loss
from designer.errors import DesignerError
from designer.maths.stepper import Stepper
from designer.ui.canvas import style
from designer.ui.numbers import DoubleSpinBox
from designer.ui.plots import theme

Role = QPalette.ColorRole
PHASE_MS = 450  # how long each phase stays on screen when Step batch plays all three
POSITIVE, NEGATIVE = QColor(style.POSITIVE_WEIGHT), QColor(style.NEGATIVE_WEIGHT)
PHASE_TEXT = {None: "Ready: Step batch plays forward → backward → update",
              "forward": "Forward pass: a = f(x·W + b), layer by layer (values: batch means of a)",
              "backward": "Backward pass: edges coloured by ∂L/∂w, neurons by ∂L/∂a",
              "update": "Update: every weight moved by Δw = −lr·∂L/∂w"}


def _signed(colour_pos: QColor, colour_neg: QColor, value: float, scale: float) -> tuple[QColor, float]:
    strength = min(1.0, abs(value) / scale) if scale > 0 else 0.0
    c = QColor(colour_pos if value >= 0 else colour_neg)
    c.setAlphaF(0.15 + 0.85 * strength)
    return c, strength


class StepperCanvas(QWidget):
    """Draws the stepper's network; hover and double-click address one edge (layer, row, column)."""

    weight_edited = Signal(str, int, int, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stepper: Stepper | None = None
        self.setMouseTracking(True)
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # ------------------------------------------------------------------ geometry
    def columns(self) -> list[tuple[str, list[QPointF], QPointF | None]]:
        """Per column (input, then each Dense layer): its label, unit centres and its bias node (a constant 1
        feeding the next layer; None for the output)."""
        st = self.stepper
        if st is None:
            return []
        sizes = [("input", st.x.shape[1])] + [(lid, st.net.layers[lid].units) for lid in st.ids]
        w, h = self.width(), self.height()
        margin_x, top, bottom = 60.0, 40.0, 20.0
        step_x = (w - 2 * margin_x) / max(len(sizes) - 1, 1)
        biggest = max(n + 1 for _, n in sizes)
        gap = (h - top - bottom) / biggest
        out = []
        for i, (label, n) in enumerate(sizes):
            x = margin_x + i * step_x
            has_next_bias = i < len(st.ids) and st.has_bias(st.ids[i])
            count = n + (1 if has_next_bias else 0)
            y0 = top + (h - top - bottom - gap * count) / 2
            points = [QPointF(x, y0 + gap * (j + 0.5)) for j in range(n)]
            bias = QPointF(x, y0 + gap * (n + 0.5)) if has_next_bias else None
            out.append((label, points, bias))
        return out

    def radius(self) -> float:
        cols = self.columns()
        biggest = max((len(p) + 1 for _, p, _ in cols), default=1)
        return max(4.0, min(13.0, (self.height() - 60) / (2.8 * biggest)))

    def edges(self):
        """(layer id, row, col, start, end) for every weight; row n_in is the bias."""
        cols = self.columns()
        out = []
        for li, lid in enumerate(self.stepper.ids if self.stepper else []):
            _, src, bias = cols[li]
            _, dst, _ = cols[li + 1]
            sources = src + ([bias] if bias is not None else [])
            for r, a in enumerate(sources):
                for c, b in enumerate(dst):
                    out.append((lid, r, c, a, b))
        return out

    def edge_at(self, pos: QPointF, tolerance: float = 5.0):
        best, best_d = None, tolerance
        for e in self.edges():
            a, b = e[3], e[4]
            d = _distance_to_segment(pos, a, b)
            if d < best_d:
                best, best_d = e, d
        return best

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        pal = self.palette()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), pal.color(Role.Base))
        text = pal.color(Role.Text)
        st = self.stepper
        if st is None:
            p.end()
            return
        cols = self.columns()
        rec = st.record
        phase = st.phase
        traces = {t.layer_id: t for t in rec.traces} if rec is not None else {}
        # edges: weights (forward / idle), gradients (backward), updates (update)
        mats = {lid: st.matrix(lid) for lid in st.ids}
        if phase == "backward":
            values = {lid: traces[lid].grad_w for lid in st.ids}
        elif phase == "update":
            values = {lid: traces[lid].delta_w for lid in st.ids}
        else:
            values = mats
        scale = max((float(np.abs(v).max()) for v in values.values() if v is not None and v.size), default=0.0)
        for lid, r, c, a, b in self.edges():
            v = float(values[lid][r, c])
            colour, strength = _signed(POSITIVE, NEGATIVE, v, scale)
            p.setPen(QPen(colour, 0.6 + 4.0 * strength))
            p.drawLine(a, b)
        # neurons: a (forward), ∂L/∂a (backward/update)
        radius = self.radius()
        neuron_values: dict[int, np.ndarray] = {}
        if rec is not None:
            for i, lid in enumerate(st.ids, start=1):
                t = traces[lid]
                if phase in ("backward", "update") and t.grad_a is not None:
                    neuron_values[i] = t.grad_a.mean(axis=0)
                else:
                    neuron_values[i] = t.a.mean(axis=0)
            neuron_values[0] = rec.traces[0].a_in.mean(axis=0)
        base = pal.color(Role.Base)
        small = p.font()
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.75))
        for ci, (label, points, bias) in enumerate(cols):
            vals = neuron_values.get(ci)
            # each layer on its own scale: ∂L/∂a shrinks layer by layer and the inputs are another quantity
            nscale = float(np.abs(vals).max()) if vals is not None and vals.size else 0.0
            for j, pt in enumerate(points):
                fill = style.mix(base, text, 0.08)
                if vals is not None:  # opaque, so the edges behind do not show through
                    v = float(vals[j])
                    strength = min(1.0, abs(v) / nscale) if nscale > 0 else 0.0
                    fill = style.mix(base, POSITIVE if v >= 0 else NEGATIVE, 0.1 + 0.9 * strength)
                p.setPen(QPen(text, 1.1))
                p.setBrush(fill)
                p.drawEllipse(pt, radius, radius)
                if vals is not None and radius >= 7:
                    p.setFont(small)
                    p.drawText(QRectF(pt.x() + radius + 1, pt.y() - 16, 60, 14),
                               Qt.AlignmentFlag.AlignLeft, f"{vals[j]:.2g}")
            if bias is not None:
                p.setPen(QPen(text, 1.0, Qt.PenStyle.DashLine))
                p.setBrush(style.mix(base, text, 0.2))
                p.drawRect(QRectF(bias.x() - radius, bias.y() - radius, 2 * radius, 2 * radius))
                p.setFont(small)
                p.drawText(QRectF(bias.x() - radius, bias.y() - radius, 2 * radius, 2 * radius),
                           Qt.AlignmentFlag.AlignCenter, "1")
            p.setFont(self.font())
            p.setPen(text)
            p.drawText(QRectF(points[0].x() - 70, 6, 140, 18), Qt.AlignmentFlag.AlignCenter,
                       f"{label} ({len(points)})")
        p.end()

    # ------------------------------------------------------------------ hover and edit
    def describe(self, edge) -> str:
        lid, r, c, _, _ = edge
        st = self.stepper
        n_in = st.net.layers[lid].params["kernel"].shape[0]
        what = f"bias of unit {c + 1}" if r == n_in else f"weight from input {r + 1} to unit {c + 1}"
        lines = [f"{lid}: {what}", f"w = {st.weight(lid, r, c):.5g}"]
        rec = st.record
        trace = next((t for t in rec.traces if t.layer_id == lid), None) if rec is not None else None
        if trace is not None and trace.grad_w is not None:
            lines.append(f"∂L/∂w = {trace.grad_w[r, c]:.5g}")
        if trace is not None and trace.delta_w is not None:
            lines.append(f"Δw = −lr·∂L/∂w = {trace.delta_w[r, c]:.5g}")
        lines.append("double-click to set it by hand")
        return "\n".join(lines)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        edge = self.edge_at(event.position()) if self.stepper is not None else None
        if edge is not None:
            QToolTip.showText(event.globalPosition().toPoint(), self.describe(edge), self)
        else:
            QToolTip.hideText()
        super().mouseMoveEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        edge = self.edge_at(event.position()) if self.stepper is not None else None
        if edge is None:
            return
        lid, r, c, _, _ = edge
        value, ok = QInputDialog.getDouble(self, "Set a weight", self.describe(edge).rsplit("\n", 1)[0],
                                           self.stepper.weight(lid, r, c), -1e6, 1e6, 4)
        if ok:
            self.weight_edited.emit(lid, r, c, float(value))


def _distance_to_segment(p: QPointF, a: QPointF, b: QPointF) -> float:
    ax, ay, bx, by = a.x(), a.y(), b.x(), b.y()
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p.x() - ax) * dx + (p.y() - ay) * dy) / length2))
    return math.hypot(p.x() - (ax + t * dx), p.y() - (ay + t * dy))


class StepperPanel(QWidget):
    """The Neurons tab: the weights view, or the stepper once started; controls and the boundary beside."""

    def __init__(self, neurons_view: QWidget, model, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model  # designer.ui.maths.context.ProjectModel
        self.stepper: Stepper | None = None
        self.canvas = StepperCanvas()
        self.stack = QStackedWidget()
        self.stack.addWidget(neurons_view)
        self.stack.addWidget(self.canvas)
        self.start_btn = QPushButton("Step batch")
        self.start_btn.setToolTip("Play one batch: forward pass, backward pass, update (F10 steps the real run)")
        self.phase_btn = QPushButton("Next phase")
        self.phase_btn.setToolTip("Play one phase: forward, backward or update")
        self.reset_btn = QPushButton("Restart from the project")
        self.reset_btn.setToolTip("Take the project's weights again (the stepper works on its own copy)")
        self.close_btn = QPushButton("Back to the weights")
        self.lr = DoubleSpinBox()
        self.lr.setDecimals(4)
        self.lr.setRange(0.0001, 10.0)
        self.lr.setValue(0.1)
        self.lr.setKeyboardTracking(False)
        self.batch = QSpinBox()
        self.batch.setRange(1, 4096)
        self.batch.setValue(16)
        self.batch.setKeyboardTracking(False)
        self.status = QLabel(PHASE_TEXT[None])
        self.status.setWordWrap(True)
        self.status.setFixedHeight(3 * self.status.fontMetrics().lineSpacing() + 4)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.loss_label = QLabel()
        self.loss_label.setWordWrap(True)
        self.loss_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.loss_label.setFixedHeight(4 * self.loss_label.fontMetrics().lineSpacing() + 4)  # its 4 lines
        self.boundary = pg.PlotWidget()
        self.boundary.setMenuEnabled(False)
        self.boundary.setMouseEnabled(x=False, y=False)
        self.boundary.hideButtons()
        self.boundary.setFixedSize(200, 190)
        self.boundary_image = pg.ImageItem()
        self.boundary.addItem(self.boundary_image)
        self.boundary_points = pg.ScatterPlotItem(size=4, pen=pg.mkPen(None))
        self.boundary.addItem(self.boundary_points)
        self.boundary.hide()

        bar = QHBoxLayout()  # short rows: the tab must not set the window's minimum width
        for w in (self.start_btn, self.phase_btn, QLabel("lr"), self.lr, QLabel("batch"), self.batch):
            bar.addWidget(w)
        bar.addStretch(1)
        # a fixed-width side column and a status line of a fixed three lines: the numbers and phase texts
        # change on every phase, and the canvas (where the mouse is) must not move when they do
        side_column = QWidget()
        side_column.setFixedWidth(self.boundary.width() + 8)
        side = QVBoxLayout(side_column)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.reset_btn)
        side.addWidget(self.close_btn)
        side.addWidget(self.loss_label)
        side.addWidget(self.boundary)
        side.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.stack, 1)
        body.addWidget(side_column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addLayout(body, 1)
        self._queue: list[str] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PHASE_MS)
        self._timer.timeout.connect(self._play_next)
        self.start_btn.clicked.connect(self.step_batch)
        self.phase_btn.clicked.connect(self.next_phase)
        self.reset_btn.clicked.connect(self.restart)
        self.close_btn.clicked.connect(self.close_stepper)
        self.lr.valueChanged.connect(self._settings_changed)
        self.batch.valueChanged.connect(self._settings_changed)
        self.canvas.weight_edited.connect(self.edit_weight)
        self.close_btn.setEnabled(False)
        self.reset_btn.setEnabled(False)

    # ------------------------------------------------------------------ starting
    def ensure_stepper(self) -> bool:
        if self.stepper is not None:
            return True
        try:
            self.stepper = self._build()
        except DesignerError as err:
            self.status.setText(f"The stepper cannot start: {err}")
            return False
        self.canvas.stepper = self.stepper
        self.stack.setCurrentWidget(self.canvas)
        self.close_btn.setEnabled(True)
        self.reset_btn.setEnabled(True)
        self._show_numbers()
        return True

    def _build(self) -> Stepper:
        # its own network (the stepper edits weights): the model's cache stays the project's
        from designer.training.run import build_and_prepare

        network, prepared = build_and_prepare(self.model.session.project, self.model.session.base_dir)
        training = self.model.training
        loss_name = training.get("loss", "categorical_crossentropy")
        loss = get_loss(loss_name, **(training.get("loss_params") or {}))
        n_out = int(np.prod(network.output_shape))
        y = prepared.y_train
        if prepared.task != "classification" and prepared.preprocessor is not None \
                and prepared.preprocessor.target_mean is not None:
            pre = prepared.preprocessor
            y = (np.asarray(y, np.float32).reshape(len(y), -1) - pre.target_mean) / pre.target_scale
        y_enc = encode_targets(loss_name, y, n_out)
        lr = (training.get("optimizer") or {}).get("learning_rate")
        if lr and not self.lr.hasFocus():
            self.lr.blockSignals(True)
            self.lr.setValue(float(lr))
            self.lr.blockSignals(False)
        self._prepared = prepared
        return Stepper(network, prepared.x_train, y_enc, loss, self.lr.value(), self.batch.value())

    def restart(self) -> None:
        self._timer.stop()
        self._queue.clear()
        self.stepper = None
        self.ensure_stepper()

    def close_stepper(self) -> None:
        self._timer.stop()
        self._queue.clear()
        self.stepper = None
        self.canvas.stepper = None
        self.stack.setCurrentIndex(0)
        self.boundary.hide()
        self.loss_label.clear()
        self.status.setText(PHASE_TEXT[None])
        self.close_btn.setEnabled(False)
        self.reset_btn.setEnabled(False)

    def project_changed(self) -> None:
        """A new project, graph or data: the stepper's copy no longer matches; go back to the weights view."""
        if self.stepper is not None:
            self.close_stepper()

    def _settings_changed(self, *_args) -> None:
        if self.stepper is not None:
            self.stepper.learning_rate = self.lr.value()
            self.stepper.batch_size = max(1, min(self.batch.value(), len(self.stepper.x)))

    # ------------------------------------------------------------------ playing
    def step_batch(self) -> None:
        """Forward, backward, update — each phase shown for PHASE_MS."""
        if not self.ensure_stepper() or self._queue:
            return
        st = self.stepper
        if st.phase == "forward":
            self._queue = ["backward", "update"]
        elif st.phase == "backward":
            self._queue = ["update"]
        else:
            self._queue = ["forward", "backward", "update"]
        self._play_next()

    def _play_next(self) -> None:
        if not self._queue or self.stepper is None:
            return
        self._run_phase(self._queue.pop(0))
        if self._queue:
            self._timer.start()

    def next_phase(self) -> None:
        if not self.ensure_stepper():
            return
        if self._queue:  # finish the batch being played first
            self._timer.stop()
            while self._queue:
                self._run_phase(self._queue.pop(0))
            return
        st = self.stepper
        self._run_phase({"forward": "backward", "backward": "update"}.get(st.phase, "forward"))

    def _run_phase(self, phase: str) -> None:
        st = self.stepper
        getattr(st, phase)()
        self._show_numbers()

    def is_playing(self) -> bool:
        return bool(self._queue)

    def edit_weight(self, layer_id: str, row: int, col: int, value: float) -> None:
        try:
            self.stepper.set_weight(layer_id, row, col, value)
        except DesignerError as err:
            self.status.setText(str(err))
            return
        self._show_numbers(edited=f"{layer_id}[{row}, {col}] set to {value:.4g} by hand")

    # ------------------------------------------------------------------ numbers around the picture
    def _show_numbers(self, edited: str = "") -> None:
        st = self.stepper
        rec = st.record
        self.status.setText(edited or PHASE_TEXT[st.phase])
        lines = [f"<b>batch {rec.batch + 1 if rec else st.batch + 1}</b> ({st.batch_size} rows)"]
        if rec is not None:
            lines.append(f"batch loss {rec.loss_before:.4g}")
            if rec.loss_after is not None:
                lines.append(f"after the update {rec.loss_after:.4g}")
        lines.append(f"loss on all {len(st.x)} rows: {st.full_loss():.4g}")
        self.loss_label.setText("<br>".join(lines))
        self.full_loss_shown = st.full_loss()
        self._draw_boundary()
        self.canvas.update()

    def _draw_boundary(self) -> None:
        st = self.stepper
        if st.x.shape[1] != 2:
            self.boundary.hide()
            return
        from designer.training.probes import boundary_grid

        xs, ys, values = boundary_grid(lambda g: st.net.predict(g), st.x, 40)
        pal = self.palette()
        self.boundary.setBackground(theme.background(pal))
        cmap = pg.ColorMap([0.0, 0.5, 1.0], [pg.mkColor("#E69F00"), theme.background(pal), pg.mkColor("#0072B2")])
        self.boundary_image.setColorMap(cmap)
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        self.boundary_image.setImage(values.T, levels=(min(lo, 0.0), max(hi, 1.0)))
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        self.boundary_image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        y = getattr(self._prepared, "y_train", None)
        if y is not None and len(y) == len(st.x):
            labels = np.asarray(y).reshape(-1)
            brushes = [pg.mkBrush("#0072B2" if v else "#E69F00") for v in (labels > 0)]
            self.boundary_points.setData(st.x[:, 0], st.x[:, 1], brush=brushes)
        self.boundary_values = values
        self.boundary.show()
