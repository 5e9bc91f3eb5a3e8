"""The "neurons" view of a small dense network: every unit a circle, every weight a line.

Line thickness follows |w| (relative to the largest weight), colour its sign. Only dense chains are drawn
(Input → Dense, with element-wise layers such as Activation or Dropout drawn through); anything bigger than
MAX_UNITS per layer, or with convolutions/merges, gets a sentence saying why instead of an unreadable hairball.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from designer.engine.registry import LAYER_TYPES
from designer.errors import DesignerError
from designer.graph.model import Graph
from designer.ui.canvas import style

MAX_UNITS = 32  # a new Dense layer has 16 units: the view must draw it
Role = QPalette.ColorRole


def kernel_of(weights: dict, node_id: str) -> np.ndarray | None:
    """The node's 2-D weight matrix: `<node>/kernel` by name, else its only 2-D array."""
    if f"{node_id}/kernel" in weights:
        return np.asarray(weights[f"{node_id}/kernel"])
    mats = [np.asarray(v) for k, v in weights.items() if k.startswith(node_id + "/") and np.ndim(v) == 2]
    return mats[0] if len(mats) == 1 else None


def _has_units_and_weights(type_name: str) -> bool:
    ltype = LAYER_TYPES.get(type_name)
    return ltype is not None and ltype.neurons and ltype.weights is not None


def dense_layers(graph: Graph, input_shape=None) -> tuple[list[tuple[str, int]], str]:
    """[(label, units)] from the input to the output, or ([], reason) when the net is not a small dense chain."""
    try:
        order = graph.topological_order()
    except DesignerError as err:
        return [], str(err)
    analysis = graph.analyze(input_shape)
    layers: list[tuple[str, int]] = []
    for nid in order:
        node = graph.nodes[nid]
        if len(graph.outputs_of(nid)) > 1 or len(graph.inputs_of(nid)) > 1:
            return [], f"{nid} branches: the neurons view draws plain chains of Dense layers"
        ltype = LAYER_TYPES.get(node.type)
        if ltype is not None and ltype.elementwise:
            continue
        if ltype is None or not ltype.neurons:  # the registry says which types are columns of units
            return [], f"{nid} is a {node.type} layer: the neurons view draws only Dense networks"
        shape = analysis.shapes.get(nid)
        if shape is None or len(shape) != 1:
            return [], f"{nid} has no flat output shape yet"
        if shape[0] > MAX_UNITS:
            return [], f"{nid} has {shape[0]} units: the neurons view draws at most {MAX_UNITS} per layer"
        layers.append((nid, shape[0]))
    if len(layers) < 2:
        return [], "add an Input and a Dense layer to see the neurons"
    return layers, ""


class NeuronsView(QWidget):
    def __init__(self, graph: Graph, weights: dict | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.graph = graph
        self.weights: dict = dict(weights or {})
        self.input_shape = None
        self.setMinimumSize(300, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_graph(self, graph: Graph) -> None:
        self.graph = graph
        self.update()

    def set_weights(self, weights: dict | None) -> None:
        self.weights = dict(weights or {})
        self.update()

    def set_input_shape(self, shape) -> None:
        self.input_shape = tuple(shape) if shape is not None else None
        self.update()

    def layout_neurons(self) -> tuple[list[tuple[str, list[QPointF]]], str]:
        """Centres of every neuron per layer (widget coordinates), or ([], reason)."""
        layers, reason = dense_layers(self.graph, self.input_shape)
        if not layers and self.input_shape is None:
            # No data chosen yet: trained weights still tell the input width.
            first = next((n for n in self.graph.nodes.values() if _has_units_and_weights(n.type)), None)
            kernel = kernel_of(self.weights, first.id) if first is not None else None
            if kernel is not None and kernel.ndim == 2:
                layers, reason = dense_layers(self.graph, (int(kernel.shape[0]),))
        if not layers:
            return [], reason
        w, h = self.width(), self.height()
        margin_x, top, bottom = 50.0, 34.0, 16.0
        step_x = (w - 2 * margin_x) / max(len(layers) - 1, 1)
        out = []
        for i, (nid, units) in enumerate(layers):
            gap = (h - top - bottom) / units
            x = margin_x + i * step_x
            out.append((nid, [QPointF(x, top + gap * (j + 0.5)) for j in range(units)]))
        return out, ""

    def paintEvent(self, event) -> None:
        pal = self.palette()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), pal.color(Role.Base))
        text = pal.color(Role.Text)
        layers, reason = self.layout_neurons()
        if not layers:
            p.setPen(text)
            p.drawText(
                QRectF(self.rect()).adjusted(20, 20, -20, -20),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                reason,
            )
            p.end()
            return
        kernels = [kernel_of(self.weights, nid) for nid, _ in layers]
        biggest = max((float(np.abs(k).max()) for k in kernels if k is not None and k.size), default=0.0)
        faint = style.mix(pal.color(Role.Base), text, 0.25)
        for li in range(1, len(layers)):
            src, dst = layers[li - 1][1], layers[li][1]
            k = kernels[li]
            fits = k is not None and k.shape == (len(src), len(dst))
            for a, pa in enumerate(src):
                for b, pb in enumerate(dst):
                    if fits and biggest > 0:
                        v = float(k[a, b])
                        colour = QColor(style.POSITIVE_WEIGHT if v >= 0 else style.NEGATIVE_WEIGHT)
                        strength = abs(v) / biggest
                        colour.setAlphaF(0.25 + 0.75 * strength)
                        p.setPen(QPen(colour, 0.5 + 4.0 * strength))
                    else:
                        p.setPen(QPen(faint, 0.8))
                    p.drawLine(pa, pb)
        radius = min(12.0, max(4.0, (self.height() - 60) / (2.6 * max(len(n) for _, n in layers))))
        for nid, points in layers:
            colour = style.category_colour(self.graph.nodes[nid].type)
            p.setPen(QPen(text, 1.2))
            p.setBrush(style.mix(pal.color(Role.Base), colour, 0.55))
            for pt in points:
                p.drawEllipse(pt, radius, radius)
            p.setPen(text)
            p.drawText(QRectF(points[0].x() - 60, 4, 120, 20), Qt.AlignmentFlag.AlignCenter, f"{nid} ({len(points)})")
        p.end()
