"""The workflow rail's states from plain facts: each step done, needing attention, or still to do."""

from __future__ import annotations

import numpy as np

from designer.learn.workflow import STEPS, workflow_states
from designer.ui.start_page import iris_mlp

READ = {"loaded": True, "missing_cells": 0, "validation_rows": 30}


def states(project, **kw):
    return {s.key: (s.state, s.reason) for s in workflow_states(project, **kw)}


def run(epochs_val_loss, reason="completed"):
    return {"settings": {}, "reason": reason, "best_epoch": None, "message": "",
            "epochs": [{"epoch": i + 1, "loss": 0.5, "val_loss": v} for i, v in enumerate(epochs_val_loss)]}


def test_a_fresh_project_before_its_data_is_read():
    s = states(iris_mlp())
    assert [k for k, _ in STEPS] == list(s)
    assert s["ingest"][0] == "todo" and s["clean"][0] == "todo" and s["prepare"][0] == "todo"
    assert s["explore"][0] == "todo" and s["design"][0] == "done"
    assert s["train"][0] == "todo" and s["evaluate"][0] == "todo" and s["deploy"][0] == "todo"


def test_data_problems_need_attention():
    s = states(iris_mlp(), data={"loaded": False, "load_error": "no such file: x.csv"})
    assert s["ingest"] == ("attention", "cannot read the data: no such file: x.csv")
    s = states(iris_mlp(), data={**READ, "prepare_error": "the target column 'y' is missing"})
    assert s["prepare"] == ("attention", "the target column 'y' is missing")
    s = states(iris_mlp(), data={**READ, "validation_rows": 0})
    assert s["prepare"][0] == "attention" and "validation" in s["prepare"][1]
    s = states(iris_mlp(), data={**READ, "missing_cells": 12})
    assert s["clean"] == ("done", "12 missing cells, handled by 'drop'")
    s = states(iris_mlp(), data=READ, explored=True)
    assert s["ingest"][0] == s["clean"][0] == s["prepare"][0] == s["explore"][0] == "done"


def test_design_needs_attention_with_a_problem_and_is_todo_when_empty():
    problem = "dense_2: needs an input"
    assert states(iris_mlp(), problems=[problem])["design"] == ("attention", problem)
    project = iris_mlp()
    for nid in list(project.graph.nodes)[1:]:
        project.graph.remove_node(nid)
    assert states(project)["design"][0] == "todo"


def test_train_evaluate_and_deploy_follow_the_runs():
    project = iris_mlp()
    project.history = [run([0.9, 0.5, 0.4])]
    project.weights = {"dense_1/kernel": np.zeros((4, 16), np.float32)}
    s = states(project, data=READ)
    assert s["train"] == ("done", "3 epochs, completed") and s["evaluate"][0] == "done"
    assert s["deploy"] == ("todo", "trained weights are ready: File ▸ Export…")
    assert states(project, exported=True)["deploy"] == ("done", "exported")
    project.history.append(run([0.9, 0.3, 0.6]))  # ended 100 % above its best
    s = states(project)
    assert s["evaluate"][0] == "attention" and "overfitting" in s["evaluate"][1]
    project.history.append(run([0.9, 0.3, 0.6], reason="early_stopping"))  # the best weights were kept
    assert states(project)["evaluate"][0] == "done"
    project.history.append(run([0.9], reason="nan"))
    s = states(project)
    assert s["train"][0] == "attention" and s["evaluate"][0] == "todo"
    project.history.append({"settings": {}, "reason": "completed", "epochs": [{"epoch": 1, "loss": 0.5}]})
    assert states(project)["evaluate"] == ("attention", "the run has no validation scores to judge it by")
