"""Conv2D and MaxPooling2D: forward against nested-loop references, finite-difference gradients, shapes."""

from __future__ import annotations

import numpy as np
import pytest

from designer.engine.conv import Conv2D, MaxPooling2D, pair
from designer.engine.registry import LAYER_TYPES
from tests.engine.gradcheck import assert_grad_close, numeric_grad


def make(cls, type_name, params, in_shape, dtype=np.float64, seed=0):
    canonical = LAYER_TYPES[type_name].coerce_params(params)
    layer = cls("node", canonical, dtype)
    layer.build([in_shape], np.random.default_rng(seed))
    return layer, canonical


def tf_same_pads(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def ref_pad(x, params, k, s, fill):
    if params["padding"] != "same":
        return x
    pt, pb = tf_same_pads(x.shape[1], k[0], s[0])
    pl, pr = tf_same_pads(x.shape[2], k[1], s[1])
    return np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=fill)


def ref_conv(x, kernel, bias, params):
    """Direct definition: every output pixel is a dot product of its window with each filter."""
    k = pair(params["kernel_size"])
    s = pair(params["strides"])
    xp = ref_pad(x, params, k, s, 0.0)
    oh = (xp.shape[1] - k[0]) // s[0] + 1
    ow = (xp.shape[2] - k[1]) // s[1] + 1
    out = np.zeros((x.shape[0], oh, ow, kernel.shape[3]))
    for n in range(x.shape[0]):
        for i in range(oh):
            for j in range(ow):
                patch = xp[n, i * s[0] : i * s[0] + k[0], j * s[1] : j * s[1] + k[1], :]
                for f in range(kernel.shape[3]):
                    out[n, i, j, f] = np.sum(patch * kernel[:, :, :, f]) + (bias[f] if bias is not None else 0)
    return out


def ref_pool(x, params):
    k = pair(params["pool_size"])
    s = pair(params["strides"]) if params.get("strides") is not None else k
    xp = ref_pad(x, params, k, s, -np.inf)
    oh = (xp.shape[1] - k[0]) // s[0] + 1
    ow = (xp.shape[2] - k[1]) // s[1] + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for n in range(x.shape[0]):
        for i in range(oh):
            for j in range(ow):
                for c in range(x.shape[3]):
                    out[n, i, j, c] = xp[n, i * s[0] : i * s[0] + k[0], j * s[1] : j * s[1] + k[1], c].max()
    return out


@pytest.fixture(params=["nhwc", "planes"])
def layout(request, monkeypatch):
    """Both im2col layouts: rows from NHWC windows, or the transposed matrix from channel planes."""
    import designer.engine.conv as conv

    monkeypatch.setattr(conv, "_PLANE_RUN", 0 if request.param == "nhwc" else 1 << 20)
    return request.param


CONV_CASES = [
    ({"filters": 3, "kernel_size": 3}, (5, 6, 2)),
    ({"filters": 2, "kernel_size": 3, "padding": "same"}, (5, 4, 2)),
    ({"filters": 2, "kernel_size": [2, 3], "strides": 2, "padding": "same"}, (5, 6, 3)),
    ({"filters": 2, "kernel_size": 3, "strides": [2, 1], "padding": "valid"}, (7, 5, 1)),
    ({"filters": 4, "kernel_size": 1, "use_bias": False}, (3, 3, 2)),
    ({"filters": 2, "kernel_size": 4, "strides": 3, "padding": "same"}, (7, 8, 2)),
    ({"filters": 2, "kernel_size": 3, "strides": 2}, (6, 6, 1)),  # the last row and column are never read
    ({"filters": 3, "kernel_size": 3, "padding": "same"}, (4, 5, 6)),  # enough channels for NHWC rows
]


@pytest.mark.parametrize("params,in_shape", CONV_CASES)
def test_conv_forward_matches_nested_loops_and_registry_shape(params, in_shape, layout):
    layer, canonical = make(Conv2D, "Conv2D", params, in_shape)
    rng = np.random.default_rng(1)
    if "bias" in layer.params:
        layer.params["bias"][:] = rng.normal(size=layer.params["bias"].shape)
    x = rng.normal(size=(3, *in_shape))
    out = layer.forward([x], training=True)
    expected = ref_conv(x, layer.params["kernel"], layer.params.get("bias"), canonical)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert out.shape[1:] == LAYER_TYPES["Conv2D"].output_shape(canonical, [in_shape]) == layer.output_shape
    assert layer.params["kernel"].size + layer.params.get("bias", np.zeros(0)).size == LAYER_TYPES[
        "Conv2D"
    ].param_count(canonical, [in_shape])


def check_layer_grads(layer, x):
    """Gradcheck of sum(forward(x)·R) with respect to the input and every parameter."""
    r = np.random.default_rng(7).normal(size=layer.forward([x], True).shape)

    def loss():
        return float(np.sum(layer.forward([x], True) * r))

    loss()
    dx = layer.backward(r.copy())[0]
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    assert_grad_close(dx, numeric_grad(loss, x))
    for name, p in layer.params.items():
        assert_grad_close(analytic[name], numeric_grad(loss, p))


