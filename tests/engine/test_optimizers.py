"""Optimizers against the spec's (Keras 3) update formulas, computed by hand in float64 per scalar."""

import math

import numpy as np
import pytest

from designer.engine.optimizers import make_optimizer
from designer.errors import ParamError

W0 = [0.5, -1.0, 2.0]
GRADS = [[0.1, -0.2, 0.3], [0.4, 0.0, -0.5], [-0.3, 0.2, 0.1]]  # three steps


def run(cfg):
    w = np.array(W0, dtype=np.float32)
    b = np.array([[1.0, -2.0]], dtype=np.float32)  # a second parameter of another shape
    opt = make_optimizer(cfg)
    for g in GRADS:
        opt.step([w, b], [np.array(g, dtype=np.float32), np.array([[g[0], g[1]]], dtype=np.float32)])
    assert opt.iterations == len(GRADS)
    assert w.dtype == np.float32 and b.dtype == np.float32
    return w, b


def expected(update, state0):
    """Apply a per-scalar rule update(w, g, state, t) -> (w, state) to W0 over GRADS."""
    out = []
    for i, w in enumerate(W0):
        state = dict(state0)
        for t, g in enumerate(GRADS, start=1):
            w, state = update(w, g[i], state, t)
        out.append(w)
    return np.array(out)


def test_sgd_plain():
    w, b = run({"type": "sgd", "learning_rate": 0.1})
    np.testing.assert_allclose(w, expected(lambda w, g, s, t: (w - 0.1 * g, s), {}), rtol=1e-6)
    np.testing.assert_allclose(b, [[1.0 - 0.1 * (0.1 + 0.4 - 0.3), -2.0 - 0.1 * (-0.2 + 0.0 + 0.2)]], rtol=1e-6)


def test_sgd_momentum():
    def rule(w, g, s, t):
        m = 0.9 * s["m"] - 0.1 * g
        return w + m, {"m": m}

    w, _ = run({"type": "sgd", "learning_rate": 0.1, "momentum": 0.9})
    np.testing.assert_allclose(w, expected(rule, {"m": 0.0}), rtol=1e-6)


def test_sgd_nesterov():
    def rule(w, g, s, t):
        m = 0.9 * s["m"] - 0.1 * g
        return w + 0.9 * m - 0.1 * g, {"m": m}

    w, _ = run({"type": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True})
    np.testing.assert_allclose(w, expected(rule, {"m": 0.0}), rtol=1e-6)
    # first step by hand for w0 = 0.5, g = 0.1: m = −0.01; w = 0.5 − 0.009 − 0.01
    opt = make_optimizer({"type": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True})
    x = np.array([0.5], dtype=np.float32)
    opt.step([x], [np.array([0.1], dtype=np.float32)])
    assert x[0] == pytest.approx(0.481, rel=1e-6)


def adam_rule(lr, b1, b2, eps, wd=0.0):
    def rule(w, g, s, t):
        w = w - w * wd * lr
        m = s["m"] + (g - s["m"]) * (1 - b1)
        v = s["v"] + (g * g - s["v"]) * (1 - b2)
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        return w - alpha * m / (math.sqrt(v) + eps), {"m": m, "v": v}

    return rule


def test_adam_defaults_and_formula():
    w, _ = run({"type": "adam", "learning_rate": 0.01})
    np.testing.assert_allclose(w, expected(adam_rule(0.01, 0.9, 0.999, 1e-7), {"m": 0.0, "v": 0.0}), rtol=1e-6)
    # Adam's first step moves each weight by about lr·sign(g)
    opt = make_optimizer({"type": "adam", "learning_rate": 0.01})
    x = np.array([1.0, 1.0], dtype=np.float32)
    opt.step([x], [np.array([3.0, -0.001], dtype=np.float32)])
    np.testing.assert_allclose(x, [0.99, 1.01], rtol=1e-4)


def test_adamw_decoupled_weight_decay():
    cfg = {"type": "adamw", "learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99, "weight_decay": 0.1}
    w, _ = run(cfg)
    np.testing.assert_allclose(w, expected(adam_rule(0.05, 0.8, 0.99, 1e-7, 0.1), {"m": 0.0, "v": 0.0}), rtol=1e-6)
    assert make_optimizer({"type": "adamw"}).weight_decay == 0.004  # Keras default


def test_rmsprop():
    def rule(w, g, s, t):
        v = 0.8 * s["v"] + 0.2 * g * g
        return w - 0.01 * g / math.sqrt(v + 1e-7), {"v": v}

    w, _ = run({"type": "rmsprop", "learning_rate": 0.01, "rho": 0.8})
    np.testing.assert_allclose(w, expected(rule, {"v": 0.0}), rtol=1e-6)


def test_adagrad_starts_from_initial_accumulator():
    def rule(w, g, s, t):
        acc = s["acc"] + g * g
        return w - 0.1 * g / math.sqrt(acc + 1e-7), {"acc": acc}

    w, _ = run({"type": "adagrad", "learning_rate": 0.1})
    np.testing.assert_allclose(w, expected(rule, {"acc": 0.1}), rtol=1e-6)
    w, _ = run({"type": "adagrad", "learning_rate": 0.1, "initial_accumulator_value": 1.0})
    np.testing.assert_allclose(w, expected(rule, {"acc": 1.0}), rtol=1e-6)


def test_learning_rate_change_takes_effect_next_step():
    opt = make_optimizer({"type": "sgd", "learning_rate": 0.1})
    w = np.array([1.0], dtype=np.float32)
    g = np.array([1.0], dtype=np.float32)
    opt.step([w], [g])
    opt.learning_rate = 0.5
    opt.step([w], [g])
    assert w[0] == pytest.approx(1.0 - 0.1 - 0.5)
    opt.set_param("momentum", 0.5)
    assert opt.momentum == 0.5


def test_bad_configs_raise_param_error_naming_the_place():
    with pytest.raises(ParamError, match=r"training\.optimizer\.type.*sgd"):
        make_optimizer({"type": "lbfgs"})
    with pytest.raises(ParamError, match=r"training\.optimizer\.learning_rate"):
        make_optimizer({"type": "adam", "learning_rate": -1})
    with pytest.raises(ParamError, match=r"training\.optimizer\.momentum"):
        make_optimizer({"type": "sgd", "momentum": "lots"})
    with pytest.raises(ParamError, match="no parameter"):
        make_optimizer({"type": "sgd"}).set_param("rho", 0.5)
    with pytest.raises(ParamError, match=r"training\.optimizer\.rho"):
        make_optimizer({"type": "rmsprop"}).set_param("rho", 2.0)


def test_defaults_from_registry():
    opt = make_optimizer({"type": "adam"})
    assert (opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon) == (0.01, 0.9, 0.999, 1e-7)
    assert make_optimizer("rmsprop").get_config() == {"type": "rmsprop", "learning_rate": 0.01, "rho": 0.9,
                                                      "epsilon": 1e-7}
