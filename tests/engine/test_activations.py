import numpy as np
import pytest

from designer.engine.activations import get_activation
from designer.engine.registry import ACTIVATIONS
from designer.errors import ParamError
from tests.engine.gradcheck import assert_grad_close, numeric_grad

PARAMS = {"leaky_relu": {"negative_slope": 0.1}, "elu": {"alpha": 0.7}}


def _inputs(name, rng, shape=(4, 5)):
    x = rng.normal(0.0, 1.5, shape)
    if name in ("relu", "leaky_relu", "elu"):
        x[np.abs(x) < 0.05] = 0.3  # keep finite differences away from the kink at 0
    return x


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_gradient_matches_finite_differences(name):
    rng = np.random.default_rng(1)
    act = get_activation(name, PARAMS.get(name))
    x = _inputs(name, rng)
    w = rng.normal(size=x.shape)  # a random linear read-out makes the check cover every element

    def f():
        return float(np.sum(w * act.forward(x, np.empty_like(x))))

    y = act.forward(x, np.empty_like(x)).copy()
    analytic = act.backward(x, y, w.copy())
    assert_grad_close(analytic, numeric_grad(f, x))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_float32_in_float32_out_and_input_untouched(name):
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    before = x.copy()
    act = get_activation(name, PARAMS.get(name))
    y = act.forward(x, np.empty_like(x))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(x, before)
    g = act.backward(x, y, np.ones_like(x))
    assert g.dtype == np.float32


def test_values_match_reference_formulas():
    x = np.linspace(-4, 4, 17)
    out = np.empty_like(x)
    sig = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(get_activation("sigmoid").forward(x, out), sig, rtol=1e-12)
    np.testing.assert_allclose(get_activation("silu").forward(x, out), x * sig, rtol=1e-12)
    np.testing.assert_allclose(get_activation("softplus").forward(x, out), np.log1p(np.exp(x)), rtol=1e-12)
    np.testing.assert_allclose(get_activation("relu").forward(x, out), np.maximum(x, 0))
    np.testing.assert_allclose(
        get_activation("leaky_relu", {"negative_slope": 0.2}).forward(x, out), np.where(x > 0, x, 0.2 * x)
    )
    np.testing.assert_allclose(
        get_activation("elu", {"alpha": 2.0}).forward(x, out), np.where(x > 0, x, 2.0 * np.expm1(x)), rtol=1e-12
    )
    gelu = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(get_activation("gelu").forward(x, out), gelu, rtol=1e-12)
    assert get_activation("linear").forward(x, out) is x


def test_default_parameters_come_from_the_registry():
    x = np.array([-1.0])
    assert get_activation("leaky_relu").forward(x, np.empty(1))[0] == pytest.approx(-0.01)
    assert get_activation("elu").forward(x, np.empty(1))[0] == pytest.approx(np.expm1(-1.0))


def test_extreme_inputs_do_not_overflow():
    x = np.array([[-1000.0, 0.0, 1000.0], [88.0, 89.0, 90.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for name in ("sigmoid", "softmax", "softplus", "silu", "tanh", "elu", "gelu"):
            y = get_activation(name).forward(x, np.empty_like(x))
            assert np.all(np.isfinite(y)), name
    sm = get_activation("softmax").forward(x, np.empty_like(x))
    np.testing.assert_allclose(sm.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(sm[0], [0.0, 0.0, 1.0])
    sig = get_activation("sigmoid").forward(x, np.empty_like(x))
    assert sig[0, 0] == 0.0 and sig[0, 2] == 1.0


def test_softmax_works_along_the_last_axis_of_any_rank():
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    y = get_activation("softmax").forward(x, np.empty_like(x))
    np.testing.assert_allclose(y.sum(axis=-1), 1.0)


def test_unknown_name_and_bad_parameter_raise_param_error():
    with pytest.raises(ParamError, match="unknown activation"):
        get_activation("swishy")
    with pytest.raises(ParamError, match="negative_slope"):
        get_activation("leaky_relu", {"negative_slope": 5.0})
