"""A run the person starts with Train trains in a process of its own (designer/training/remote.py): the window
keeps its interpreter to itself, the same process serves the next run, and a process that dies mid-run (killed
for lack of memory, a crash in a native library) is reported in the window, which stays up and trains again."""

from __future__ import annotations

import os
import signal

from designer.ui import project_actions
from tests.ui.conftest import spiral_project
from tests.ui.gestures import click

TIMEOUT = 60_000


def test_train_runs_in_a_process_of_its_own_that_stays_for_the_next_run(make_window, qtbot):
    window = make_window(spiral_project(epochs=20))
    pids = []
    window.runner.run_started.connect(lambda info: pids.append(window.runner.process_id))
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT) as first:
        click(window.training_panel.train_btn)
    assert first.args[0].reason == "completed" and window.project.history[-1]["epochs"][-1]["epoch"] == 20
    assert pids[0] is not None and pids[0] != os.getpid()
    assert window.project.weights  # the weights came back from the other process into the project
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        click(window.training_panel.train_btn)
    assert len(window.project.history) == 2 and pids[1] == pids[0]  # no second start-up


def test_a_training_process_that_dies_is_reported_and_the_next_run_starts_a_new_one(make_window, qtbot,
                                                                                 monkeypatch):
    shown = []
    monkeypatch.setattr(project_actions, "show_error", lambda parent, title, message: shown.append((title, message)))
    window = make_window(spiral_project(epochs=100_000))
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=TIMEOUT):
        click(window.training_panel.train_btn)
    dead = window.runner.process_id
    os.kill(dead, signal.SIGKILL)  # what the system's out-of-memory killer does
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT)
    title, message = shown[0]
    assert title == "Training failed" and "killed" in message and "train again" in message
    assert not window.runner.is_running and window.runner.state == "idle"
    assert window.training_panel.train_btn.isEnabled() and "Training failed" in window.statusBar().currentMessage()
    window.training_panel.epochs.setValue(3)  # as the user sets it
    pids = []
    window.runner.run_started.connect(lambda info: pids.append(window.runner.process_id))
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT) as again:
        click(window.training_panel.train_btn)
    assert again.args[0].reason == "completed" and pids and pids[0] != dead


def test_a_training_process_that_cannot_start_is_reported_and_nothing_is_left_running(make_window, qtbot,
                                                                                    monkeypatch):
    from designer.training import remote

    shown = []
    monkeypatch.setattr(project_actions, "show_error", lambda parent, title, message: shown.append((title, message)))

    def no_process():
        raise OSError("[Errno 11] Resource temporarily unavailable")

    monkeypatch.setattr(remote, "take_process", no_process)
    window = make_window(spiral_project(epochs=3))
    click(window.training_panel.train_btn)
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT)
    assert shown[0][0] == "Training failed" and "could not be started" in shown[0][1]
    assert not window.runner.is_running and window.runner.run_id == 0 and not window.project.history
    assert window.training_panel.train_btn.isEnabled()
