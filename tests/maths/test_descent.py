"""The gradient-descent view's surface is the loss at those weights; its paths are the engine's optimizers."""

import numpy as np
import pytest

from designer.engine.losses import encode_targets, get_loss
from designer.engine.network import Network
from designer.maths import descent
from tests.maths.test_stepper import chain


def setup(dtype=np.float32):
    net = Network.from_graph(chain([4, 1], ["tanh", "sigmoid"]), seed=2, dtype=dtype)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2)).astype(dtype)
    y = encode_targets("binary_crossentropy", (x[:, 0] + x[:, 1] > 0).astype(int), 1)
    return net, x, y, get_loss("binary_crossentropy")


def test_surface_equals_the_loss_evaluated_at_those_weights():
    net, x, y, loss = setup()
    a, b = descent.WeightRef("d0/kernel", 0), descent.WeightRef("d1/bias", 0)
    before = {k: v.copy() for k, v in net.parameters()}
    was, wbs, z = descent.loss_surface(net, x, y, loss, a, b, span=1.5, resolution=7)
    for k, v in net.parameters():  # the weights are restored
        np.testing.assert_array_equal(v, before[k])
    for j, i in [(0, 0), (3, 3), (6, 2), (1, 5)]:
        probe = Network.from_graph(chain([4, 1], ["tanh", "sigmoid"]), seed=2)
        probe.set_weights(before)
        probe.layers["d0"].params["kernel"].flat[0] = was[i]
        probe.layers["d1"].params["bias"].flat[0] = wbs[j]
        pred = probe.forward(x)
        assert z[j, i] == pytest.approx(get_loss("binary_crossentropy").forward(pred, y), rel=1e-6)
    # the current point sits in the middle of the grid
    assert z[3, 3] == pytest.approx(net.loss_value(x, y, loss), rel=1e-6)


def test_sgd_path_takes_minus_lr_times_the_finite_difference_slope():
    net, x, y, loss = setup(np.float64)
    a, b = descent.WeightRef("d0/kernel", 1), descent.WeightRef("d0/kernel", 6)
    start = descent.get_pair(net, a, b)
    path, losses = descent.descent_path(net, x, y, loss, a, b, {"type": "sgd", "learning_rate": 0.3}, steps=5)
    h = 1e-6
    slope = []
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        descent.set_pair(net, a, b, start + e)
        up = net.loss_value(x, y, loss)
        descent.set_pair(net, a, b, start - e)
        down = net.loss_value(x, y, loss)
        slope.append((up - down) / (2 * h))
    descent.set_pair(net, a, b, start)
    np.testing.assert_allclose(path[1] - path[0], -0.3 * np.array(slope), rtol=1e-5, atol=1e-9)
    assert path.shape == (6, 2) and len(losses) == 6
    assert losses[-1] < losses[0]
    np.testing.assert_array_equal(descent.get_pair(net, a, b), start)


def test_three_optimizers_start_together_and_go_different_ways():
    net, x, y, loss = setup()
    a, b = descent.WeightRef("d1/kernel", 0), descent.WeightRef("d1/kernel", 1)
    paths = descent.compare_optimizers(net, x, y, loss, a, b, learning_rate=0.2, steps=30)
    assert set(paths) == {"SGD", "Momentum", "Adam"}
    starts = [p[0][0] for p in paths.values()]
    assert all(np.array_equal(s, starts[0]) for s in starts)
    ends = [p[0][-1] for p in paths.values()]
    assert not np.allclose(ends[0], ends[1]) and not np.allclose(ends[0], ends[2])
    for _path, losses in paths.values():
        assert losses[-1] < losses[0]


def test_weight_refs_and_labels():
    net, *_ = setup()
    refs = descent.weight_refs(net)
    assert len(refs) == 2 * 4 + 4 + 4 + 1
    assert refs[0].label(net) == "d0/kernel[0, 0]"
    assert refs[8].label(net) == "d0/bias[0]"
