"""Curves of the engine's activations and losses, computed by the engine's own objects.

An activation's derivative comes from its `backward` with an upstream gradient of ones (elementwise
activations); a loss's per-prediction value from `forward` on one value at a time and its gradient from
`backward` on the whole grid, times the number of terms the engine averages over. Softmax is not elementwise:
its curve is the first component of softmax([x, 0]) (= sigmoid(x)) and its derivative the diagonal of the
Jacobian, ∂s₀/∂x₀ — what a two-class softmax does to the logit it is drawn against.
"""

from __future__ import annotations

import numpy as np

from designer.engine.activations import get_activation
from designer.engine.losses import get_loss
from designer.engine.registry import ACTIVATIONS, LOSSES

# The formulas, in Qt rich text (HTML 4 subset): the lab renders them with proper sub/superscripts, fractions as
# a/b and Greek letters, in the theme's own colours and font, selectable and sharp at any scale — a picture per
# formula could do neither and would drift from this table.
ACTIVATION_FORMULAS: dict[str, tuple[str, str]] = {
    "linear": ("f(x) = x", "f′(x) = 1"),
    "sigmoid": ("σ(x) = 1 / (1 + e<sup>−x</sup>)", "σ′(x) = σ(x)·(1 − σ(x))"),
    "tanh": ("tanh(x) = (e<sup>x</sup> − e<sup>−x</sup>) / (e<sup>x</sup> + e<sup>−x</sup>)",
             "tanh′(x) = 1 − tanh<sup>2</sup>(x)"),
    "relu": ("f(x) = max(0, x)", "f′(x) = 1 if x &gt; 0, else 0"),
    "leaky_relu": ("f(x) = x if x &gt; 0, else <i>a</i>·x", "f′(x) = 1 if x &gt; 0, else <i>a</i>"),
    "elu": ("f(x) = x if x &gt; 0, else α·(e<sup>x</sup> − 1)", "f′(x) = 1 if x &gt; 0, else f(x) + α"),
    "softmax": ("s<sub>i</sub>(x) = e<sup>x<sub>i</sub></sup> / Σ<sub>j</sub> e<sup>x<sub>j</sub></sup>",
                "∂s<sub>i</sub>/∂x<sub>i</sub> = s<sub>i</sub>·(1 − s<sub>i</sub>)"),
    "gelu": ("f(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x<sup>3</sup>)))", "f′(x): the product rule on it"),
    "silu": ("f(x) = x·σ(x)", "f′(x) = σ(x)·(1 + x − f(x))"),
    "softplus": ("f(x) = ln(1 + e<sup>x</sup>)", "f′(x) = σ(x)"),
}

LOSS_FORMULAS: dict[str, tuple[str, str]] = {
    "categorical_crossentropy": ("L = −Σ<sub>k</sub> y<sub>k</sub>·ln p<sub>k</sub>",
                                 "∂L/∂p<sub>k</sub> = −y<sub>k</sub> / p<sub>k</sub>"),
    "binary_crossentropy": ("L = −[y·ln p + (1 − y)·ln(1 − p)]", "∂L/∂p = (p − y) / (p·(1 − p))"),
    "hinge": ("L = max(0, 1 − y·ŷ),  y = ±1", "∂L/∂ŷ = −y if y·ŷ &lt; 1, else 0"),
    "mean_absolute_error": ("L = |ŷ − y|", "∂L/∂ŷ = sign(ŷ − y)"),
    "mean_squared_error": ("L = (ŷ − y)<sup>2</sup>", "∂L/∂ŷ = 2·(ŷ − y)"),
    "huber": ("L = ½·(ŷ − y)<sup>2</sup> if |ŷ − y| ≤ δ, else δ·(|ŷ − y| − ½·δ)",
              "∂L/∂ŷ = clip(ŷ − y, −δ, δ)"),
}
assert set(ACTIVATION_FORMULAS) == set(ACTIVATIONS) and set(LOSS_FORMULAS) == set(LOSSES)

#: what the prediction axis means for each loss, and its natural range
PROBABILITY_LOSSES = ("categorical_crossentropy", "binary_crossentropy")


