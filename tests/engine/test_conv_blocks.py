"""Conv2D → MaxPooling2D with the conv's output grouped by window offset while training (Conv2D.pool_blocks):
the same outputs, gradients and tie-breaking as the natural pixel order, for both im2col layouts."""

from __future__ import annotations

import numpy as np
import pytest

from designer.engine.losses import encode_targets, get_loss
from designer.engine.network import Network
from designer.graph.model import Graph
from tests.engine.gradcheck import Capture, assert_grad_close, numeric_grad


@pytest.fixture(params=["nhwc", "planes"])
def layout(request, monkeypatch):
    import designer.engine.conv as conv

    monkeypatch.setattr(conv, "_PLANE_RUN", 0 if request.param == "nhwc" else 1 << 20)
    return request.param


def _net(activation: str, pool: dict, blocked: bool, conv_first: bool = False, width: int = 9) -> Network:
    """Input 8×width×2 → [Conv2D 2 3×3 tanh →] Conv2D 3 3×3 "same" → MaxPooling2D → Flatten → Dense 3 softmax.
    With conv_first the pooled conv has a trainable layer upstream, so its input gradient (col2im) runs too."""
    g = Graph()
    g.add_node("Input", {"shape": [8, width, 2]}, node_id="in")
    chain = ["in"]
    if conv_first:
        g.add_node("Conv2D", {"filters": 2, "kernel_size": 3, "padding": "same", "activation": "tanh"}, node_id="c0")
        chain.append("c0")
    g.add_node("Conv2D", {"filters": 3, "kernel_size": 3, "padding": "same", "activation": activation},
               node_id="conv")  # fmt: skip
    g.add_node("MaxPooling2D", pool, node_id="pool")
    g.add_node("Flatten", {}, node_id="flat")
    g.add_node("Dense", {"units": 3, "activation": "softmax"}, node_id="out")
    chain += ["conv", "pool", "flat", "out"]
    for s, d in zip(chain, chain[1:]):
        g.connect(s, d)
    net = Network.from_graph(g, seed=4, dtype=np.float64)
    if not blocked:
        net.layers["conv"].pool_blocks = None
        net.layers["pool"].blocked_input = False
    return net


def _grads(net, x, y_enc, loss):
    opt = Capture()
    value = net.train_batch(x, y_enc, loss, opt)
    return value, opt.grads


