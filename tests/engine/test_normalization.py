"""BatchNormalization: gradients in training mode, Keras moving averages, inference with moving stats."""

from __future__ import annotations

import numpy as np
import pytest

from designer.engine.normalization import BatchNormalization
from designer.engine.registry import LAYER_TYPES
from tests.engine.gradcheck import assert_grad_close, numeric_grad


def make(params, in_shape, dtype=np.float64):
    canonical = LAYER_TYPES["BatchNormalization"].coerce_params(params)
    layer = BatchNormalization("bn", canonical, dtype)
    layer.build([in_shape], np.random.default_rng(0))
    return layer, canonical


@pytest.mark.parametrize("in_shape", [(4,), (3, 3, 2), (5, 3)])
def test_bn_training_gradients(in_shape):
    layer, _ = make({}, in_shape)
    rng = np.random.default_rng(1)
    layer.params["gamma"][:] = rng.uniform(0.5, 2, in_shape[-1])
    layer.params["beta"][:] = rng.normal(size=in_shape[-1])
    x = rng.normal(size=(6, *in_shape)) * 2 + 1
    r = rng.normal(size=x.shape)

    def loss():
        return float(np.sum(layer.forward([x], True) * r))

    loss()
    dx = layer.backward(r.copy())[0]
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    assert_grad_close(dx, numeric_grad(loss, x), rtol=1e-5, atol=1e-6)
    for name in ("gamma", "beta"):
        assert_grad_close(analytic[name], numeric_grad(loss, layer.params[name]))


def test_bn_inference_gradient():
    layer, _ = make({"epsilon": 0.01}, (3,))
    layer.state["moving_mean"][:] = [0.5, -1, 2]
    layer.state["moving_variance"][:] = [0.3, 2, 1.5]
    x = np.random.default_rng(2).normal(size=(4, 3))
    r = np.random.default_rng(3).normal(size=(4, 3))

    def loss():
        return float(np.sum(layer.forward([x], False) * r))

    loss()
    assert_grad_close(layer.backward(r.copy())[0], numeric_grad(loss, x))


def test_bn_training_output_is_normalised_per_channel():
    layer, canonical = make({}, (4, 4, 3))
    x = np.random.default_rng(4).normal(size=(8, 4, 4, 3)) * [1, 5, 0.2] + [3, -2, 10]
    y = layer.forward([x], True)
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 1, 2)), x.var(axis=(0, 1, 2)) / (x.var(axis=(0, 1, 2)) + 1e-3))
    assert layer.output_shape == LAYER_TYPES["BatchNormalization"].output_shape(canonical, [(4, 4, 3)])
    n_arrays = sum(a.size for a in layer.weight_arrays().values())
    assert n_arrays == LAYER_TYPES["BatchNormalization"].param_count(canonical, [(4, 4, 3)])


def test_bn_moving_averages_follow_keras_rule():
    layer, _ = make({"momentum": 0.9}, (2,))
    batches = [np.array([[1.0, 2.0], [3.0, 6.0]]), np.array([[0.0, 1.0], [2.0, 1.0], [4.0, 4.0]])]
    for b in batches:
        layer.forward([b], True)
    # by hand: batch 1 mean (2, 4), biased var (1, 4); batch 2 mean (2, 2), biased var (8/3, 2)
    mean1 = np.array([0.1 * 2, 0.1 * 4])
    var1 = np.array([0.9 + 0.1 * 1, 0.9 + 0.1 * 4])
    np.testing.assert_allclose(layer.state["moving_mean"], 0.9 * mean1 + 0.1 * np.array([2, 2]))
    np.testing.assert_allclose(layer.state["moving_variance"], 0.9 * var1 + 0.1 * np.array([8 / 3, 2]))


def test_bn_inference_uses_moving_stats_and_does_not_update_them():
    layer, _ = make({"epsilon": 0.001}, (2,))
    layer.state["moving_mean"][:] = [1.0, -2.0]
    layer.state["moving_variance"][:] = [4.0, 0.25]
    layer.params["gamma"][:] = [2.0, 1.0]
    layer.params["beta"][:] = [0.5, 0.0]
    x = np.array([[3.0, -1.0], [1.0, -2.0]])
    y = layer.forward([x], False)
    expected = (x - [1.0, -2.0]) / np.sqrt(np.array([4.0, 0.25]) + 0.001) * [2.0, 1.0] + [0.5, 0.0]
    np.testing.assert_allclose(y, expected)
    np.testing.assert_array_equal(layer.state["moving_mean"], [1.0, -2.0])
    np.testing.assert_array_equal(layer.state["moving_variance"], [4.0, 0.25])


def test_bn_float32_stays_float32():
    layer, _ = make({}, (5,), np.float32)
    x = np.random.default_rng(0).normal(size=(16, 5)).astype(np.float32)
    y = layer.forward([x], True)
    dx = layer.backward(np.ones_like(y))[0]
    assert y.dtype == dx.dtype == layer.grads["gamma"].dtype == layer.state["moving_mean"].dtype == np.float32
    assert set(layer.weight_arrays()) == {"gamma", "beta", "moving_mean", "moving_variance"}


def test_bn_in_a_network_trains_and_predicts_with_moving_stats():
    from designer.engine.network import Network
    from designer.graph import Graph

    g = Graph()
    g.add_node("Input", {"shape": [4, 4, 2]}, node_id="in")
    g.add_node("Conv2D", {"filters": 3, "kernel_size": 3, "padding": "same"}, node_id="conv")
    g.add_node("BatchNormalization", {"momentum": 0.5}, node_id="bn")
    g.add_node("MaxPooling2D", {}, node_id="pool")
    g.add_node("Flatten", {}, node_id="flat")
    for a, b in [("in", "conv"), ("conv", "bn"), ("bn", "pool"), ("pool", "flat")]:
        g.connect(a, b)
    net = Network.from_graph(g, seed=0)
    x = np.random.default_rng(0).normal(size=(8, 4, 4, 2)).astype(np.float32)
    out = net.forward(x, training=True)
    assert out.shape == (8, 12)
    z = net.activations["conv"]
    np.testing.assert_allclose(net.layers["bn"].state["moving_mean"], 0.5 * z.mean(axis=(0, 1, 2)), rtol=1e-5)
    pred = net.predict(x)
    bn = net.layers["bn"]
    expected_bn = (z - bn.state["moving_mean"]) / np.sqrt(bn.state["moving_variance"] + 1e-3)
    np.testing.assert_allclose(net.activations["bn"], expected_bn, rtol=1e-4, atol=1e-5)
    assert pred.shape == (8, 12)
