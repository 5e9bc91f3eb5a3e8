"""The overfitting lab: each remedy built right, every run from the base run's start, the learning curve."""

from __future__ import annotations

import json

import pytest

from designer.errors import TrainingError
from designer.learn.lessons import LESSONS
from designer.training.overfit_lab import FRACTIONS, REMEDIES, compare_remedies, learning_curve, remedy_project
from designer.ui.start_page import iris_mlp


def overfitting_project(epochs: int = 40):
    project = LESSONS["overfitting"].variant("no dropout").build()
    project.training["epochs"] = epochs
    return project


def test_each_remedy_changes_a_copy_as_named():
    project = overfitting_project()
    before = json.dumps(project.graph.to_dict(), sort_keys=True)
    dense = [n for n in project.graph.topological_order() if project.graph.nodes[n].type == "Dense"]
    hidden, out = dense[:-1], dense[-1]
    for kind, remedy in (("Dropout", "dropout"), ("BatchNormalization", "batchnorm")):
        g = remedy_project(project, remedy).graph
        fed_before = [*hidden[1:], out]  # what each hidden Dense layer fed before the remedy
        for nid, successor in zip(hidden, fed_before):  # now: dense → the new layer → that successor
            [new] = g.outputs_of(nid)
            assert g.nodes[new].type == kind and g.outputs_of(new) == [successor]
        assert g.analyze((2,)).ok
    smaller = remedy_project(project, "smaller").graph
    assert [smaller.nodes[n].params["units"] for n in hidden] == [32, 32]
    assert smaller.nodes[out].params["units"] == 2
    assert remedy_project(project, "l2").training["regularization"]["l2"] == 1e-3
    assert remedy_project(project, "early_stopping").training["early_stopping"]["patience"] == 10
    assert json.dumps(project.graph.to_dict(), sort_keys=True) == before
    with pytest.raises(TrainingError, match="no remedy called"):
        remedy_project(project, "prayer")


def test_remedies_start_where_the_base_run_starts_and_the_runs_differ_as_expected():
    runs = compare_remedies(overfitting_project(), None)
    assert list(runs) == ["base", *REMEDIES]
    same = {name: run["start_digest"] for name, run in runs.items()}
    for name in ("dropout", "batchnorm", "l2", "early_stopping"):
        assert same[name] == same["base"], name  # the base's weights, array for array
    assert same["smaller"] != same["base"]  # resized layers draw their own
    assert len(runs["base"]["history"]) == 40
    assert runs["early_stopping"]["reason"] == "early_stopping" and len(runs["early_stopping"]["history"]) < 40
    assert runs["l2"]["history"] != runs["base"]["history"]
    # on this small noisy set the base overfits most: its final gap is the largest but one at most
    gaps = sorted(run["gap"] for run in runs.values())
    assert runs["base"]["gap"] >= gaps[-2]


def test_the_learning_curve_trains_on_growing_shares_of_the_training_rows():
    seen = []
    points = learning_curve(overfitting_project(epochs=20), None, on_point=seen.append)
    assert [p["fraction"] for p in points] == list(FRACTIONS) and seen == points
    rows = [p["rows"] for p in points]
    assert rows == sorted(rows) and rows[-1] == 72 and rows[0] == 7  # 60 % of 120 rows train
    assert all(0.0 <= p["best_score"] <= 1.0 for p in points)
    assert points[-1]["best_score"] >= points[0]["best_score"]


def test_without_validation_rows_the_lab_says_so():
    project = iris_mlp()
    project.data["split"] = {"validation": 0.0, "test": 0.0, "shuffle": True, "stratify": True, "seed": 0}
    with pytest.raises(TrainingError, match="no validation rows"):
        learning_curve(project, None)
    with pytest.raises(TrainingError, match="no validation rows"):
        compare_remedies(project, None)
