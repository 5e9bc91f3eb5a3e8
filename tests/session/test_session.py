"""The Qt-free project session: settings edits are undoable commands, dirty state is derived, views follow
signals, and the command line opens and saves through it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from designer.errors import DesignerError
from designer.project.io import load_project, save_project
from designer.session import ProjectSession, UndoStack
from designer.session.session import changed_fields

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def iris_mlp():
    """The shipped iris example, without its trained weights and runs (no Qt needed to build it)."""
    project = load_project(EXAMPLES / "iris_mlp.nnproj")
    project.weights, project.history = {}, []
    return project


def test_changed_fields_names_what_differs_one_level_deep():
    old = {"epochs": 5, "optimizer": {"type": "sgd", "learning_rate": 0.01}, "seed": 0}
    new = {"epochs": 5, "optimizer": {"type": "sgd", "learning_rate": 0.1}, "seed": 1, "schedule": {"type": "step"}}
    assert changed_fields(old, new) == ["optimizer.learning_rate", "seed", "schedule"]
    assert changed_fields(old, copy.deepcopy(old)) == []


def test_undo_names_the_setting_in_words():
    from designer.session.session import _readable

    assert _readable(["optimizer.type", "optimizer.beta_1", "optimizer.momentum"]) == ["optimizer"]
    assert _readable(["optimizer.learning_rate"]) == ["learning rate"]
    assert _readable(["epochs", "regularization.l2", "schedule"]) == ["epochs", "l2", "schedule"]


def test_training_edits_undo_and_redo_one_step_each_and_views_are_told():
    session = ProjectSession(iris_mlp())
    before = copy.deepcopy(session.project.training)
    shown, dirty = [], []
    session.training_changed.connect(shown.append)
    session.dirty_changed.connect(dirty.append)

    session.edit_training(dict(before, optimizer={"type": "sgd", "learning_rate": 0.05}))
    session.edit_training(dict(session.project.training, epochs=7))
    assert session.project.training["epochs"] == 7 and session.dirty and dirty == [True]
    assert session.stack.undo_text() == "Set epochs"

    session.stack.undo()
    assert session.project.training["epochs"] == before["epochs"]
    assert session.project.training["optimizer"] == {"type": "sgd", "learning_rate": 0.05}
    session.stack.undo()
    assert session.project.training == before and not session.dirty and dirty == [True, False]
    assert shown[-1] == before  # the panel is told what to show after an undo
    session.stack.redo()
    assert session.project.training["optimizer"]["learning_rate"] == 0.05
    assert not session.edit_training(copy.deepcopy(session.project.training))  # no change, no step


def test_consecutive_edits_of_one_field_merge_and_back_to_start_leaves_no_step():
    session = ProjectSession(iris_mlp())
    start = session.project.training["batch_size"]
    for value in (1, 12, 128):  # a spin box typed into: one step
        session.edit_training(dict(session.project.training, batch_size=value))
    session.stack.undo()
    assert session.project.training["batch_size"] == start and not session.stack.can_undo()
    session.stack.redo()
    session.edit_training(dict(session.project.training, batch_size=start))
    assert not session.stack.can_undo() and not session.dirty


def test_data_edits_recompute_the_input_shape_and_undo_restores_it():
    project = iris_mlp()
    for node in project.graph.nodes.values():
        node.params.pop("shape", None)
    session = ProjectSession(project)
    shapes = []
    session.input_shape_changed.connect(shapes.append)
    assert session.input_shape == (4,) and session.analysis.ok
    session.edit_data(dict(project.data, features=["sepal_length_cm", "petal_width_cm"]))
    assert session.input_shape == (2,) and shapes == [(2,)]
    session.stack.undo()
    assert session.input_shape == (4,) and "features" not in session.project.data


def test_a_bad_data_edit_gives_no_shape_and_the_reason():
    session = ProjectSession(iris_mlp())
    for node in session.project.graph.nodes.values():
        node.params.pop("shape", None)
    session.edit_data(dict(session.project.data, source={"kind": "csv", "path": "missing.csv"}))
    assert session.input_shape is None and "missing.csv" in session.input_shape_error


def test_runs_and_weight_resets_mark_dirty_without_an_undo_step():
    session = ProjectSession(iris_mlp())
    told = []
    session.weights_changed.connect(lambda: told.append("weights"))
    session.run_recorded.connect(lambda run: told.append(run["reason"]))
    session.record_run({"dense_1/kernel": 1.0}, {"settings": {}, "epochs": [], "reason": "completed"})
    assert session.dirty and not session.stack.can_undo() and told == ["weights", "completed"]
    assert len(session.project.history) == 1
    session.mark_clean()
    assert session.reset_weights() and session.project.weights == {} and session.dirty
    assert not session.reset_weights()


def test_open_and_save_round_trip_and_saving_makes_it_clean(tmp_path):
    path = tmp_path / "p.nnproj"
    save_project(iris_mlp(), path)
    session = ProjectSession.open(path)
    assert session.path == str(path.resolve()) and session.base_dir == tmp_path.resolve()
    session.edit_training(dict(session.project.training, epochs=3))
    assert session.dirty
    out = session.save(tmp_path / "q.nnproj")
    assert not session.dirty and session.path == str(out.resolve())
    assert load_project(out).training["epochs"] == 3
    with pytest.raises(DesignerError, match="no file"):
        ProjectSession(iris_mlp()).save()


def test_plain_undo_stack_clean_state_survives_undo_then_new_edit():
    class Box:
        value = 0

    from designer.session.undo import Command

    class Set(Command):
        def __init__(self, v):
            self.v, self.old, self.text = v, Box.value, f"set {v}"

        def redo(self):
            Box.value = self.v

        def undo(self):
            Box.value = self.old

    stack = UndoStack()
    stack.push(Set(1))
    stack.set_clean()
    stack.push(Set(2))
    stack.undo()
    stack.undo()
    assert Box.value == 0 and not stack.is_clean()
    stack.push(Set(3))  # the saved state (1) was undone and is now unreachable
    assert not stack.is_clean()
    stack.undo()
    assert not stack.is_clean() and Box.value == 0
