"""The dashboard's probes (decision boundary, neuron maps, worst rows, final evaluation) against values the test
computes itself from the network's weights and first principles — never from the probe under test."""

from __future__ import annotations

import numpy as np
import pytest

from designer.data.prepared import PreparedData
from designer.engine.losses import get_loss
from designer.training import probes
from tests.training.helpers import blobs, mlp, mlp_graph, plane

EPS = 1e-7  # the engine's probability clip (Keras' epsilon)


def _window(values, margin=probes.MARGIN):
    values = np.asarray(values, dtype=np.float64)
    lo, hi = values.min(), values.max()
    span = hi - lo if hi > lo else 1.0
    return lo - margin * span, hi + margin * span


def _hidden_tanh(net, layer_id, points):
    layer = net.layers[layer_id]
    return np.tanh(points.astype(np.float64) @ layer.params["kernel"] + layer.params["bias"])


# ------------------------------------------------------------------------------------------ decision boundary


def test_the_boundary_grid_is_the_data_window_plus_margin_indexed_y_then_x():
    x = np.array([[0.0, 10.0], [4.0, 20.0], [2.0, 15.0]])
    xs, ys, values = probes.boundary_grid(lambda g: 3 * g[:, :1] - g[:, 1:], x, resolution=7)
    assert xs == pytest.approx(np.linspace(*_window(x[:, 0]), 7))
    assert ys == pytest.approx(np.linspace(*_window(x[:, 1]), 7))
    assert values.shape == (7, 7)
    for iy in (0, 3, 6):
        for ix in (0, 5):
            assert values[iy, ix] == pytest.approx(3 * xs[ix] - ys[iy], rel=1e-5)


def test_the_boundary_value_is_class_ones_probability_for_two_outputs_and_the_class_for_more():
    x = np.array([[0.0, 0.0], [1.0, 1.0]])
    two = probes.boundary_grid(lambda g: np.column_stack([1 - g[:, 0] / 2, g[:, 0] / 2]), x, 5)[2]
    xs = np.linspace(*_window(x[:, 0]), 5)
    assert two[2] == pytest.approx(xs / 2, rel=1e-6)
    three = probes.boundary_grid(lambda g: np.column_stack([g[:, 0], g[:, 1], 0.5 + 0 * g[:, 0]]), x, 5)[2]
    xs3, ys3 = np.meshgrid(xs, np.linspace(*_window(x[:, 1]), 5))
    expected = np.argmax(np.stack([xs3, ys3, np.full_like(xs3, 0.5)]), axis=0)
    assert np.array_equal(three, expected.astype(float))
    one_dim = probes.boundary_grid(lambda g: g[:, 1], x, 3)[2]
    assert one_dim[:, 0] == pytest.approx(np.linspace(*_window(x[:, 1]), 3), rel=1e-6)


def test_a_flat_axis_still_gets_a_window_and_the_resolution_is_at_least_two():
    xs, ys, values = probes.boundary_grid(lambda g: g[:, 0], np.array([[5.0, 1.0], [5.0, 3.0]]), resolution=1)
    assert len(xs) == len(ys) == 2 and values.shape == (2, 2)
    assert (xs[0], xs[-1]) == pytest.approx((5.0 - probes.MARGIN, 5.0 + probes.MARGIN))


@pytest.mark.parametrize("bad", [np.zeros((4,)), np.zeros((4, 3)), np.zeros((0, 2)), np.zeros((2, 2, 1))])
def test_the_boundary_refuses_anything_but_points_in_a_plane(bad):
    with pytest.raises(ValueError, match=r"boundary_grid needs points of shape \(n, 2\), got "):
        probes.boundary_grid(lambda g: g, bad)


def test_the_plane_grid_matches_the_boundary_window_in_row_major_order():
    x = np.array([[-1.0, 2.0], [3.0, 6.0]])
    xs, ys, points = probes.plane_grid(x, resolution=4)
    assert points.dtype == np.float32 and points.shape == (16, 2)
    assert xs == pytest.approx(probes.boundary_grid(lambda g: g[:, 0], x, 4)[0])
    assert points[1] == pytest.approx([xs[1], ys[0]]) and points[4] == pytest.approx([xs[0], ys[1]])
    assert probes.plane_grid(np.array([[2.0, 2.0]]), 2)[0] == pytest.approx([2 - probes.MARGIN, 2 + probes.MARGIN])


# ---------------------------------------------------------------------------------------------- neuron maps


def test_neuron_layers_are_the_small_hidden_dense_layers_of_a_two_input_net_in_order():
    net = mlp(units=(3, 4))
    assert probes.neuron_layers(mlp_graph((3, 4)), net) == ["dense_1", "dense_2"]  # not the output dense_3
    too_wide = probes.MAX_UNITS + 1
    assert probes.neuron_layers(mlp_graph((too_wide, 2)), mlp(units=(too_wide, 2))) == ["dense_2"]
    assert probes.neuron_layers(mlp_graph((3,)), mlp(n_features=3, units=(3,))) == []


