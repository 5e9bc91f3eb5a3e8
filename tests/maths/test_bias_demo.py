"""Without a bias the boundary passes through the origin; with it the same neuron separates the blobs."""

import numpy as np
import pytest

from designer.maths import bias_demo


def test_without_bias_the_boundary_goes_through_the_origin():
    with_bias, without = bias_demo.compare(epochs=300)
    assert with_bias.accuracy > 0.95
    assert without.accuracy < 0.8
    assert "output/bias" not in without.network.get_weights()
    # the network without bias outputs exactly 0.5 at the origin, and so does every point on w·x = 0
    assert without.network.predict(np.zeros((1, 2), np.float32))[0, 0] == pytest.approx(0.5, abs=1e-6)
    assert with_bias.network.predict(np.zeros((1, 2), np.float32))[0, 0] < 0.1
    # the window shows the origin
    assert without.xs[0] < 0 < without.xs[-1] and without.ys[0] < 0 < without.ys[-1]


def test_a_hidden_tanh_layer_without_bias_still_maps_the_origin_to_one_half():
    x, y = bias_demo.shifted_blobs(80)
    run = bias_demo.train(False, x, y, epochs=50, hidden=4)
    assert run.network.predict(np.zeros((1, 2), np.float32))[0, 0] == pytest.approx(0.5, abs=1e-6)
