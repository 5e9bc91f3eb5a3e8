"""The plane probe's edges: a unit that never fires maps to zeros, a probe over no rows is centred at zero,
and the axes must be two different features that exist."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from designer.training import probes
from tests.training.helpers import mlp


def test_a_unit_that_never_fires_maps_to_zeros_and_the_others_to_their_own_peak():
    net = mlp(units=(3,), seed=1)
    w = net.get_weights()
    w["dense_1/kernel"][:, 0] = 0.0
    w["dense_1/bias"][0] = 0.0  # tanh(0) = 0 everywhere on the plane
    net.set_weights(w)
    _, _, points = probes.plane_grid(np.array([[-2.0, -1.0], [2.0, 1.0]]), resolution=40)
    maps = probes.neuron_maps(net, ["dense_1"], points, 40)["dense_1"]
    hidden = np.tanh(points.astype(np.float64) @ w["dense_1/kernel"] + w["dense_1/bias"])  # (1600, 3)
    assert np.array_equal(maps[0], np.zeros((40, 40), np.float32))
    expected = (hidden[:, 1:] / np.abs(hidden[:, 1:]).max(axis=0)).T.reshape(2, 40, 40)
    assert maps[1:] == pytest.approx(expected, abs=1e-5)


def _prepared(x):
    return SimpleNamespace(x_train=x.astype(np.float32), y_train=np.zeros(len(x)), feature_names=[])


def test_a_probe_over_no_rows_holds_every_feature_at_zero():
    probe = probes.PlaneProbe(SimpleNamespace(), None, _prepared(np.zeros((0, 3))))
    assert probe.centre.dtype == np.float32 and np.array_equal(probe.centre, np.zeros(3, np.float32))


@pytest.mark.parametrize("axes", [(0, 3), (3, 0), (-1, 1), (1, 1)])
def test_the_axes_must_be_two_different_existing_features(axes):
    probe = probes.PlaneProbe(SimpleNamespace(), None, _prepared(np.arange(12.0).reshape(4, 3)))
    with pytest.raises(ValueError, match=f"two different features between 0 and 2 are needed, got {axes[0]} and "
                                         f"{axes[1]}"):
        probe.set_axes(*axes)
    probe.set_axes(2, 0)
    assert probe.axes == (2, 0)
