"""Every setting of the training panel changed through its widget (typed, arrow keys, clicked), then checked
three ways: in the project's training section, in the saved file, and in what the next run did.

What the next run did is compared with a headless run (the core's Trainer, no UI) on a training section the
test writes out itself from the values it typed — so a setting the panel forgets to write back shows up as a
different loss curve, not only as a different dict.
"""

from __future__ import annotations

import copy
import math

import pytest

from designer.project.io import load_project, save_project
from designer.training import Trainer
from designer.training.run import build_and_prepare
from tests.ui.conftest import spiral_project
from tests.ui.widget_input import choose, click_check, type_value

TIMEOUT = 60_000


def _panel_window(make_window, tmp_path):
    project = spiral_project(epochs=2, samples=120)
    path = tmp_path / "settings.nnproj"
    save_project(project, path)
    window = make_window(load_project(path), str(path))
    return window, window.training_panel, path


# (setting, how the user changes it, where it lands in the training section, the value expected there)
EDITS = [
    ("epochs", lambda p: type_value(p.epochs, "3"), ("epochs",), 3),
    ("batch size", lambda p: type_value(p.batch_size, "7"), ("batch_size",), 7),
    ("seed", lambda p: type_value(p.seed, "123"), ("seed",), 123),
    ("L1", lambda p: type_value(p.l1, "0.001"), ("regularization", "l1"), 0.001),
    ("L2", lambda p: type_value(p.l2, "0.002"), ("regularization", "l2"), 0.002),
    ("learning rate", lambda p: type_value(p.learning_rate, "0.005"), ("optimizer", "learning_rate"), 0.005),
    ("optimizer", lambda p: choose(p.optimizer, "rmsprop"), ("optimizer", "type"), "rmsprop"),
    ("loss", lambda p: choose(p.loss, "mean_squared_error"), ("loss",), "mean_squared_error"),
    ("early stopping", lambda p: click_check(p.early), ("early_stopping", "patience"), 5),
    ("schedule", lambda p: choose(p.schedule, "exponential"), ("schedule", "type"), "exponential"),
]


def _get(cfg: dict, path: tuple):
    """The value at `path`, or None where the section has no such key (or early stopping is off)."""
    for key in path:
        if not isinstance(cfg, dict) or key not in cfg:
            return None
        cfg = cfg[key]
    return cfg


def _at(cfg: dict, path: tuple):
    for key in path:
        cfg = cfg[key]
    return cfg


@pytest.mark.parametrize(("name", "edit", "path", "value"), EDITS, ids=[e[0] for e in EDITS])
def test_each_setting_reaches_the_project_and_the_saved_file(make_window, qtbot, tmp_path, name, edit, path, value):
    window, panel, file = _panel_window(make_window, tmp_path)
    assert _get(window.project.training, path) != value
    edit(panel)
    assert _at(window.project.training, path) == value
    assert window.isWindowModified()
    window.act_save.trigger()
    assert _at(load_project(file).training, path) == value


def test_optimizer_and_loss_parameters_are_edited_in_their_own_rows(make_window, qtbot, tmp_path):
    window, panel, file = _panel_window(make_window, tmp_path)
    choose(panel.optimizer, "sgd")
    type_value(panel._opt_edits["momentum"], "0.8")
    click_check(panel._opt_edits["nesterov"])
    choose(panel.loss, "huber")
    type_value(panel._loss_edits["delta"], "1.5")
    choose(panel.schedule, "step")
    type_value(panel._sched_edits["step_size"], "4")
    type_value(panel._sched_edits["gamma"], "0.25")
    click_check(panel.early)
    type_value(panel.patience, "9")
    training = window.project.training
    assert training["optimizer"] == {"type": "sgd", "learning_rate": 0.02, "momentum": 0.8, "nesterov": True}
    assert training["loss"] == "huber" and training["loss_params"] == {"delta": 1.5}
    assert training["schedule"] == {"type": "step", "step_size": 4, "gamma": 0.25}
    assert training["early_stopping"]["patience"] == 9
    window.act_save.trigger()
    saved = load_project(file).training
    for key in ("optimizer", "loss", "loss_params", "schedule"):
        assert saved[key] == training[key], key
    assert saved["early_stopping"]["patience"] == 9


