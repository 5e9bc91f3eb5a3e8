"""The overfitting lab's run records against the run's own history (best validation accuracy is its maximum,
the gap is the last validation loss minus the last training loss), its refusals in words, and a project whose
data file is relative to the project's folder."""

from __future__ import annotations

import pytest

from designer.data.sources import load_table
from designer.errors import TrainingError
from designer.graph import Graph
from designer.project import Project
from designer.training.control import TrainingControl
from designer.training.overfit_lab import compare_remedies, learning_curve, remedy_project
from designer.ui.start_page import iris_mlp

RUN_KEYS = {"metric", "best_score", "reason", "best_val_loss", "final_loss", "final_val_loss", "gap",
            "start_digest"}


def small_iris(epochs: int = 6):
    project = iris_mlp()
    project.training["epochs"] = epochs
    return project


def test_a_run_record_is_read_off_its_own_history():
    run = compare_remedies(small_iris(), None, names=())["base"]
    history = run["history"]
    accuracies = [h["val_accuracy"] for h in history]
    assert len(history) == 6 and min(accuracies) < max(accuracies)  # so max and min differ
    assert set(run) == RUN_KEYS | {"history"}
    assert run["metric"] == "val_accuracy" and run["best_score"] == max(accuracies)
    assert run["best_val_loss"] == min(h["val_loss"] for h in history)
    assert run["final_loss"] == history[-1]["loss"] and run["final_val_loss"] == history[-1]["val_loss"]
    assert run["gap"] == history[-1]["val_loss"] - history[-1]["loss"]
    assert run["reason"] == "completed"


def test_a_learning_curve_point_is_the_run_record_without_its_history():
    points = learning_curve(small_iris(epochs=2), None, fractions=(0.5,))
    assert len(points) == 1 and set(points[0]) == RUN_KEYS | {"fraction", "rows"}
    assert points[0]["fraction"] == 0.5 and points[0]["rows"] == 52  # half of 105 training rows, rounded to even


def test_a_stopped_run_ends_the_lab_with_the_word_stopped():
    control = TrainingControl()
    control.stop()
    with pytest.raises(TrainingError) as err:
        compare_remedies(small_iris(), None, names=(), control=control)
    assert str(err.value) == "stopped"


@pytest.mark.parametrize("remedy", ["dropout", "smaller", "batchnorm"])
def test_layer_remedies_need_a_hidden_dense_layer(remedy):
    g = Graph()
    g.add_node("Input", {"shape": [4]}, node_id="input_1")
    g.add_node("Dense", {"units": 3, "activation": "softmax"}, node_id="out")
    g.connect("input_1", "out")
    project = Project(name="no hidden", graph=g)
    with pytest.raises(TrainingError) as err:
        remedy_project(project, remedy)
    assert str(err.value) == "the network has no hidden Dense layer to apply this remedy to"
    assert remedy_project(project, "l2").training["regularization"]["l2"] == 1e-3  # these need no layer


def test_a_data_file_beside_the_project_is_found_from_any_working_folder(tmp_path, monkeypatch):
    folder, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    folder.mkdir(), elsewhere.mkdir()
    load_table({"kind": "builtin", "name": "iris"}).to_csv(folder / "flowers.csv", index=False)
    project = small_iris(epochs=2)
    project.data["source"] = {"kind": "csv", "path": "flowers.csv"}
    monkeypatch.chdir(elsewhere)
    runs = compare_remedies(project, folder, names=("l2",))
    assert set(runs) == {"base", "l2"} and all(len(r["history"]) == 2 for r in runs.values())

