"""What the bias does, shown by taking it away: the same network trained with and without `use_bias` on a
2-D problem whose classes are split by a line that misses the origin.

Without a bias one sigmoid neuron computes σ(w·x), which is 0.5 exactly on the line w·x = 0 through the
origin; with tanh hidden units (all without bias) the network is odd and maps the origin to 0.5 too. So
the decision boundary passes through the origin however long it trains: the bias is the term that lets it
move away. Both networks are the engine's, trained by the engine's
`train_batch` with the same seed, data and settings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from designer.engine.losses import encode_targets, get_loss
from designer.engine.network import Network
from designer.engine.optimizers import make_optimizer
from designer.graph.model import Graph


@dataclass
class BiasRun:
    use_bias: bool
    loss: float
    accuracy: float
    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray  # P(class 1) on the grid [iy, ix]
    network: Network


def shifted_blobs(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs on the diagonal, far from the origin: the separating line is x₁ + x₂ = 4."""
    rng = np.random.default_rng(seed)
    half = n // 2
    a = rng.normal((1.2, 1.2), 0.45, (half, 2))
    b = rng.normal((2.8, 2.8), 0.45, (n - half, 2))
    x = np.vstack([a, b]).astype(np.float32)
    y = np.concatenate([np.zeros(half, np.int64), np.ones(n - half, np.int64)])
    return x, y


def bias_graph(use_bias: bool, hidden: int = 0) -> Graph:
    """One sigmoid neuron (logistic regression: its boundary w·x + b = 0 is a straight line), or with `hidden`
    tanh units before it (an odd function without biases: the boundary still passes through the origin)."""
    g = Graph()
    g.add_node("Input", {"shape": [2]}, node_id="input")
    previous = "input"
    if hidden:
        g.add_node("Dense", {"units": hidden, "activation": "tanh", "use_bias": use_bias}, node_id="hidden")
        g.connect(previous, "hidden")
        previous = "hidden"
    g.add_node("Dense", {"units": 1, "activation": "sigmoid", "use_bias": use_bias}, node_id="output")
    g.connect(previous, "output")
    return g


def train(use_bias: bool, x: np.ndarray, y: np.ndarray, epochs: int = 400, learning_rate: float = 0.1,
          seed: int = 0, resolution: int = 60, hidden: int = 0) -> BiasRun:
    net = Network.from_graph(bias_graph(use_bias, hidden), seed=seed)
    loss = get_loss("binary_crossentropy")
    y_enc = encode_targets("binary_crossentropy", y, 1)
    opt = make_optimizer({"type": "adam", "learning_rate": learning_rate})
    for _ in range(epochs):
        net.train_batch(x, y_enc, loss, opt)
    p = net.predict(x)[:, 0]
    # a window that holds both the data and the origin, so the line through (0, 0) is in view
    lo = np.minimum(x.min(axis=0), 0.0) - 0.5
    hi = x.max(axis=0) + 0.5
    xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    values = net.predict(np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32))[:, 0].reshape(gx.shape)
    return BiasRun(use_bias, net.loss_value(x, y_enc, loss), float(np.mean((p > 0.5) == (y == 1))), xs, ys,
                   values.astype(np.float64), net)


def compare(x: np.ndarray | None = None, y: np.ndarray | None = None, **kwargs) -> tuple[BiasRun, BiasRun]:
    """(with bias, without bias) on the same data (default: `shifted_blobs`)."""
    if x is None:
        x, y = shifted_blobs()
    return train(True, x, y, **kwargs), train(False, x, y, **kwargs)
