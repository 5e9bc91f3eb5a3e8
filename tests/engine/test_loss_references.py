"""Every loss against a reference written out here from its definition, and against PyTorch when installed.

Values and gradients are checked for non-default parameters too (Huber with delta 1.5 and 0.4): a gradient
clipped at ±1 instead of ±delta passes every check that only uses delta = 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from designer.engine.losses import get_loss
from tests.engine.gradcheck import assert_grad_close, numeric_grad


def _residuals_around(delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Predictions and targets whose differences fall on both sides of 1 and of delta (never on a kink)."""
    e = np.array([[-3.0, -1.7, -1.2, -0.8], [-0.3, 0.25, 0.7, 1.1], [1.3, 1.45, 2.2, 4.0]])
    e[np.abs(np.abs(e) - delta) < 0.05] += 0.11
    y = np.linspace(-1.0, 1.0, e.size).reshape(e.shape)
    return y + e, y


def _huber_reference(pred, y, delta):
    """Huber's definition, per element, averaged: ½e² inside delta, delta·(|e| − ½delta) outside."""
    e = pred - y
    value = np.where(np.abs(e) <= delta, 0.5 * e**2, delta * (np.abs(e) - 0.5 * delta)).mean()
    grad = np.where(np.abs(e) <= delta, e, delta * np.sign(e)) / e.size
    return value, grad


@pytest.mark.parametrize("delta", [0.4, 1.0, 1.5, 2.5])
def test_huber_value_and_gradient_match_the_definition_for_any_delta(delta):
    pred, y = _residuals_around(delta)
    loss = get_loss("huber", delta=delta)
    value = loss.forward(pred, y)
    grad = loss.backward().copy()
    ref_value, ref_grad = _huber_reference(pred, y, delta)
    assert value == pytest.approx(ref_value, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-15)
    assert_grad_close(grad, numeric_grad(lambda: loss.forward(pred, y), pred))
    if delta > 1.0:  # some residuals between 1 and delta: their gradient is the residual itself, not ±1
        between = (np.abs(pred - y) > 1.0) & (np.abs(pred - y) < delta)
        assert between.any()
        np.testing.assert_allclose(grad[between] * pred.size, (pred - y)[between])


def _torch_value_and_grad(torch, name, pred, y, **params):
    p = torch.tensor(pred, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(y, dtype=torch.float64)
    f = torch.nn.functional
    if name == "huber":
        out = f.huber_loss(p, t, delta=params["delta"])
    elif name == "mean_squared_error":
        out = f.mse_loss(p, t)
    elif name == "mean_absolute_error":
        out = f.l1_loss(p, t)
    elif name == "binary_crossentropy":
        out = f.binary_cross_entropy(p, t)
    elif name == "categorical_crossentropy":
        out = -(t * torch.log(p)).sum(dim=1).mean()
    elif name == "hinge":
        out = torch.clamp(1 - t * p, min=0).mean()
    out.backward()
    return out.item(), p.grad.numpy()


@pytest.mark.parametrize(
    ("name", "params"),
    [("huber", {"delta": 1.5}), ("huber", {"delta": 0.4}), ("mean_squared_error", {}),
     ("mean_absolute_error", {}), ("binary_crossentropy", {}), ("categorical_crossentropy", {}), ("hinge", {})],
)
def test_losses_match_pytorch(name, params):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    if name == "categorical_crossentropy":
        logits = rng.normal(size=(6, 4))
        pred = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        y = np.eye(4)[rng.integers(0, 4, 6)]
    elif name == "binary_crossentropy":
        pred = rng.uniform(0.05, 0.95, (6, 3))
        y = rng.integers(0, 2, (6, 3)).astype(float)
    elif name == "hinge":
        y = rng.choice([-1.0, 1.0], (6, 3))
        pred = rng.normal(0, 1.5, (6, 3))
        pred[np.abs(1 - y * pred) < 0.05] += 0.2
    else:
        pred, y = _residuals_around(params.get("delta", 1.0))
    loss = get_loss(name, **params)
    value = loss.forward(pred, y)
    grad = loss.backward().copy()
    ref_value, ref_grad = _torch_value_and_grad(torch, name, pred, y, **params)
    assert value == pytest.approx(ref_value, rel=1e-7)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-6, atol=1e-12)
