"""Small real networks and hand-made prepared data for the training tests."""

from __future__ import annotations

import numpy as np

from designer.data.prepared import PreparedData
from designer.engine.network import Network
from designer.graph import Graph


def mlp_graph(units=(8,), out_units=2, out_activation="softmax", hidden="tanh", input_shape=None) -> Graph:
    g = Graph()
    g.add_node("Input", {"shape": list(input_shape)} if input_shape else {}, node_id="input_1")
    prev = "input_1"
    for i, u in enumerate(units, start=1):
        g.add_node("Dense", {"units": u, "activation": hidden}, node_id=f"dense_{i}")
        g.connect(prev, f"dense_{i}")
        prev = f"dense_{i}"
    last = f"dense_{len(units) + 1}"
    g.add_node("Dense", {"units": out_units, "activation": out_activation}, node_id=last)
    g.connect(prev, last)
    return g


def mlp(n_features=2, units=(8,), out_units=2, out_activation="softmax", seed=0, **kw) -> Network:
    return Network.from_graph(mlp_graph(units, out_units, out_activation, **kw), input_shape=(n_features,), seed=seed)


def blobs(n=120, n_val=40, seed=0) -> PreparedData:
    """Two Gaussian blobs, classes 0/1, separable with a little overlap."""
    rng = np.random.default_rng(seed)

    def draw(m):
        y = rng.integers(0, 2, m)
        x = rng.normal(0, 0.7, (m, 2)) + np.where(y[:, None] == 1, 1.0, -1.0)
        return x.astype(np.float32), y.astype(np.int64)

    x, y = draw(n)
    xv, yv = draw(n_val)
    return PreparedData(x, y, xv, yv, xv[:0], yv[:0], "classification", ["a", "b"], ["x0", "x1"], "label", (2,))


def xor_data(n=200, seed=0) -> PreparedData:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 2)).astype(np.float32)
    y = ((x[:, 0] > 0) != (x[:, 1] > 0)).astype(np.int64)
    k = n * 3 // 4
    return PreparedData(x[:k], y[:k], x[k:], y[k:], x[:0], y[:0], "classification", ["0", "1"], ["a", "b"], "y", (2,))


def plane(n=100, seed=0, scale=1.0) -> PreparedData:
    """Regression y = 2·x0 − x1 + 0.5 (times scale)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, 2)).astype(np.float32)
    y = (scale * (2 * x[:, :1] - x[:, 1:] + 0.5)).astype(np.float32)
    k = n * 4 // 5
    return PreparedData(x[:k], y[:k], x[k:], y[k:], x[:0], y[:0], "regression", [], ["a", "b"], "y", (2,))


def cfg(**over) -> dict:
    base = {
        "loss": "categorical_crossentropy",
        "optimizer": {"type": "adam", "learning_rate": 0.05},
        "epochs": 5,
        "batch_size": 16,
        "shuffle": True,
        "seed": 0,
        "regularization": {"l1": 0.0, "l2": 0.0},
        "early_stopping": None,
    }
    base.update(over)
    return base


class Recorder:
    """on_event callback that keeps every event; `hooks` run on the training thread per event type."""

    def __init__(self, **hooks):
        self.events = []
        self.hooks = hooks

    def __call__(self, event):
        self.events.append(event)
        hook = self.hooks.get(type(event).__name__)
        if hook:
            hook(event)

    def of(self, name):
        return [e for e in self.events if type(e).__name__ == name]
