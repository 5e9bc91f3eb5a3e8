"""From a Project to a trained project: shapes from the data, clear misfit errors, weights, history."""

import copy

import numpy as np
import pytest

from designer.errors import ShapeError, TrainingError
from designer.project import Project
from designer.training.run import build_and_prepare, train_project
from tests.training.helpers import mlp_graph


def iris_project(out_units=3, **graph_kw) -> Project:
    p = Project(name="iris", graph=mlp_graph(units=(8,), out_units=out_units, **graph_kw))
    p.training.update({"epochs": 3, "optimizer": {"type": "adam", "learning_rate": 0.05}})
    return p


def test_input_shape_comes_from_the_data_and_the_graph_is_left_alone():
    project = iris_project()
    net, prepared = build_and_prepare(project, None)
    assert net.input_shape == (4,) and net.output_shape == (3,)
    assert prepared.n_classes == 3 and prepared.x_train.shape[1] == 4
    assert "shape" not in project.graph.node("input_1").params


def test_a_shaped_input_with_the_same_size_is_used():
    project = iris_project()
    g = project.graph
    g.node("input_1").params["shape"] = [2, 2]
    g.disconnect("input_1", "dense_1")
    g.add_node("Flatten", {}, node_id="flatten_1")
    g.connect("input_1", "flatten_1")
    g.connect("flatten_1", "dense_1")
    net, prepared = build_and_prepare(project, None)
    assert net.input_shape == (2, 2) and tuple(prepared.input_shape) == (2, 2)
    _, metrics = train_project(project, None, epochs=1)
    assert metrics["reason"] == "completed"


def test_misfits_raise_clear_errors():
    with pytest.raises(TrainingError, match="output layer dense_2 has 2 units but the data has 3 classes"):
        build_and_prepare(iris_project(out_units=2), None)
    with pytest.raises(ShapeError, match=r"Input layer input_1 has shape \[5\] \(5 values\) but the data has 4"):
        build_and_prepare(iris_project(input_shape=[5]), None)
    reg = iris_project(out_units=1, out_activation="linear")
    reg.data = {"source": {"kind": "builtin", "name": "diabetes"}, "target": "progression", "task": "regression"}
    with pytest.raises(TrainingError, match="categorical_crossentropy is for classification"):
        build_and_prepare(reg, None)
    reg.training["loss"] = "mean_squared_error"
    net, prepared = build_and_prepare(reg, None)
    assert prepared.task == "regression" and net.output_shape == (1,)


def test_single_unit_output_fits_two_classes_except_with_categorical_crossentropy():
    p = iris_project(out_units=1, out_activation="sigmoid")
    p.data = {"source": {"kind": "builtin", "name": "breast_cancer"}}  # the catalogue knows its target
    with pytest.raises(TrainingError, match="categorical_crossentropy needs one unit per class"):
        build_and_prepare(p, None)
    p.training["loss"] = "binary_crossentropy"
    trained, metrics = train_project(p, None, epochs=2)
    assert metrics["accuracy"] > 0.8 and metrics["reason"] == "completed"


def test_train_project_returns_an_updated_copy_with_history():
    project = iris_project()
    before = copy.deepcopy(project.training)
    trained, metrics = train_project(project, None, epochs=4, seed=5)
    assert project.weights == {} and project.history == [] and project.training == before
    assert set(trained.weights) == {"dense_1/kernel", "dense_1/bias", "dense_2/kernel", "dense_2/bias"}
    run = trained.history[-1]
    assert run["settings"]["epochs"] == 4 and run["settings"]["seed"] == 5
    assert [e["epoch"] for e in run["epochs"]] == [1, 2, 3, 4]
    assert run["reason"] == "completed"
    assert metrics["epochs_run"] == 4 and metrics["loss"] == run["epochs"][-1]["loss"]
    assert {"val_loss", "val_accuracy", "best_epoch"} <= set(metrics)
    # the same seed gives the same weights
    again, _ = train_project(project, None, epochs=4, seed=5)
    assert all(np.array_equal(again.weights[k], trained.weights[k]) for k in trained.weights)


def test_training_continues_from_saved_weights_unless_reset():
    project = iris_project()
    first, m1 = train_project(project, None, epochs=5)
    net, _ = build_and_prepare(first, None)
    assert all(np.array_equal(net.get_weights()[k], first.weights[k]) for k in first.weights)
    cont, m2 = train_project(first, None, epochs=5)
    fresh, m3 = train_project(first, None, epochs=5, reset=True)
    assert len(cont.history) == 2
    assert m2["loss"] < m1["loss"]  # continued training goes further down
    assert m3["loss"] == pytest.approx(m1["loss"])  # reset: the same run as the first


def test_misfit_saved_weights_are_reported_and_reinitialised():
    project = iris_project()
    project.weights = {"dense_1/kernel": np.zeros((7, 8), np.float32), "gone_3/kernel": np.ones(2, np.float32)}
    warnings = []
    net, _ = build_and_prepare(project, None, warnings_out=warnings)
    assert any("dense_1/kernel" in w and "re-initialised" in w for w in warnings)
    assert any("gone_3/kernel" in w for w in warnings)
    assert np.abs(net.get_weights()["dense_1/kernel"]).sum() > 0


def test_early_stopping_metrics_are_the_restored_epochs():
    project = iris_project()
    project.training["early_stopping"] = {"monitor": "loss", "patience": 0, "min_delta": 10.0,
                                          "restore_best_weights": True}
    trained, metrics = train_project(project, None, epochs=10)
    assert metrics["reason"] == "early_stopping" and metrics["best_epoch"] == 1
    assert metrics["epoch"] == 1 and metrics["epochs_run"] == 2


def test_an_image_shaped_output_is_refused():
    project = iris_project()
    g = project.graph
    g.remove_node("dense_1")
    g.remove_node("dense_2")
    g.node("input_1").params["shape"] = [2, 2, 1]
    g.add_node("Conv2D", {"filters": 3, "kernel_size": 1}, node_id="conv2d_1")
    g.connect("input_1", "conv2d_1")
    with pytest.raises(TrainingError, match=r"conv2d_1 outputs shape \[2, 2, 3\].*Flatten"):
        build_and_prepare(project, None)