# pools whose windows tile the 8×9 output: rectangles, a single row, half the height; 2×2 and 3×3 leave the
# last column, or the last two rows, uncovered (those conv outputs are then not computed while training)
POOLS = [{"pool_size": [2, 3]}, {"pool_size": [1, 3]}, {"pool_size": [4, 3]}, {"pool_size": [2, 1]},
         {"pool_size": 2}, {"pool_size": 3}]


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("activation", ["relu", "tanh", "linear", "elu"])
def test_blocked_order_gives_the_natural_order_results(activation, pool, layout):
    blocked = _net(activation, pool, True, conv_first=True)
    natural = _net(activation, pool, False, conv_first=True)
    assert blocked.layers["conv"].pool_blocks is not None and blocked.layers["pool"].blocked_input
    x = np.random.default_rng(0).normal(size=(5, 8, 9, 2))
    x[:, :3] = 0.0  # plateaus: ties inside pooling windows (the first conv's bias makes them equal, not 0)
    y_enc = encode_targets("categorical_crossentropy", np.arange(5) % 3, 3).astype(np.float64)
    loss = get_loss("categorical_crossentropy")
    np.testing.assert_array_equal(blocked.forward(x, training=False), natural.forward(x, training=False))
    np.testing.assert_allclose(blocked.forward(x, training=True), natural.forward(x, training=True), rtol=1e-12)
    (va, ga), (vb, gb) = _grads(blocked, x, y_enc, loss), _grads(natural, x, y_enc, loss)
    assert va == pytest.approx(vb, rel=1e-12)
    for a, b in zip(ga, gb):  # the same winners on ties: a different one would change a gradient entirely
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    # the network input's gradient runs through the first conv's col2im and the blocked one's
    gx = []
    for net in (blocked, natural):
        net.forward(x, training=True)
        gx.append(net.backward(np.ones((5, 3)), input_grad=True))
    np.testing.assert_allclose(gx[0], gx[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_blocked_order_gradients_match_finite_differences(activation, layout):
    net = _net(activation, {"pool_size": [2, 3]}, True, conv_first=True)
    x = np.random.default_rng(1).normal(size=(3, 8, 9, 2))
    y_enc = encode_targets("categorical_crossentropy", np.arange(3) % 3, 3).astype(np.float64)
    loss = get_loss("categorical_crossentropy")
    _, grads = _grads(net, x, y_enc, loss)
    for (key, p), grad in zip(net.parameters(), grads):
        if key.startswith(("conv", "c0")):
            assert_grad_close(grad, numeric_grad(lambda: net.loss_value(x, y_enc, loss), p))


def test_blocked_tie_goes_to_the_first_maximum_in_row_major_order():
    net = _net("linear", {"pool_size": 2}, True, width=8)
    assert net.layers["conv"].pool_blocks == (2, 2)
    conv = net.layers["conv"]
    conv.params["kernel"][...] = 0.0
    conv.params["kernel"][1, 1, 0, :] = 1.0  # each filter copies channel 0 of the input
    conv.params["bias"][...] = 0.0
    x = np.zeros((1, 8, 8, 2))
    x[0, 0, 1, 0] = x[0, 1, 0, 0] = 5.0  # window (0, 0): (0, 1) and (1, 0) tie; (0, 1) comes first
    x[0, 2, 3, 0] = x[0, 3, 2, 0] = 5.0  # window (1, 1): (2, 3) and (3, 2) tie
    net.forward(x, training=True)
    dz = net.layers["pool"].backward(np.ones((1, 4, 4, 3)))[0]
    natural = np.zeros((1, 8, 8, 3))
    for a in range(2):
        for b in range(2):
            natural[0, a::2, b::2] = dz[a, b, 0]
    np.testing.assert_array_equal(natural[0, :2, :2, 0], [[0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(natural[0, 2:4, 2:4, 0], [[0.0, 1.0], [0.0, 0.0]])
    assert natural[0, :, :, 0].sum() == 16.0  # one winner per window


def test_conv_keeps_natural_order_where_the_pool_windows_do_not_tile():
    for pool in ({"pool_size": 3, "strides": 1}, {"pool_size": 2, "strides": 1}, {"pool_size": 2, "padding": "same"}):
        net = _net("relu", pool, True)  # overlapping windows; padding on the 9 columns
        assert net.layers["conv"].pool_blocks is None and not net.layers["pool"].blocked_input, pool


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("activation", ["relu", "tanh", "linear", "elu"])
def test_first_conv_takes_its_kernel_gradient_from_the_pool_block_by_block(activation, pool, layout, monkeypatch):
    import designer.engine.conv as conv

    monkeypatch.setattr(conv, "_ROUTED_BLOCK_MIN", 0)  # the test's blocks are small
    routed = _net(activation, pool, True)  # the pooled conv comes first: no input gradient wanted
    separate = _net(activation, pool, True)
    separate._pool_into_conv = {}  # the pool's whole gradient, then the conv's product
    natural = _net(activation, pool, False)
    x = np.random.default_rng(2).normal(size=(5, 8, 9, 2))
    x[:, :3] = 0.0  # plateaus: ties inside pooling windows (the conv's bias makes them equal)
    y_enc = encode_targets("categorical_crossentropy", np.arange(5) % 3, 3).astype(np.float64)
    loss = get_loss("categorical_crossentropy")
    results = [_grads(net, x, y_enc, loss) for net in (routed, separate, natural)]
    assert routed.layers["conv"].takes_pool_gradient(routed.layers["pool"])
    for value, grads in results[1:]:
        assert value == pytest.approx(results[0][0], rel=1e-12)
        for a, b in zip(results[0][1], grads):  # the same winners on ties
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    if activation in ("relu", "tanh"):
        x = np.random.default_rng(3).normal(size=(3, 8, 9, 2))  # no plateaus: no kinks for finite differences
        _, grads = _grads(routed, x, y_enc[:3], loss)
        for (_key, p), grad in zip(routed.parameters(), grads):
            assert_grad_close(grad, numeric_grad(lambda: routed.loss_value(x, y_enc[:3], loss), p))


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_blocked_forward_block_by_block_gives_the_whole_matrix_results(activation, pool, monkeypatch):
    """The pooled second conv (NHWC im2col) copies and multiplies one window-offset block at a time
    (Conv2D._forward_by_block) above a size: the same outputs and gradients as one copy and one product, and
    the gradients those give are the true ones."""
    import designer.engine.conv as conv

    monkeypatch.setattr(conv, "_PLANE_RUN", 0)  # the NHWC im2col rows, where the block-by-block path runs
    x = np.random.default_rng(3).normal(size=(5, 8, 9, 2))
    y_enc = encode_targets("categorical_crossentropy", np.arange(5) % 3, 3).astype(np.float64)
    loss = get_loss("categorical_crossentropy")
    results = []
    for chunked_min in (0, 1 << 62):
        monkeypatch.setattr(conv, "_CHUNKED_MIN", chunked_min)
        net = _net(activation, pool, True, conv_first=True)
        calls = []
        layer = net.layers["conv"]
        by_block = layer._forward_by_block
        layer._forward_by_block = lambda win, f=by_block, seen=calls: seen.append(1) or f(win)
        out = net.forward(x, training=True)
        results.append((out, *_grads(net, x, y_enc, loss)))
        assert bool(calls) == (chunked_min == 0)
    (out_a, va, ga), (out_b, vb, gb) = results
    np.testing.assert_allclose(out_a, out_b, rtol=1e-12, atol=1e-14)
    assert va == pytest.approx(vb, rel=1e-12)
    for a, b in zip(ga, gb):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    monkeypatch.setattr(conv, "_CHUNKED_MIN", 0)
    net = _net(activation, pool, True, conv_first=True)
    _, grads = _grads(net, x, y_enc, loss)
    for (key, p), grad in zip(net.parameters(), grads):
        if key.startswith("conv"):
            assert_grad_close(grad, numeric_grad(lambda: net.loss_value(x, y_enc, loss), p))


@pytest.mark.parametrize("contiguous", [True, False])
def test_first_conv_reads_its_transposed_im2col_straight_from_the_batch(contiguous, monkeypatch):
    """An unpadded conv with few input channels builds its transposed im2col from a strided view of the batch
    (Conv2D._plane_windows) instead of a channels-first copy: the same outputs and gradients bit for bit, for
    the blocked (pooled, training) and the natural order; a non-contiguous batch takes the copy."""
    import designer.engine.conv as conv

    monkeypatch.setattr(conv, "_PLANE_RUN", 1 << 20)
    g = Graph()
    g.add_node("Input", {"shape": [8, 9, 2]}, node_id="in")
    g.add_node("Conv2D", {"filters": 3, "kernel_size": [3, 2], "activation": "relu"}, node_id="conv")
    g.add_node("MaxPooling2D", {"pool_size": 2}, node_id="pool")
    g.add_node("Flatten", {}, node_id="flat")
    g.add_node("Dense", {"units": 3, "activation": "softmax"}, node_id="out")
    for s, d in [("in", "conv"), ("conv", "pool"), ("pool", "flat"), ("flat", "out")]:
        g.connect(s, d)
    rng = np.random.default_rng(6)
    x = rng.normal(size=(5, 8, 9, 4))[..., ::2] if not contiguous else rng.normal(size=(5, 8, 9, 2))
    y_enc = encode_targets("categorical_crossentropy", np.arange(5) % 3, 3).astype(np.float64)
    loss = get_loss("categorical_crossentropy")
    results = []
    for direct in (True, False):
        monkeypatch.setattr(conv, "_DIRECT_PLANES", direct)
        net = Network.from_graph(g, seed=7, dtype=np.float64)
        layer = net.layers["conv"]
        assert layer._planes and not layer.padded and layer.pool_blocks == (2, 2)
        views = []
        plane_windows = layer._plane_windows
        layer._plane_windows = lambda a, f=plane_windows, seen=views: seen.append(1) or f(a)
        outs = [net.forward(x, training=False), net.forward(x, training=True)]
        results.append((outs, *_grads(net, x, y_enc, loss)))
        assert bool(views) == (direct and contiguous)
    (oa, va, ga), (ob, vb, gb) = results
    for a, b in zip(oa, ob):
        np.testing.assert_array_equal(a, b)
    assert va == vb
    for a, b in zip(ga, gb):
        np.testing.assert_array_equal(a, b)
    monkeypatch.setattr(conv, "_DIRECT_PLANES", True)
    net = Network.from_graph(g, seed=7, dtype=np.float64)
    _, grads = _grads(net, x, y_enc, loss)
    assert_grad_close(grads[0], numeric_grad(lambda: net.loss_value(x, y_enc, loss), net.parameters()[0][1]))