def _headless_history(file, training: dict) -> list[dict]:
    """A run of the saved project with `training`, through the core alone."""
    project = load_project(file)
    project.training = copy.deepcopy(training)
    network, prepared = build_and_prepare(project, file.parent)
    return Trainer(network, prepared, training).run().history


def test_the_next_run_uses_every_typed_setting(make_window, qtbot, tmp_path):
    window, panel, file = _panel_window(make_window, tmp_path)
    untouched = load_project(file)
    type_value(panel.epochs, "3")
    type_value(panel.batch_size, "7")
    type_value(panel.seed, "123")
    type_value(panel.l1, "0.001")
    type_value(panel.l2, "0.002")
    choose(panel.optimizer, "rmsprop")
    type_value(panel.learning_rate, "0.005")
    type_value(panel._opt_edits["rho"], "0.8")
    choose(panel.schedule, "exponential")
    type_value(panel._sched_edits["gamma"], "0.5")

    # The training section as the test expects it, written out from what was typed.
    expected = copy.deepcopy(untouched.training)
    expected.update(epochs=3, batch_size=7, seed=123, regularization={"l1": 0.001, "l2": 0.002},
                    schedule={"type": "exponential", "gamma": 0.5})
    expected["optimizer"] = {"type": "rmsprop", "learning_rate": 0.005, "rho": 0.8, "epsilon": 1e-07}
    assert window.project.training == expected

    progress = []
    window.runner.progress_started.connect(lambda epochs, batches: progress.append((epochs, batches)))
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT) as blocker:
        panel.train_btn.click()
    assert blocker.args[0].reason == "completed"
    _, prepared = build_and_prepare(untouched, tmp_path)
    assert progress == [(3, math.ceil(len(prepared.x_train) / 7))]

    run = window.project.history[-1]
    assert run["settings"] == expected
    assert [e["lr"] for e in run["epochs"]] == pytest.approx([0.005, 0.0025, 0.00125])
    reference = _headless_history(file, expected)
    assert [e["loss"] for e in run["epochs"]] == pytest.approx([e["loss"] for e in reference], rel=1e-5)
    # and the typed settings made a difference: the untouched settings train differently
    other = _headless_history(file, dict(untouched.training, epochs=3))
    assert [e["loss"] for e in run["epochs"]] != pytest.approx([e["loss"] for e in other], rel=1e-5)


@pytest.mark.parametrize(("widget", "text", "path", "value"), [
    ("batch_size", "5", ("batch_size",), 5), ("seed", "77", ("seed",), 77),
    ("l1", "0.01", ("regularization", "l1"), 0.01), ("l2", "0.03", ("regularization", "l2"), 0.03),
])
def test_one_setting_alone_changes_the_next_run(make_window, qtbot, tmp_path, widget, text, path, value):
    """Each of the settings the first mutation sample never checked, alone: the run matches a headless run
    with only that value changed."""
    window, panel, file = _panel_window(make_window, tmp_path)
    untouched = load_project(file)
    type_value(getattr(panel, widget), text)
    expected = copy.deepcopy(untouched.training)
    _at(expected, path[:-1])[path[-1]] = value
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        panel.train_btn.click()
    run = window.project.history[-1]
    assert _at(run["settings"], path) == value
    reference = _headless_history(file, expected)
    assert [e["loss"] for e in run["epochs"]] == pytest.approx([e["loss"] for e in reference], rel=1e-5)


def test_a_refused_value_leaves_the_setting_and_says_why(make_window, qtbot, tmp_path):
    window, panel, _ = _panel_window(make_window, tmp_path)
    before = copy.deepcopy(window.project.training)
    type_value(panel.learning_rate, "-1")
    type_value(panel.l2, "abc")
    assert window.project.training == before
    assert "learning_rate" in panel.learning_rate.toolTip() and "l2" in panel.l2.toolTip()
