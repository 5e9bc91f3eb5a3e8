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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(10, 2), (7, 3), (5, 70), (4, 3, 2)])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_bound_forms_give_the_plain_forms_results_bit_for_bit(name, shape, dtype):
    """bound_forward/bound_backward (made once per batch size by the Dense plan) compute what forward and
    backward compute, on whatever the bound arrays hold at each call: the plan rewrites them every step."""
    rng = np.random.default_rng(7)
    act = get_activation(name, PARAMS.get(name))
    plain = get_activation(name, PARAMS.get(name))
    x, out = np.empty(shape, dtype), np.empty(shape, dtype)
    forward = act.bound_forward(x, out)
    y_seen = x if name == "relu" else out  # the plan masks relu with its product, which gives the same mask
    backward = act.bound_backward(x, out)
    relu_backward = act.bound_backward(x, y_seen)
    in_place = np.empty(shape, dtype)  # the Dense plan applies an activation whose backward needs only y in place
    forward_in_place = act.bound_forward(in_place, in_place)
    for step in range(3):  # new values in the same arrays each time
        x[...] = rng.normal(0.0, 4.0, shape)
        x.flat[0], x.flat[-1] = 0.0, 60.0 * (step - 1)  # a tie at 0, and far from 0 on both sides
        if step == 2:
            x.flat[1] = np.nan
        expected = plain.forward(x.copy(), np.empty(shape, dtype)).copy()
        got = forward()
        assert got is out or name == "linear"
        np.testing.assert_array_equal(got, expected)
        if not act.backward_uses_input:
            in_place[...] = x
            np.testing.assert_array_equal(forward_in_place(), expected)
        g = rng.normal(size=shape).astype(dtype)
        want = plain.backward(x.copy(), expected.copy(), g.copy())
        np.testing.assert_array_equal((relu_backward if name == "relu" else backward)(g.copy()), want)
