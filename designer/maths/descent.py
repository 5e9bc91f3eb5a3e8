"""The loss as a landscape over two chosen weights, and the paths optimizers take across it.

Every other weight stays where it is, so the surface is an exact slice of the real loss: each grid value is
the engine's loss of the whole network on the data with those two weights set (`Network.loss_value`), and
each path step uses the engine's gradient for those two weights and the engine's optimizer (SGD, momentum,
Adam) — the optimizer moves only the two coordinates the picture has.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from designer.engine.optimizers import make_optimizer
from designer.errors import TrainingError

MAX_ROWS = 512  # the surface is resolution² evaluations of the loss: a fixed sample keeps it interactive

OPTIMIZER_CHOICES = {
    "SGD": {"type": "sgd", "momentum": 0.0},
    "Momentum": {"type": "sgd", "momentum": 0.9},
    "Adam": {"type": "adam"},
}


@dataclass(frozen=True)
class WeightRef:
    """One scalar weight: an array of `Network.parameters()` by key, and a flat index into it."""

    key: str
    index: int

    def label(self, network) -> str:
        arr = _array(network, self.key)
        pos = np.unravel_index(self.index, arr.shape)
        return f"{self.key}[{', '.join(str(int(p)) for p in pos)}]"


def _array(network, key: str) -> np.ndarray:
    for k, arr in network.parameters():
        if k == key:
            return arr
    raise TrainingError(f"the network has no weights called {key}")


def weight_refs(network, limit: int = 400) -> list[WeightRef]:
    """Every trainable scalar (at most `limit`), kernels before biases in network order."""
    refs: list[WeightRef] = []
    for key, arr in network.parameters():
        for i in range(arr.size):
            if len(refs) >= limit:
                return refs
            refs.append(WeightRef(key, i))
    return refs


def sample_rows(x: np.ndarray, y: np.ndarray, rows: int = MAX_ROWS, seed: int = 0):
    """At most `rows` rows, the same ones every time (a fixed seed), in their original order."""
    if len(x) <= rows:
        return x, y
    pick = np.sort(np.random.default_rng(seed).choice(len(x), size=rows, replace=False))
    return x[pick], y[pick]


def get_pair(network, a: WeightRef, b: WeightRef) -> np.ndarray:
    return np.array([_array(network, a.key).flat[a.index], _array(network, b.key).flat[b.index]], dtype=np.float64)


def set_pair(network, a: WeightRef, b: WeightRef, values) -> None:
    _array(network, a.key).flat[a.index] = values[0]
    _array(network, b.key).flat[b.index] = values[1]


def loss_surface(network, x, y_enc, loss, a: WeightRef, b: WeightRef, span: float = 2.0, resolution: int = 31,
                 centre=None):
    """(wa values, wb values, loss[ib, ia]) on a square of ±span around `centre` (default: the current weights).
    The network's weights are the same afterwards."""
    start = get_pair(network, a, b)
    c = start if centre is None else np.asarray(centre, dtype=np.float64)
    was = np.linspace(c[0] - span, c[0] + span, resolution)
    wbs = np.linspace(c[1] - span, c[1] + span, resolution)
    z = np.empty((resolution, resolution))
    try:
        for j, wb in enumerate(wbs):
            for i, wa in enumerate(was):
                set_pair(network, a, b, (wa, wb))
                z[j, i] = network.loss_value(x, y_enc, loss)
    finally:
        set_pair(network, a, b, start)
    return was, wbs, z


def pair_gradient(network, x, y_enc, loss, a: WeightRef, b: WeightRef) -> np.ndarray:
    """∂L/∂(wa, wb) from the engine's backward pass over the whole sample (inference-mode forward)."""
    pred = network.forward(x, training=False)
    loss.forward(pred, y_enc)
    network.backward(loss.backward())
    grads = dict(network.gradients())
    return np.array([grads[a.key].flat[a.index], grads[b.key].flat[b.index]], dtype=np.float64)


def descent_path(network, x, y_enc, loss, a: WeightRef, b: WeightRef, optimizer: dict, steps: int = 60,
                 start=None):
    """(path (steps+1, 2), losses (steps+1,)) of the engine's optimizer moving only wa and wb from `start`
    (default: the current weights), full-batch. The network's weights are the same afterwards."""
    if steps < 1:
        raise TrainingError("an optimizer path needs at least one step")
    original = get_pair(network, a, b)
    point = (original if start is None else np.asarray(start, dtype=np.float64)).astype(network.dtype)
    opt = make_optimizer(optimizer)
    path, losses = [point.astype(np.float64)], []
    try:
        for _ in range(steps):
            set_pair(network, a, b, point)
            losses.append(network.loss_value(x, y_enc, loss))
            g = pair_gradient(network, x, y_enc, loss, a, b).astype(network.dtype)
            opt.step([point], [g])
            if not np.all(np.isfinite(point)):
                break
            path.append(point.astype(np.float64))
        set_pair(network, a, b, point)
        losses.append(network.loss_value(x, y_enc, loss) if np.all(np.isfinite(point)) else float("nan"))
    finally:
        set_pair(network, a, b, original)
    return np.array(path), np.array(losses[:len(path)])


def compare_optimizers(network, x, y_enc, loss, a: WeightRef, b: WeightRef, learning_rate: float,
                       steps: int = 60, start=None, choices: dict | None = None) -> dict[str, tuple]:
    """Name → (path, losses) for SGD, momentum and Adam from the same start with the same learning rate."""
    out = {}
    for name, cfg in (choices or OPTIMIZER_CHOICES).items():
        out[name] = descent_path(network, x, y_enc, loss, a, b, {**cfg, "learning_rate": learning_rate}, steps,
                                 start)
    return out