def test_neuron_maps_are_each_units_activation_over_the_plane_scaled_by_its_own_peak():
    net = mlp(units=(3,), seed=4)
    xs, ys, points = probes.plane_grid(np.array([[-2.0, -1.0], [2.0, 1.0]]), resolution=5)
    maps = probes.neuron_maps(net, ["dense_1"], points, 5)["dense_1"]
    hidden = _hidden_tanh(net, "dense_1", points)  # (25, 3)
    expected = (hidden / np.abs(hidden).max(axis=0)).T.reshape(3, 5, 5)
    assert maps.shape == (3, 5, 5) and maps.dtype == np.float32
    assert maps == pytest.approx(expected, abs=1e-5)
    assert np.abs(maps).max(axis=(1, 2)) == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------- worst rows


def test_worst_rows_of_a_classifier_are_the_rows_with_the_largest_cross_entropy_first():
    data, net = blobs(n=60, seed=3), mlp(seed=1)
    loss = get_loss("categorical_crossentropy")
    rows = probes.worst_rows(net, data.x_val, data.y_val, loss, data, count=5)
    p = net.predict(data.x_val).astype(np.float64)
    per_row = -np.log(np.clip(p[np.arange(len(p)), data.y_val], EPS, 1 - EPS))
    order = np.argsort(-per_row, kind="stable")[:5]
    assert [r["row"] for r in rows] == order.tolist()
    for r, i in zip(rows, order):
        assert r["loss"] == pytest.approx(per_row[i], rel=1e-4)
        assert r["true"] == data.classes[data.y_val[i]]
        assert r["predicted"] == data.classes[int(np.argmax(p[i]))]
        assert r["confidence"] == pytest.approx(p[i].max(), rel=1e-6)
        assert (r["x0"], r["x1"]) == pytest.approx(tuple(data.x_val[i].astype(float)))


def test_worst_rows_of_a_sigmoid_classifier_report_the_confidence_of_the_predicted_class():
    data = blobs(n=40, seed=2)
    net = mlp(out_units=1, out_activation="sigmoid", seed=2)
    rows = probes.worst_rows(net, data.x_val, data.y_val, get_loss("binary_crossentropy"), data, count=40)
    p1 = net.predict(data.x_val)[:, 0].astype(np.float64)
    for r in rows:
        i = r["row"]
        assert r["predicted"] == data.classes[int(p1[i] > 0.5)]
        assert r["confidence"] == pytest.approx(max(p1[i], 1 - p1[i]), rel=1e-6)
    assert [r["loss"] for r in rows] == sorted((r["loss"] for r in rows), reverse=True)


def test_worst_rows_of_a_regression_are_the_largest_absolute_errors():
    data = plane(n=50, seed=5)
    net = mlp(out_units=1, out_activation="linear", seed=5)
    rows = probes.worst_rows(net, data.x_val, data.y_val, get_loss("mean_squared_error"), data, count=3)
    err = np.abs(net.predict(data.x_val)[:, 0].astype(np.float64) - data.y_val[:, 0])
    assert [r["row"] for r in rows] == np.argsort(-err, kind="stable")[:3].tolist()
    first = rows[0]
    assert first["abs error"] == pytest.approx(err.max(), rel=1e-5)
    assert first["true"] == pytest.approx(float(data.y_val[first["row"], 0]))
    assert first["predicted"] - first["true"] == pytest.approx(
        net.predict(data.x_val)[first["row"], 0] - data.y_val[first["row"], 0], rel=1e-5)


def test_worst_rows_list_features_only_for_narrow_data_and_never_more_than_count_or_rows():
    n_wide = probes.WORST_FEATURE_COLUMNS + 1
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, n_wide)).astype(np.float32)
    y = rng.integers(0, 2, 6)
    wide = PreparedData(x, y, x, y, x[:0], y[:0], "classification", ["a", "b"], [], "t", (n_wide,))
    rows = probes.worst_rows(mlp(n_features=n_wide), x, y, get_loss("categorical_crossentropy"), wide, count=10)
    assert len(rows) == 6
    assert set(rows[0]) == {"row", "true", "predicted", "confidence", "loss"}
    assert probes.worst_rows(mlp(), x[:0, :2], y[:0], get_loss("categorical_crossentropy"), blobs()) == []


def test_unnamed_features_are_called_x1_x2():
    data = blobs(n=10)
    data.feature_names = []
    rows = probes.worst_rows(mlp(), data.x_val, data.y_val, get_loss("categorical_crossentropy"), data, count=1)
    assert {"x1", "x2"} <= set(rows[0])