def activation_curve(name: str, params: dict | None = None, xs: np.ndarray | None = None):
    """(xs, f(xs), f′(xs)) from the engine's activation `name` with `params`, float64 for drawing."""
    xs = np.linspace(-5.0, 5.0, 401) if xs is None else np.asarray(xs, dtype=np.float64)
    act = get_activation(name, params or {})
    x32 = xs.astype(np.float32)
    if act.elementwise:
        y = act.forward(x32.copy(), np.empty_like(x32)).copy()
        d = act.backward(x32.copy(), y.copy(), np.ones_like(x32)).copy()
        return xs, y.astype(np.float64), d.astype(np.float64)
    # softmax over [x, 0]: component 0 and its own-logit derivative
    pair = np.stack([x32, np.zeros_like(x32)], axis=1)
    y = act.forward(pair.copy(), np.empty_like(pair)).copy()
    g = np.zeros_like(pair)
    g[:, 0] = 1.0
    d = act.backward(pair, y.copy(), g)
    return xs, y[:, 0].astype(np.float64), d[:, 0].astype(np.float64)


def prediction_range(loss_name: str) -> tuple[float, float]:
    """Where predictions of this loss live: probabilities for cross-entropy, scores/values otherwise."""
    if loss_name in PROBABILITY_LOSSES:
        return 0.001, 0.999
    return -3.0, 3.0


def default_target(loss_name: str) -> float:
    """A target the lab starts from: the positive class for classification losses, 0 for regression."""
    return 1.0 if loss_name in ("hinge", *PROBABILITY_LOSSES) else 0.0


def _encoded(loss_name: str, preds: np.ndarray, target: float) -> tuple[np.ndarray, np.ndarray]:
    """Predictions and targets shaped as the loss takes them: categorical cross-entropy sees two classes,
    [1 − p, p] against [1 − y, y]; every other loss one output."""
    p = preds.astype(np.float32).reshape(-1, 1)
    y = np.full_like(p, target)
    if loss_name == "categorical_crossentropy":
        return np.hstack([1.0 - p, p]), np.hstack([1.0 - y, y])
    return p, y


def loss_curve(loss_name: str, target: float, preds: np.ndarray | None = None, params: dict | None = None):
    """(preds, L(pred; target), ∂L/∂pred) per prediction, from the engine's loss object.

    For categorical cross-entropy the prediction is p of the second class (the first is 1 − p) and the
    gradient is the total derivative d/dp of L([1 − p, p]).
    """
    lo, hi = prediction_range(loss_name)
    preds = np.linspace(lo, hi, 301) if preds is None else np.asarray(preds, dtype=np.float64)
    loss = get_loss(loss_name, **(params or {}))
    p, y = _encoded(loss_name, preds, target)
    values = np.array([loss.forward(p[i:i + 1], y[i:i + 1]) for i in range(len(p))], dtype=np.float64)
    loss.forward(p, y)
    grad = loss.backward().astype(np.float64)
    grad *= loss._count(p)  # the engine averages over its terms: undo it for one prediction's own slope
    if loss_name == "categorical_crossentropy":
        grad = grad[:, 1] - grad[:, 0]  # d/dp of L(1 − p, p)
    else:
        grad = grad[:, 0]
    return preds, values, grad


def best_constant(loss_name: str, targets: np.ndarray, params: dict | None = None, grid: np.ndarray | None = None):
    """The single prediction c that minimises the engine's mean loss over `targets` (regression losses):
    MSE's is the mean, MAE's the median, Huber's in between — what an outlier drags along. Returns
    (c, grid, mean loss over the grid)."""
    targets = np.asarray(targets, dtype=np.float64).reshape(-1)
    if grid is None:
        lo, hi = float(targets.min()), float(targets.max())
        grid = np.linspace(lo - 0.1 * (hi - lo + 1), hi + 0.1 * (hi - lo + 1), 801)
    loss = get_loss(loss_name, **(params or {}))
    y = targets.astype(np.float32).reshape(-1, 1)
    values = np.array([loss.forward(np.full_like(y, c), y) for c in grid], dtype=np.float64)
    return float(grid[int(np.argmin(values))]), grid, values


def gradient_shares(loss_name: str, prediction: float, targets: np.ndarray, params: dict | None = None):
    """|∂L/∂ŷ| each target contributes at one shared prediction, as fractions of the total: how much of the
    pull comes from the outlier."""
    targets = np.asarray(targets, dtype=np.float32).reshape(-1, 1)
    loss = get_loss(loss_name, **(params or {}))
    loss.forward(np.full_like(targets, prediction), targets)
    g = np.abs(loss.backward().astype(np.float64).reshape(-1))
    total = g.sum()
    return g / total if total > 0 else g
