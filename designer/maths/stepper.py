"""Backpropagation one batch at a time, every number kept for display: the stepper behind the Neurons view.

The network is the engine's own `Network` (a chain of Dense layers); this module does the chain rule
explicitly, layer by layer, with each layer's own activation object and the engine's loss, so it can show
what the engine's fused, in-place step hides: z and a per neuron, ∂L/∂a per neuron, ∂L/∂w per edge and the
update Δw = −lr·g. Tests check these gradients against the engine's `Network.backward` for the same batch and
against finite differences.

Weights are addressed as (layer id, row, column) in the layer's combined matrix: rows 0 … n_in − 1 are the
kernel, row n_in the bias — the bias is an input whose value is always 1, which is how the view draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from designer.engine.losses import Loss
from designer.errors import TrainingError

MAX_HIDDEN_LAYERS = 3
MAX_UNITS = 16  # a new Dense layer's default: the view draws every one of them
PHASES = ("forward", "backward", "update")


def dense_chain(network) -> tuple[list[str], str]:
    """The Dense layer ids from input to output, or ([], why not) when the network is not a chain of at most
    MAX_HIDDEN_LAYERS hidden Dense layers of at most MAX_UNITS units."""
    ids: list[str] = []
    previous = network.input_id
    for nid in network.order:
        if nid == network.input_id:
            continue
        layer = network.layers[nid]
        if layer.type_name != "Dense":
            return [], f"{nid} is a {layer.type_name} layer: the stepper steps through plain chains of Dense layers"
        if network.sources[nid] != [previous]:
            return [], f"{nid} branches: the stepper steps through plain chains of Dense layers"
        if layer.units > MAX_UNITS:
            return [], f"{nid} has {layer.units} units: the stepper shows at most {MAX_UNITS} per layer"
        ids.append(nid)
        previous = nid
    if not ids:
        return [], "add a Dense layer after the Input to step through backpropagation"
    if len(ids) - 1 > MAX_HIDDEN_LAYERS:
        return [], f"{len(ids) - 1} hidden layers: the stepper shows at most {MAX_HIDDEN_LAYERS}"
    if network.input_shape[0] > MAX_UNITS or len(network.input_shape) != 1:
        return [], f"the input has {list(network.input_shape)} values: the stepper shows at most {MAX_UNITS}"
    return ids, ""


@dataclass
class LayerTrace:
    """One Dense layer's numbers for the current batch (arrays over the batch's rows)."""

    layer_id: str
    a_in: np.ndarray  # (n, n_in) the layer's input
    z: np.ndarray  # (n, units) pre-activation
    a: np.ndarray  # (n, units) output
    grad_a: np.ndarray | None = None  # ∂L/∂a (n, units)
    grad_z: np.ndarray | None = None  # ∂L/∂z
    grad_w: np.ndarray | None = None  # ∂L/∂W over the combined matrix (n_in [+1], units); bias last row
    delta_w: np.ndarray | None = None  # the update −lr·g, once applied


@dataclass
class StepRecord:
    batch: int
    loss_before: float
    loss_after: float | None = None
    traces: list[LayerTrace] = field(default_factory=list)
    grad_out: np.ndarray | None = None  # ∂L/∂(network output) for this batch, from the engine's loss


class Stepper:
    def __init__(self, network, x: np.ndarray, y_enc: np.ndarray, loss: Loss, learning_rate: float = 0.1,
                 batch_size: int = 16):
        ids, reason = dense_chain(network)
        if not ids:
            raise TrainingError(reason)
        if len(x) == 0:
            raise TrainingError("the training split has no rows to step through")
        self.net, self.ids, self.loss = network, ids, loss
        self.x = np.asarray(x, dtype=network.dtype).reshape(len(x), -1)
        self.y = np.asarray(y_enc, dtype=network.dtype).reshape(len(x), -1)
        self.learning_rate = float(learning_rate)
        self.batch_size = max(1, min(int(batch_size), len(self.x)))
        self.batch = 0  # index of the batch the next forward pass takes
        self.phase: str | None = None  # the last phase played: None, "forward", "backward", "update"
        self.record: StepRecord | None = None
        self.history: list[float] = []  # loss of every batch stepped (before its update)

    # ------------------------------------------------------------------ weights
    def layers(self):
        return [self.net.layers[i] for i in self.ids]

    def matrix(self, layer_id: str) -> np.ndarray:
        """Kernel with the bias as its last row (a copy)."""
        layer = self.net.layers[layer_id]
        w = layer.params["kernel"]
        b = layer.params.get("bias")
        return np.vstack([w, b[None, :]]) if b is not None else w.copy()

    def has_bias(self, layer_id: str) -> bool:
        return self.net.layers[layer_id].params.get("bias") is not None

    def weight(self, layer_id: str, row: int, col: int) -> float:
        return float(self._cell(layer_id, row)[col])

    def set_weight(self, layer_id: str, row: int, col: int, value: float) -> None:
        """Edit one weight (row n_in: the bias) in the engine's own arrays; the next numbers use it."""
        if not np.isfinite(value):
            raise TrainingError(f"a weight must be a finite number, got {value!r}")
        self._cell(layer_id, row)[col] = value
        self.record = None
        self.phase = None

    def _cell(self, layer_id: str, row: int) -> np.ndarray:
        layer = self.net.layers[layer_id]
        n_in = layer.params["kernel"].shape[0]
        if row == n_in and "bias" in layer.params:
            return layer.params["bias"]
        return layer.params["kernel"][row]

    # ------------------------------------------------------------------ the three phases
    def batch_rows(self, index: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        n_batches = -(-len(self.x) // self.batch_size)
        i = (self.batch if index is None else index) % n_batches
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def forward(self) -> StepRecord:
        """z = a_in·W + b and a = f(z) for every layer, then the batch's loss."""
        x, y = self.batch_rows()
        traces, a = [], x
        for layer in self.layers():
            z = a @ layer.params["kernel"]
            if layer.params.get("bias") is not None:
                z = z + layer.params["bias"]
            out = layer.activation.forward(z.copy(), np.empty_like(z)).copy()
            traces.append(LayerTrace(layer.id, a, z, out))
            a = out
        value = float(self.loss.forward(a, y))
        # taken now: the loss object only remembers its last forward (the view asks for other losses in between)
        grad_out = np.array(self.loss.backward(), copy=True)
        self.record = StepRecord(self.batch, value, traces=traces, grad_out=grad_out)
        self.phase = "forward"
        return self.record

    def backward(self) -> StepRecord:
        """∂L/∂a from the loss, then for each layer back to front: ∂L/∂z = f′(z)·∂L/∂a, ∂L/∂W = a_inᵀ·∂L/∂z,
        ∂L/∂b = Σ ∂L/∂z over the batch, and the previous layer's ∂L/∂a = ∂L/∂z·Wᵀ."""
        rec = self.record if self.phase == "forward" else self.forward()
        g = rec.grad_out
        for trace, layer in zip(reversed(rec.traces), reversed(self.layers())):
            trace.grad_a = g
            gz = layer.activation.backward(trace.z.copy(), trace.a.copy(), g.copy()).copy()
            trace.grad_z = gz
            gw = trace.a_in.T @ gz
            if layer.params.get("bias") is not None:
                gw = np.vstack([gw, gz.sum(axis=0)[None, :]])
            trace.grad_w = gw
            g = gz @ layer.params["kernel"].T
        self.phase = "backward"
        return rec

    def update(self) -> StepRecord:
        """Δw = −lr·∂L/∂w on every weight and bias (plain gradient descent, whatever the project's optimizer:
        the update rule a learner can check by hand), then the same batch's loss again."""
        rec = self.record if self.phase == "backward" else self.backward()
        for trace, layer in zip(rec.traces, self.layers()):
            trace.delta_w = -self.learning_rate * trace.grad_w
            n_in = layer.params["kernel"].shape[0]
            layer.params["kernel"] += trace.delta_w[:n_in].astype(layer.params["kernel"].dtype)
            if layer.params.get("bias") is not None:
                layer.params["bias"] += trace.delta_w[n_in].astype(layer.params["bias"].dtype)
        x, y = self.batch_rows(rec.batch)
        rec.loss_after = self.batch_loss(x, y)
        self.history.append(rec.loss_before)
        self.batch += 1
        self.phase = "update"
        return rec

    def next_phase(self) -> str:
        """Play the phase after the last one (forward → backward → update → forward on the next batch)."""
        if self.phase == "forward":
            self.backward()
        elif self.phase == "backward":
            self.update()
        else:
            self.forward()
        return self.phase

    def step_batch(self) -> StepRecord:
        """All three phases on the next batch."""
        self.forward()
        self.backward()
        return self.update()

    # ------------------------------------------------------------------ what the view shows around it
    def gradients(self) -> dict[str, np.ndarray]:
        """"<layer>/kernel" and "<layer>/bias" → ∂L/∂w of the last backward pass (engine's naming)."""
        out: dict[str, np.ndarray] = {}
        if self.record is None or self.record.traces[0].grad_w is None:
            return out
        for trace in self.record.traces:
            n_in = trace.a_in.shape[1]
            out[f"{trace.layer_id}/kernel"] = trace.grad_w[:n_in]
            if trace.grad_w.shape[0] > n_in:
                out[f"{trace.layer_id}/bias"] = trace.grad_w[n_in]
        return out

    def batch_loss(self, x: np.ndarray | None = None, y: np.ndarray | None = None) -> float:
        """The loss of a batch (default: the current one) with the current weights (inference mode)."""
        if x is None:
            x, y = self.batch_rows()
        a = x
        for layer in self.layers():
            z = a @ layer.params["kernel"]
            if layer.params.get("bias") is not None:
                z = z + layer.params["bias"]
            a = layer.activation.forward(z, np.empty_like(z)).copy()
        return float(self.loss.forward(a, y))

    def full_loss(self) -> float:
        """The loss over all the stepper's rows: what a hand-edited weight does to the whole data set."""
        return self.batch_loss(self.x, self.y)
