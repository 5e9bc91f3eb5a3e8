"""The function lab's curves are the engine's functions: equal to the textbook formula, and the derivative
equal to the finite difference of the engine's own forward."""

import math

import numpy as np
import pytest

from designer.engine.activations import get_activation
from designer.engine.registry import ACTIVATIONS, LOSSES
from designer.maths import curves

XS = np.linspace(-4.0, 4.0, 81) + 0.013  # off the kinks at 0

REFERENCE = {
    "linear": lambda x, p: x,
    "sigmoid": lambda x, p: 1 / (1 + np.exp(-x)),
    "tanh": lambda x, p: np.tanh(x),
    "relu": lambda x, p: np.maximum(x, 0),
    "leaky_relu": lambda x, p: np.where(x > 0, x, p.get("negative_slope", 0.01) * x),
    "elu": lambda x, p: np.where(x > 0, x, p.get("alpha", 1.0) * np.expm1(x)),
    "softmax": lambda x, p: 1 / (1 + np.exp(-x)),  # component 0 of softmax([x, 0])
    "gelu": lambda x, p: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    "silu": lambda x, p: x / (1 + np.exp(-x)),
    "softplus": lambda x, p: np.log1p(np.exp(x)),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("params", [{}, {"negative_slope": 0.3, "alpha": 2.5}])
def test_activation_curve_is_the_engine_function_and_its_derivative(name, params):
    own = {p.name: params[p.name] for p in ACTIVATIONS[name].params if p.name in params}
    xs, y, d = curves.activation_curve(name, own, XS)
    np.testing.assert_allclose(y, REFERENCE[name](XS, own), rtol=1e-5, atol=1e-6)
    # the derivative is the slope of the engine's own forward (float64 differences of the float32 function)
    act = get_activation(name, own)
    h = 1e-2
    if act.elementwise:
        def f(x):
            x = x.astype(np.float32)
            return act.forward(x.copy(), np.empty_like(x)).astype(np.float64)
    else:
        def f(x):
            pair = np.stack([x, np.zeros_like(x)], 1).astype(np.float32)
            return act.forward(pair, np.empty_like(pair))[:, 0].astype(np.float64)
    numeric = (f(XS + h) - f(XS - h)) / (2 * h)
    np.testing.assert_allclose(d, numeric, rtol=2e-3, atol=2e-3)


def test_live_parameters_change_the_curve():
    _, y1, d1 = curves.activation_curve("leaky_relu", {"negative_slope": 0.01}, XS)
    _, y2, d2 = curves.activation_curve("leaky_relu", {"negative_slope": 0.5}, XS)
    assert d2[XS < 0] == pytest.approx(0.5) and d1[XS < 0] == pytest.approx(0.01)
    _, e, _ = curves.activation_curve("elu", {"alpha": 3.0}, np.array([-30.0]))
    assert e[0] == pytest.approx(-3.0)


LOSS_REF = {
    "categorical_crossentropy": lambda p, y, d: -(y * np.log(p) + (1 - y) * np.log(1 - p)),
    "binary_crossentropy": lambda p, y, d: -(y * np.log(p) + (1 - y) * np.log(1 - p)),
    "hinge": lambda p, y, d: np.maximum(0, 1 - y * p),
    "mean_absolute_error": lambda p, y, d: np.abs(p - y),
    "mean_squared_error": lambda p, y, d: (p - y) ** 2,
    "huber": lambda p, y, d: np.where(np.abs(p - y) <= d, 0.5 * (p - y) ** 2, d * (np.abs(p - y) - 0.5 * d)),
}


# cross-entropy targets are probabilities: -1 is a target for the other losses only
CURVE_CASES = [(name, target) for name in LOSSES for target in (0.0, 1.0, -1.0, 0.7)
               if name not in curves.PROBABILITY_LOSSES or 0 <= target <= 1]


@pytest.mark.parametrize(("name", "target"), CURVE_CASES)
def test_loss_curve_is_the_engine_loss_and_its_gradient(name, target):
    delta = 0.6
    params = {"delta": delta} if name == "huber" else {}
    lo, hi = curves.prediction_range(name)
    preds = np.linspace(lo + 0.01, hi - 0.01, 57) + 0.0031
    p, values, grad = curves.loss_curve(name, target, preds, params)
    np.testing.assert_allclose(values, LOSS_REF[name](preds, target, delta), rtol=2e-4, atol=2e-5)
    h = 1e-3
    _, up, _ = curves.loss_curve(name, target, preds + h, params)
    _, down, _ = curves.loss_curve(name, target, preds - h, params)
    numeric = (up - down) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-2, atol=5e-3)  # float32 losses, steep near p → 0, 1


def test_huber_delta_is_live():
    _, _, g1 = curves.loss_curve("huber", 0.0, np.array([2.5]), {"delta": 1.0})
    _, _, g2 = curves.loss_curve("huber", 0.0, np.array([2.5]), {"delta": 2.0})
    assert g1[0] == pytest.approx(1.0) and g2[0] == pytest.approx(2.0)


def test_an_outlier_drags_mse_but_not_mae():
    targets = np.array([0.0, 0.1, 0.2, 0.3, 10.0])
    mse, _, _ = curves.best_constant("mean_squared_error", targets)
    mae, _, _ = curves.best_constant("mean_absolute_error", targets)
    huber, _, _ = curves.best_constant("huber", targets, {"delta": 1.0})
    assert mse == pytest.approx(targets.mean(), abs=0.02)
    assert mae == pytest.approx(np.median(targets), abs=0.02)
    assert mae < huber < mse
    shares = curves.gradient_shares("mean_squared_error", 0.2, targets)
    assert shares[-1] > 0.9  # nearly all of MSE's pull comes from the outlier
    assert curves.gradient_shares("mean_absolute_error", 0.2, targets)[-1] == pytest.approx(0.25)  # one vote of four


def test_every_formula_is_rich_text_without_unclosed_tags():
    for formula, derivative in [*curves.ACTIVATION_FORMULAS.values(), *curves.LOSS_FORMULAS.values()]:
        for text in (formula, derivative):
            for tag in ("sup", "sub", "i"):
                assert text.count(f"<{tag}>") == text.count(f"</{tag}>"), text