@pytest.mark.parametrize("params,in_shape", CONV_CASES)
def test_conv_gradients(params, in_shape, layout):
    layer, _ = make(Conv2D, "Conv2D", params, in_shape)
    layer.params.get("bias", np.zeros(1))[:] = 0.1
    x = np.random.default_rng(2).normal(size=(2, *in_shape))
    check_layer_grads(layer, x)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "elu", "leaky_relu", "softmax"])
def test_conv_with_activation_gradients(activation, layout):
    layer, _ = make(Conv2D, "Conv2D", {"filters": 3, "kernel_size": 2, "activation": activation}, (4, 4, 2))
    x = np.random.default_rng(3).normal(size=(2, 4, 4, 2))
    check_layer_grads(layer, x)


def test_conv_float32_stays_float32(layout):
    layer, _ = make(Conv2D, "Conv2D", {"filters": 4, "padding": "same", "activation": "relu"}, (6, 6, 3), np.float32)
    x = np.random.default_rng(0).normal(size=(5, 6, 6, 3)).astype(np.float32)
    out = layer.forward([x], True)
    dx = layer.backward(np.ones_like(out))[0]
    assert out.dtype == dx.dtype == layer.grads["kernel"].dtype == np.float32
    assert dx.shape == x.shape


def test_conv_kernel_initializer_scale():
    layer, _ = make(Conv2D, "Conv2D", {"filters": 64, "kernel_size": 3}, (8, 8, 32), np.float32)
    limit = np.sqrt(6 / (9 * 32 + 9 * 64))  # Keras glorot_uniform fans for a conv kernel
    k = layer.params["kernel"]
    assert k.shape == (3, 3, 32, 64) and np.abs(k).max() <= limit and np.abs(k).max() > 0.9 * limit
    assert not layer.params["bias"].any()


POOL_CASES = [
    ({}, (4, 6, 2)),
    ({"pool_size": 2}, (5, 5, 1)),
    ({"pool_size": 3, "strides": 2}, (7, 6, 2)),
    ({"pool_size": 2, "padding": "same"}, (5, 3, 2)),
    ({"pool_size": [3, 2], "strides": [1, 2], "padding": "same"}, (4, 5, 2)),
    ({"pool_size": 3, "strides": 1}, (5, 5, 1)),
    ({"pool_size": 3}, (7, 6, 2)),  # tiled windows; the last row is never read
    ({"pool_size": [2, 3]}, (5, 7, 3)),
    ({"pool_size": [1, 2]}, (3, 4, 2)),
    ({"pool_size": [2, 1]}, (4, 3, 2)),
    ({"pool_size": 2, "padding": "same"}, (4, 6, 2)),  # "same" that pads nothing: tiled too
]


@pytest.mark.parametrize("params,in_shape", POOL_CASES)
def test_pool_forward_matches_nested_loops_and_registry_shape(params, in_shape):
    layer, canonical = make(MaxPooling2D, "MaxPooling2D", params, in_shape)
    x = np.random.default_rng(4).normal(size=(3, *in_shape))
    out = layer.forward([x], True)
    np.testing.assert_array_equal(out, ref_pool(x, canonical))
    assert out.shape[1:] == LAYER_TYPES["MaxPooling2D"].output_shape(canonical, [in_shape]) == layer.output_shape


@pytest.mark.parametrize("params,in_shape", POOL_CASES)
def test_pool_gradients(params, in_shape):
    layer, _ = make(MaxPooling2D, "MaxPooling2D", params, in_shape)
    # distinct values far apart, so a finite-difference step never changes a window's winner
    x = np.random.default_rng(5).permutation(np.prod((2, *in_shape))).reshape(2, *in_shape) * 0.1
    check_layer_grads(layer, x.astype(np.float64))


def test_pool_ties_route_gradient_to_one_winner():
    layer, _ = make(MaxPooling2D, "MaxPooling2D", {"pool_size": 2}, (2, 2, 1))
    x = np.ones((1, 2, 2, 1))
    out = layer.forward([x], True)
    dx = layer.backward(np.full_like(out, 3.0))[0]
    assert dx.sum() == 3.0 and dx[0, 0, 0, 0] == 3.0  # the first maximum in row-major order wins


@pytest.mark.parametrize("strides", [None, 1])  # tiled windows, then the strided path
def test_pool_ties_go_to_the_first_maximum_in_row_major_order(strides):
    layer, _ = make(MaxPooling2D, "MaxPooling2D", {"pool_size": 3, "strides": strides}, (3, 3, 1))
    for ties, winner in [([(0, 2), (1, 0)], (0, 2)), ([(1, 1), (1, 0)], (1, 0)), ([(2, 2), (2, 1)], (2, 1))]:
        x = np.zeros((1, 3, 3, 1))
        for r, c in ties:
            x[0, r, c, 0] = 2.0
        layer.forward([x], True)
        dx = layer.backward(np.full((1, 1, 1, 1), 5.0))[0]
        expected = np.zeros_like(x)
        expected[0, winner[0], winner[1], 0] = 5.0
        np.testing.assert_array_equal(dx, expected)


