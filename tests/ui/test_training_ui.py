"""Training from the window: the training process, live plot data, pause/step/resume/stop, live learning rate.

Every wait is on a signal the GUI thread re-emits (TrainingRunner), never on the worker's own signals.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from tests.ui.conftest import spiral_project

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

TIMEOUT = 30_000


def _epochs_seen(window) -> list[int]:
    run = window.dashboard.current
    return list(run.epochs) if run is not None else []


def test_train_two_epochs_updates_plots_weights_and_history(make_window, qtbot):
    window = make_window(spiral_project(epochs=2))
    assert window.project.weights == {}
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT) as blocker:
        window.training_panel.train_btn.click()
    outcome = blocker.args[0]
    assert outcome.reason == "completed"
    assert not window.runner.is_running

    run = window.dashboard.current
    assert run.epochs == [1, 2]
    assert len(run.metrics["loss"]) == 2 and all(np.isfinite(run.metrics["loss"]))
    assert "val_accuracy" in run.metrics
    window.dashboard.flush()
    assert window.dashboard.boundary.has_data()  # the grid computed in the training process is drawn
    assert outcome.evaluation is not None and "confusion_matrix" in outcome.evaluation

    # Weights and history land in the project, which is now modified.
    assert any(k.endswith("/kernel") for k in window.project.weights)
    assert window.project.history[-1]["epochs"][-1]["epoch"] == 2
    assert window.isWindowModified()
    assert window.training_panel.train_btn.isEnabled()
    assert "epoch 2 / 2" in window.lbl_epoch.text()


def test_boundary_grid_is_sent_with_epoch_updates(make_window, qtbot):
    window = make_window(spiral_project(epochs=1))
    updates = []
    window.runner.epoch_ended.connect(updates.append)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        window.train()
    assert updates, "no epoch update reached the GUI thread"
    xs, ys, values = updates[-1].events[-1].extras["boundary"]
    assert values.shape == (len(ys), len(xs))
    assert np.isfinite(values).all()
    x2d, y2d = updates[0].events[-1].extras["points"]  # the data points, sent once
    assert x2d.shape[1] == 2 and len(y2d) == len(x2d)


def test_second_run_continues_from_trained_weights_and_reset_forgets_them(make_window, qtbot):
    window = make_window(spiral_project(epochs=1))
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        window.train()
    first = {k: v.copy() for k, v in window.project.weights.items()}
    window.training_panel.reset_btn.click()
    assert window.project.weights == {}
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        window.train()
    assert set(window.project.weights) == set(first)
    assert len(window.project.history) == 2


def test_step_epoch_step_batch_resume_then_stop(make_window, qtbot):
    window = make_window(spiral_project(epochs=200_000))  # a quiet machine never reaches the end before Stop
    panel = window.training_panel
    # Step epoch from idle: a held run starts and does exactly one epoch.
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=TIMEOUT):
        panel.step_epoch_btn.click()
    assert window.runner.state == "paused"
    assert _epochs_seen(window) == [1]
    assert panel.pause_btn.text() == "Resume"

    # Step single batches: the trainer reports a batch at the latest at the end of the epoch (it throttles
    # batch events), and every one of them belongs to epoch 2; the run stays held.
    batches = []
    window.runner.batch_ended.connect(batches.append)
    for _ in range(20):
        panel.step_batch_btn.click()
        qtbot.wait(20)
        if batches:
            break
    qtbot.waitUntil(lambda: bool(batches), timeout=TIMEOUT)
    assert all(b.epoch == 2 for b in batches)
    assert window.runner.state == "paused"

    # Resume: epochs flow again.
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=TIMEOUT):
        panel.pause_btn.click()
    assert window.runner.state == "running"
    qtbot.waitUntil(lambda: len(_epochs_seen(window)) >= 3, timeout=TIMEOUT)

    # Pause, then stop: the run ends as "stopped" and the thread is joined.
    panel.pause_btn.click()
    assert window.runner.state == "paused"
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT) as blocker:
        panel.stop_btn.click()
    assert blocker.args[0].reason == "stopped"
    assert window.runner.state == "idle" and not window.runner.is_running
    assert len(window.project.history[-1]["epochs"]) < 200_000


def test_learning_rate_changed_while_running(make_window, qtbot):
    window = make_window(spiral_project(epochs=200_000))  # never finishes before the edit lands; stopped below
    lrs = []
    window.runner.epoch_ended.connect(lambda u: lrs.extend(e.lr for e in u.events))
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=TIMEOUT):
        window.train()
    assert window.training_panel.learning_rate.isEnabled()
    edit = window.training_panel.learning_rate
    edit.setText("0.0005")
    edit.editingFinished.emit()
    assert window.project.training["optimizer"]["learning_rate"] == 0.0005
    qtbot.waitUntil(lambda: bool(lrs) and abs(lrs[-1] - 0.0005) < 1e-12, timeout=TIMEOUT)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        window.runner.stop()
    assert abs(lrs[0] - 0.02) < 1e-12


def test_failed_run_reports_a_readable_message(make_window, qtbot, monkeypatch):
    from designer.ui import project_actions

    shown = []
    monkeypatch.setattr(project_actions, "show_error", lambda parent, title, text: shown.append(text))
    project = spiral_project(epochs=1)
    out = [n for n in project.graph.nodes.values() if n.params.get("activation") == "softmax"][0]
    out.params["units"] = 5  # spiral has 2 classes
    window = make_window(project)
    with qtbot.waitSignal(window.runner.failed, timeout=TIMEOUT) as blocker:
        window.train()
    assert "2 classes" in blocker.args[0]
    assert shown and "2 classes" in shown[0]
    assert not window.runner.is_running


def test_opening_another_project_mid_run_drops_the_old_run(make_window, qtbot):
    window = make_window(spiral_project(epochs=200_000))
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=TIMEOUT):
        window.train()
    outcomes = []
    window.runner.finished.connect(outcomes.append)
    window.new_file()  # unsaved-changes prompt answers "discard" (conftest)
    assert not window.runner.is_running
    qtbot.wait(200)  # let anything still queued from the old run arrive
    assert outcomes == []
    assert window.project.weights == {} and window.project.history == []


def test_training_panel_shows_settings_and_reports_each_edit_as_new_settings(qtbot):
    from designer.engine.registry import LOSSES, OPTIMIZERS
    from designer.project.model import default_training
    from designer.ui.training_panel import TrainingPanel

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    cfg = default_training()
    shown = copy.deepcopy(cfg)
    panel.set_training(cfg)
    edits: list[dict] = []
    panel.settings_edited.connect(edits.append)
    assert [panel.loss.itemData(i) for i in range(panel.loss.count())] == list(LOSSES)
    assert [panel.optimizer.itemData(i) for i in range(panel.optimizer.count())] == list(OPTIMIZERS)
    assert panel.learning_rate.value() == 0.01
    from designer.training.settings import TRAINING_SPECS

    # the editors' ranges are the settings table's, the one the validator and trainer read
    assert (panel.epochs.minimum(), panel.epochs.maximum()) == (1, TRAINING_SPECS["epochs"].maximum)
    assert panel.batch_size.maximum() == TRAINING_SPECS["batch_size"].maximum
    assert panel.l2.spec is TRAINING_SPECS["l2"]

    panel.optimizer.setCurrentIndex(panel.optimizer.findData("adam"))
    assert edits[-1]["optimizer"]["type"] == "adam" and edits[-1]["optimizer"]["beta_2"] == 0.999
    panel.loss.setCurrentIndex(panel.loss.findData("huber"))
    assert edits[-1]["loss"] == "huber" and edits[-1]["loss_params"] == {"delta": 1.0}
    panel.early.setChecked(True)
    panel.patience.setValue(7)
    assert edits[-1]["early_stopping"] == {"monitor": "val_loss", "patience": 7, "restore_best_weights": True}
    panel.schedule.setCurrentIndex(panel.schedule.findData("step"))
    assert edits[-1]["schedule"]["type"] == "step" and edits[-1]["schedule"]["step_size"] == 10
    assert cfg == shown  # the panel never writes the dict it was given: the session does

    # A bad learning rate is refused with the reason and reports nothing.
    count = len(edits)
    panel.learning_rate.setText("-1")
    panel.learning_rate.editingFinished.emit()
    assert len(edits) == count and edits[-1]["optimizer"]["learning_rate"] == 0.01
    assert "learning_rate" in panel.learning_rate.toolTip()

    # Told the settings it reported, it keeps its widgets; told others (an undo), it shows them.
    panel.show_training(edits[-1])
    assert panel.schedule.currentData() == "step"
    panel.show_training(cfg)
    assert panel.optimizer.currentData() == "sgd" and panel.schedule.currentData() == "none"
    assert len(edits) == count  # showing is not editing

    panel.set_state("running")
    assert not panel.loss.isEnabled() and panel.learning_rate.isEnabled() and panel.stop_btn.isEnabled()
    assert not panel.step_batch_btn.isEnabled()
    panel.set_state("paused")
    assert panel.pause_btn.text() == "Resume" and panel.step_batch_btn.isEnabled()


def test_closing_the_window_mid_run_stops_and_joins_the_thread(make_window, qtbot):
    window = make_window(spiral_project(epochs=200_000))
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=TIMEOUT):
        window.train()
    assert window.runner.is_running
    assert window.close()
    assert not window.runner.is_running and window.runner.state == "idle"


def test_nan_stops_the_run_says_where_and_keeps_the_last_good_weights(make_window, qtbot, monkeypatch):
    from designer.project.io import load_project
    from designer.ui import project_actions

    shown = []
    monkeypatch.setattr(project_actions, "show_error", lambda parent, title, text: shown.append((title, text)))
    project = load_project(EXAMPLES / "diabetes_regression.nnproj")
    # Unscaled targets in the hundreds with plain SGD at a large step: the outputs blow up in the first epoch.
    project.training.update(loss="mean_squared_error", early_stopping=None, epochs=20,
                            optimizer={"type": "sgd", "learning_rate": 5.0})
    window = make_window(project, str(EXAMPLES / "diabetes_regression.nnproj"))
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT) as blocker:
        window.train()
    outcome = blocker.args[0]
    assert outcome.reason == "nan"
    assert len(shown) == 1 and "NaN" in shown[0][0]
    assert "dense_" in shown[0][1] and "learning rate" in shown[0][1]
    assert window.project.weights and all(np.isfinite(w).all() for w in window.project.weights.values())
    assert not window.runner.is_running
