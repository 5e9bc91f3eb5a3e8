"""The decision boundary's plane for more than two features: a slice with the other features at their median."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from designer.training.probes import PlaneProbe, default_axes


class _Recording:
    """A network stand-in that records the rows it is asked about (the slice's full input rows)."""

    def __init__(self):
        self.rows = None

    def predict(self, x):
        self.rows = np.array(x)
        return np.column_stack([1 / (1 + np.exp(-x[:, 0])), 1 - 1 / (1 + np.exp(-x[:, 0]))])


def _prepared(x, names=None, shape=None):
    return SimpleNamespace(x_train=x.astype(np.float32), y_train=np.arange(len(x)) % 2,
                           feature_names=names or [], input_shape=shape or (x.shape[1],))


def test_a_slice_varies_two_features_and_holds_the_others_at_their_median():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.integers(0, 2, 50), rng.normal(size=50), rng.integers(0, 2, 50), rng.normal(size=50)])
    net = _Recording()
    probe = PlaneProbe(SimpleNamespace(), net, _prepared(x, ["flag a", "length", "flag b", "mass"]))
    assert probe.axes == (1, 3)  # the measurements, not the one-hot flags
    xs, ys, values = probe.boundary()
    rows = net.rows
    assert values.shape == (len(ys), len(xs))
    median = np.median(x.astype(np.float32), axis=0)
    assert np.allclose(rows[:, 0], median[0]) and np.allclose(rows[:, 2], median[2])
    assert len(np.unique(rows[:, 1])) == len(xs) and len(np.unique(rows[:, 3])) == len(ys)
    assert np.allclose(probe.points[0], x[:, [1, 3]])
    assert probe.describe() == {"features": ["flag a", "length", "flag b", "mass"], "axes": (1, 3), "held": 2}
    probe.set_axes(0, 1)
    assert np.allclose(probe.points[0], x[:, [0, 1]])
    with pytest.raises(ValueError):
        probe.set_axes(2, 2)


def test_two_features_are_the_whole_plane_and_image_data_gets_no_plane():
    x = np.random.default_rng(1).normal(size=(30, 2))
    net = _Recording()
    probe = PlaneProbe.for_run(SimpleNamespace(), net, _prepared(x))
    assert probe is not None and probe.axes == (0, 1)
    xs, ys, _ = probe.boundary()
    gx, gy = np.meshgrid(xs, ys)
    assert np.allclose(net.rows, np.column_stack([gx.ravel(), gy.ravel()]))
    assert PlaneProbe.for_run(SimpleNamespace(), net, _prepared(np.zeros((4, 64)), shape=(8, 8, 1))) is None


def test_default_axes_prefer_many_distinct_values_then_the_earlier_column():
    x = np.column_stack([np.zeros(10), np.arange(10), np.arange(10) % 2, np.arange(10)])
    assert default_axes(x) == (1, 3)
