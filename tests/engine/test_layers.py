import numpy as np
import pytest

from designer.engine.factory import layer_class, make_layer
from designer.engine.layers import Add, Concatenate, Dense, Dropout, Flatten
from designer.engine.registry import LAYER_TYPES
from designer.errors import ParamError
from tests.engine.gradcheck import assert_grad_close, numeric_grad


def _built(cls, node_id, params, input_shapes, dtype=np.float64, seed=0):
    full = LAYER_TYPES[cls.type_name].coerce_params(params)
    layer = cls(node_id, full, dtype)
    layer.build(input_shapes, np.random.default_rng(seed))
    return layer


def _check_layer(layer, inputs, training=False, reset=None):
    """Finite-difference check of every input and parameter gradient of L = Σ w·layer(inputs)."""
    rng = np.random.default_rng(5)
    out = layer.forward(inputs, training)
    w = rng.normal(size=out.shape)

    def f():
        if reset:
            reset()
        return float(np.sum(w * layer.forward(inputs, training)))

    f()
    grads_in = [g.copy() for g in layer.backward(w.copy())]
    grads_p = {k: v.copy() for k, v in layer.grads.items()}
    for x, g in zip(inputs, grads_in):
        assert g.shape == x.shape
        assert_grad_close(g, numeric_grad(f, x))
    for name, p in layer.params.items():
        assert_grad_close(grads_p[name], numeric_grad(f, p))


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("activation", ["linear", "tanh", "softmax"])
def test_dense_gradients(use_bias, activation):
    layer = _built(Dense, "d", {"units": 4, "activation": activation, "use_bias": use_bias}, [(3,)])
    assert ("bias" in layer.params) == use_bias
    if use_bias:  # a non-zero bias, so its effect is checked too
        layer.params["bias"][...] = np.random.default_rng(1).normal(size=4)
    _check_layer(layer, [np.random.default_rng(2).normal(size=(5, 3))])


def test_dense_computes_activation_of_affine_map_and_honours_activation_params():
    params = {"units": 2, "activation": "leaky_relu", "activation_params": {"negative_slope": 0.5}}
    layer = _built(Dense, "d", params, [(2,)])
    layer.params["kernel"][...] = [[1.0, -1.0], [2.0, 0.0]]
    layer.params["bias"][...] = [0.5, -1.0]
    y = layer.forward([np.array([[1.0, 1.0]])], False)
    np.testing.assert_allclose(y, [[3.5, -1.0]])


def test_dense_skips_its_activation_backward_when_fused():
    layer = _built(Dense, "d", {"units": 3, "activation": "softmax"}, [(2,)])
    x = np.array([[1.0, 2.0]])
    layer.forward([x], True)
    layer.skip_activation_backward = True
    g = np.array([[0.1, -0.2, 0.1]])
    layer.backward(g.copy())
    np.testing.assert_allclose(layer.grads["kernel"], x.T @ g)
    np.testing.assert_allclose(layer.grads["bias"], g[0])


def test_dense_may_skip_its_input_gradient():
    layer = _built(Dense, "d", {"units": 3}, [(2,)])
    layer.forward([np.ones((4, 2))], True)
    layer.need_input_grad = False
    assert layer.backward(np.ones((4, 3))) == [None]
    assert layer.grads["kernel"].any()


def test_layers_stay_float32_and_reuse_buffers():
    layer = _built(Dense, "d", {"units": 8, "activation": "relu"}, [(4,)], dtype=np.float32)
    assert layer.params["kernel"].dtype == np.float32
    x = np.ones((16, 4), np.float32)
    first = layer.forward([x], True)
    assert first.dtype == np.float32
    assert layer.forward([x], True) is first  # same batch size: same buffer
    (gx,) = layer.backward(np.ones((16, 8), np.float32))
    assert gx.dtype == np.float32 and layer.grads["kernel"].dtype == np.float32


def test_dropout_is_inverted_and_identity_at_inference():
    layer = _built(Dropout, "do", {"rate": 0.25}, [(1000,)], dtype=np.float32)
    x = np.ones((20, 1000), np.float32)
    assert layer.forward([x], False) is x
    y = layer.forward([x], True)
    kept = y != 0
    assert 0.70 < kept.mean() < 0.80
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    g = layer.backward(np.ones_like(x))[0]
    np.testing.assert_array_equal(g != 0, kept)


def test_dropout_masks_follow_the_seed():
    a = _built(Dropout, "do", {"rate": 0.5}, [(50,)], seed=3)
    b = _built(Dropout, "do", {"rate": 0.5}, [(50,)], seed=3)
    c = _built(Dropout, "do", {"rate": 0.5}, [(50,)], seed=4)
    x = np.ones((4, 50))
    ya, yb, yc = (layer.forward([x], True).copy() for layer in (a, b, c))
    np.testing.assert_array_equal(ya, yb)
    assert (ya != yc).any()


def test_dropout_gradient_with_a_fixed_mask():
    layer = _built(Dropout, "do", {"rate": 0.4}, [(6,)])
    rng = np.random.default_rng(0)
    layer.fixed_mask = (rng.random((3, 6)) >= 0.4) / 0.6
    _check_layer(layer, [rng.normal(size=(3, 6))], training=True)


def test_flatten_gradient_and_shape():
    layer = _built(Flatten, "f", {}, [(2, 3, 2)])
    assert layer.output_shape == (12,)
    x = np.random.default_rng(0).normal(size=(4, 2, 3, 2))
    assert layer.forward([x], False).shape == (4, 12)
    _check_layer(layer, [x])


def test_add_gradient_with_three_inputs():
    layer = _built(Add, "a", {}, [(3,), (3,), (3,)])
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(4, 3)) for _ in range(3)]
    np.testing.assert_allclose(layer.forward(xs, False), xs[0] + xs[1] + xs[2])
    _check_layer(layer, xs)
    grads = layer.backward(np.ones((4, 3)))
    assert len({id(g) for g in grads}) == 3  # each input owns its gradient


@pytest.mark.parametrize(("axis", "shapes"), [(-1, [(2, 3), (2, 1)]), (0, [(1, 3), (2, 3)])])
def test_concatenate_gradient(axis, shapes):
    layer = _built(Concatenate, "c", {"axis": axis}, shapes)
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(4, *s)) for s in shapes]
    np.testing.assert_array_equal(layer.forward(xs, False), np.concatenate(xs, axis=axis % 2 + 1))
    _check_layer(layer, xs)


def test_factory_knows_every_core_type_and_refuses_unknown_ones():
    for name in ("Input", "Dense", "Activation", "Dropout", "Flatten", "Add", "Concatenate"):
        assert layer_class(name).type_name == name
    layer = make_layer("d", "Dense", LAYER_TYPES["Dense"].coerce_params({"units": 2}))
    assert isinstance(layer, Dense) and layer.dtype == np.float32
    with pytest.raises(ParamError, match="unknown layer type"):
        layer_class("LSTM")