# ------------------------------------------------------------------------------------------ final evaluation


def test_evaluate_run_uses_the_test_split_then_validation_then_train():
    data, net = blobs(n=50, n_val=20, seed=1), mlp(seed=1)
    training = {"loss": "categorical_crossentropy"}
    assert probes.evaluate_run(net, data, training)["split"] == "validation"  # blobs() has no test rows
    with_test = PreparedData(data.x_train, data.y_train, data.x_val, data.y_val, data.x_val[:7], data.y_val[:7],
                             "classification", data.classes, data.feature_names, "label", (2,))
    result = probes.evaluate_run(net, with_test, training)
    assert result["split"] == "test" and result["samples"] == 7
    only_train = PreparedData(data.x_train, data.y_train, data.x_val[:0], data.y_val[:0], data.x_val[:0],
                              data.y_val[:0], "classification", data.classes, data.feature_names, "label", (2,))
    assert probes.evaluate_run(net, only_train, training)["split"] == "train"


def test_evaluate_run_of_a_classifier_has_the_confusion_matrix_and_per_class_scores():
    data, net = blobs(n=50, n_val=30, seed=6), mlp(seed=6)
    result = probes.evaluate_run(net, data, {"loss": "categorical_crossentropy"})
    y_hat = np.argmax(net.predict(data.x_val), axis=1)
    cm = np.zeros((2, 2), int)
    np.add.at(cm, (data.y_val, y_hat), 1)
    assert result["confusion_matrix"] == cm.tolist()
    assert result["classes"] == ["a", "b"]
    assert result["accuracy"] == pytest.approx(np.mean(y_hat == data.y_val))
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.diag(cm) / cm.sum(axis=1)
    assert np.allclose(result["recall"], np.nan_to_num(recall))
    assert len(result["worst"]) == min(probes.WORST_ROWS, 30)


def test_evaluate_run_of_a_regression_keeps_the_pairs_for_the_scatter_plot():
    data = plane(n=40, seed=2)
    net = mlp(out_units=1, out_activation="linear", seed=2)
    result = probes.evaluate_run(net, data, {"loss": "huber", "loss_params": {"delta": 0.5}})
    assert result["y_true"] == pytest.approx(data.y_val[:, 0].astype(float))
    assert result["y_pred"] == pytest.approx(net.predict(data.x_val)[:, 0].astype(float), rel=1e-6)
    err = result["y_pred"] - result["y_true"]
    huber = np.where(np.abs(err) <= 0.5, 0.5 * err**2, 0.5 * (np.abs(err) - 0.25))
    assert result["loss"] == pytest.approx(huber.mean(), rel=1e-4)
    assert "confusion_matrix" not in result


# ---------------------------------------------------------------------------------------------- the probe


def test_the_plane_probe_is_for_table_data_and_draws_the_current_weights():
    assert probes.PlaneProbe.for_run(mlp_graph((3,)), mlp(n_features=2), plane(n=20)) is not None
    three = plane(n=20)
    three.x_train = np.column_stack([three.x_train, three.x_train[:, 0]])
    sliced = probes.PlaneProbe.for_run(mlp_graph((3,)), mlp(n_features=3), three)
    assert sliced is not None and sliced.describe()["held"] == 1  # more features: a slice through two of them
    three.input_shape = (3, 1)
    assert probes.PlaneProbe.for_run(mlp_graph((3,)), mlp(n_features=3), three) is None  # image-shaped: none
    data, net = blobs(n=30, seed=8), mlp(units=(3,), seed=8)
    probe = probes.PlaneProbe.for_run(mlp_graph((3,)), net, data)
    xs, ys, values = probe.boundary()
    assert values.shape == (probes.BOUNDARY_RESOLUTION, probes.BOUNDARY_RESOLUTION)
    assert xs == pytest.approx(np.linspace(*_window(data.x_train[:, 0]), probes.BOUNDARY_RESOLUTION))
    gx, gy = np.meshgrid(xs, ys)
    p = net.predict(np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32))[:, 1]
    assert values.ravel() == pytest.approx(p, rel=1e-5)
    nxs, nys, maps = probe.neurons()
    assert list(maps) == ["dense_1"] and maps["dense_1"].shape == (3, probes.NEURON_RESOLUTION,
                                                                     probes.NEURON_RESOLUTION)
    hidden = _hidden_tanh(net, "dense_1", probes.plane_grid(data.x_train, probes.NEURON_RESOLUTION)[2])
    assert maps["dense_1"][:, 0, 0] == pytest.approx(hidden[0] / np.abs(hidden).max(axis=0), abs=1e-5)
    assert probes.PlaneProbe(mlp_graph((probes.MAX_UNITS + 1,)), mlp(units=(probes.MAX_UNITS + 1,)),
                             data).neurons() is None
