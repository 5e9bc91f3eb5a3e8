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


def test_a_regressions_scatter_pairs_are_float64_whatever_the_network_computes_in():
    from tests.training.helpers import plane

    data = plane(n=40, seed=2)
    net = mlp(out_units=1, out_activation="linear", seed=2)
    result = probes.evaluate_run(net, data, {"loss": "mean_squared_error"})
    assert result["y_true"].dtype == result["y_pred"].dtype == np.float64
    assert result["y_pred"].shape == result["y_true"].shape == (len(data.x_val),)


def test_worst_rows_show_the_held_out_rows_as_they_were_read_numbered_by_data_row():
    import pandas as pd

    from tests.training.helpers import plane

    data = plane(n=40, seed=2)
    n = len(data.x_val)
    raw = pd.DataFrame({"a": [f"text {i}" for i in range(n)], "b": [float(i) for i in range(n)]},
                       index=range(100, 100 + n))
    data.raw_rows = {"val": raw}
    net = mlp(out_units=1, out_activation="linear", seed=2)
    rows = probes.worst_rows(net, data.x_val, data.y_val, None, data, count=3, split="val")
    err = np.abs(net.predict(data.x_val)[:, 0].astype(np.float64) - data.y_val[:, 0])
    worst = np.argsort(-err, kind="stable")[:3]
    assert [r["row"] for r in rows] == [101 + int(i) for i in worst]  # data row 100 is the 101st row
    assert [(r["a"], r["b"]) for r in rows] == [(f"text {i}", float(i)) for i in worst]


def test_a_predicted_class_beyond_the_known_ones_gets_its_own_column():
    from designer.training.metrics import confusion_matrix

    # true 0, 1, 1; predicted 0, 3, 1 with two known classes: class 3 needs a 4 x 4 matrix
    expected = np.zeros((4, 4), np.int64)
    expected[0, 0] = expected[1, 3] = expected[1, 1] = 1
    assert np.array_equal(confusion_matrix([0, 1, 1], [0, 3, 1], 2), expected)