def test_pool_uncovered_row_gets_no_gradient_even_after_the_buffer_was_reused():
    layer, _ = make(MaxPooling2D, "MaxPooling2D", {"pool_size": 2}, (5, 5, 1))
    x = np.random.default_rng(0).normal(size=(2, 5, 5, 1))
    out = layer.forward([x], True)
    dx = layer.backward(np.ones_like(out))[0]
    dx += 7.0  # the layer below may work in place on the gradient it receives
    layer.forward([x], True)
    dx = layer.backward(np.ones_like(out))[0]
    assert not dx[:, 4, :, :].any() and not dx[:, :, 4, :].any() and dx.sum() == out.size


@pytest.mark.parametrize("cls,type_name,params,in_shape", [
    (Conv2D, "Conv2D", {"filters": 3, "kernel_size": 3, "padding": "same", "activation": "relu"}, (5, 5, 2)),
    (Conv2D, "Conv2D", {"filters": 3, "kernel_size": 2, "strides": 2, "activation": "tanh"}, (5, 5, 8)),
    (Conv2D, "Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same"}, (5, 5, 8)),  # NHWC col2im, stride 1
    (MaxPooling2D, "MaxPooling2D", {"pool_size": 2}, (5, 4, 3)),
])  # fmt: skip
def test_buffers_kept_per_batch_size_give_the_same_results_as_a_fresh_layer(cls, type_name, params, in_shape):
    rng = np.random.default_rng(3)
    batches = [rng.normal(size=(n, *in_shape)) for n in (4, 2, 4, 1)]
    grads = [rng.normal(size=(n, *make(cls, type_name, params, in_shape)[0].output_shape)) for n in (4, 2, 4, 1)]
    reused, _ = make(cls, type_name, params, in_shape)
    for x, g in zip(batches, grads):
        fresh, _ = make(cls, type_name, params, in_shape)
        np.testing.assert_array_equal(reused.forward([x], True), fresh.forward([x], True))
        np.testing.assert_array_equal(reused.backward(g.copy())[0], fresh.backward(g.copy())[0])
        for name in fresh.grads:
            np.testing.assert_array_equal(reused.grads[name], fresh.grads[name])


def test_conv_kernel_and_bias_are_views_of_the_matrix_the_products_use():
    layer, _ = make(Conv2D, "Conv2D", {"filters": 2, "kernel_size": 2}, (3, 3, 1))
    x = np.random.default_rng(0).normal(size=(1, 3, 3, 1))
    layer.params["kernel"][...] = 0.0
    layer.params["bias"][:] = [1.5, -2.0]  # in-place updates (optimizers, set_weights) reach the product
    np.testing.assert_array_equal(layer.forward([x], True)[0, 0, 0], [1.5, -2.0])


def test_pool_overlapping_windows_accumulate():
    layer, _ = make(MaxPooling2D, "MaxPooling2D", {"pool_size": 2, "strides": 1}, (3, 3, 1))
    x = np.zeros((1, 3, 3, 1))
    x[0, 1, 1, 0] = 5.0  # the centre wins all four windows
    out = layer.forward([x], True)
    assert (out == 5).all()
    dx = layer.backward(np.ones_like(out))[0]
    assert dx[0, 1, 1, 0] == 4.0 and dx.sum() == 4.0


def test_conv_skips_input_gradient_when_network_says_so():
    layer, _ = make(Conv2D, "Conv2D", {"filters": 2, "kernel_size": 2}, (3, 3, 1))
    x = np.random.default_rng(0).normal(size=(2, 3, 3, 1))
    out = layer.forward([x], True)
    full = layer.backward(np.ones_like(out))[0]
    kernel_grad = layer.grads["kernel"].copy()
    layer.need_input_grad = False
    assert layer.backward(np.ones_like(out)) == [None]
    np.testing.assert_array_equal(layer.grads["kernel"], kernel_grad)
    assert full.shape == x.shape


def test_conv_fused_output_gradient_bypasses_activation():
    layer, _ = make(Conv2D, "Conv2D", {"filters": 3, "kernel_size": 1, "activation": "softmax"}, (2, 2, 2))
    x = np.random.default_rng(0).normal(size=(2, 2, 2, 2))
    g = np.random.default_rng(1).normal(size=(2, 2, 2, 3))
    layer.forward([x], True)
    layer.skip_activation_backward = True
    layer.backward(g.copy())
    cols = x.reshape(-1, 2)
    np.testing.assert_allclose(layer.grads["kernel"].reshape(2, 3), cols.T @ g.reshape(-1, 3))
