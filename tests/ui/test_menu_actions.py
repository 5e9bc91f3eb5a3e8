"""Every action of the Train menu, fired the two ways a user fires it — the menu entry and its shortcut key —
with its effect checked on the run (Train, Pause, Resume, Step batch, Step epoch, Stop, Reset weights).

The actions are found by their menu text in the window's menu bar (what the user sees), never by the slot.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from tests.ui.conftest import spiral_project

TIMEOUT = 30_000
SHORT = 8_000  # an action that does nothing must fail the test quickly, not hang it


def menu_action(window, menu: str, text: str):
    """The QAction shown as `text` in menu `menu` of the window's menu bar (& accelerators ignored)."""
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == menu:
            acts = [a for a in top.menu().actions() if not a.isSeparator()]
            for act in acts:
                if act.text().replace("&", "") == text:
                    return act
            for act in acts:  # Undo/Redo name the command they would undo: "Undo Delete"
                if act.text().replace("&", "").startswith(text + " "):
                    return act
    raise AssertionError(f"no {menu} → {text} in the menu bar")


def fire(qtbot, window, menu: str, text: str, how: str) -> None:
    """Trigger a menu entry, or press its shortcut with the focus on the canvas."""
    act = menu_action(window, menu, text)
    assert act.isEnabled(), f"{menu} → {text} is disabled"
    if how == "menu":
        act.trigger()
        return
    keys = act.shortcut()
    assert not keys.isEmpty(), f"{menu} → {text} has no shortcut"
    window.activateWindow()
    window.canvas.setFocus()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)
    combo = keys[0]
    QTest.keyClick(window.canvas.viewport(), combo.key(), combo.keyboardModifiers())


def test_train_menu_lists_every_run_control_with_its_shortcut(make_window):
    window = make_window(spiral_project())
    expected = {"Train": "F5", "Pause": "F6", "Resume": "Shift+F6", "Step batch": "F10", "Step epoch": "F11",
                "Stop": "Shift+F5", "Reset weights": ""}
    for text, keys in expected.items():
        act = menu_action(window, "Train", text)
        assert act.shortcut().toString(QKeySequence.SequenceFormat.PortableText) == keys, text


@pytest.mark.parametrize("how", ["menu", "shortcut"])
def test_train_runs_to_the_end(make_window, qtbot, how):
    window = make_window(spiral_project(epochs=2))
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT) as blocker:
        fire(qtbot, window, "Train", "Train", how)
    assert blocker.args[0].reason == "completed"
    assert window.project.history[-1]["epochs"][-1]["epoch"] == 2


@pytest.mark.parametrize("how", ["menu", "shortcut"])
def test_pause_resume_step_and_stop(make_window, qtbot, how):
    window = make_window(spiral_project(epochs=200_000))
    runner = window.runner
    with qtbot.waitSignal(runner.epoch_ended, timeout=TIMEOUT):
        fire(qtbot, window, "Train", "Train", how)
    assert runner.state == "running"

    fire(qtbot, window, "Train", "Pause", how)
    assert runner.state == "paused"
    epochs = []
    runner.epoch_ended.connect(lambda u: epochs.extend(e.epoch for e in u.events))
    qtbot.wait(300)  # paused: no epoch may end (one already under way may still be reported)
    settled = list(epochs)
    qtbot.wait(300)
    assert epochs == settled

    # Step epoch: exactly one more epoch, then held again.
    with qtbot.waitSignal(runner.epoch_ended, timeout=SHORT):
        fire(qtbot, window, "Train", "Step epoch", how)
    assert runner.state == "paused"
    qtbot.wait(300)
    assert len(epochs) == len(settled) + 1

    # Step batch: a batch is reported, the run stays held, no epoch ends unless the step closed one.
    batches = []
    runner.batch_ended.connect(batches.append)
    for _ in range(20):
        fire(qtbot, window, "Train", "Step batch", how)
        qtbot.wait(20)
        if batches:
            break
    qtbot.waitUntil(lambda: bool(batches), timeout=SHORT)
    assert runner.state == "paused"

    # Resume: epochs flow again.
    before = len(epochs)
    fire(qtbot, window, "Train", "Resume", how)
    assert runner.state == "running"
    qtbot.waitUntil(lambda: len(epochs) >= before + 2, timeout=SHORT)

    # Stop (while running): the run ends as "stopped" and the thread is joined.
    with qtbot.waitSignal(runner.finished, timeout=SHORT) as blocker:
        fire(qtbot, window, "Train", "Stop", how)
    assert blocker.args[0].reason == "stopped"
    assert runner.state == "idle" and not runner.is_running
    # Stopped long before the 200,000 configured epochs, with every epoch up to the stop kept in order. (How
    # many epochs fit between Resume and Stop depends on the machine's speed, so no tighter count is asserted.)
    kept = [e["epoch"] for e in window.project.history[-1]["epochs"]]
    assert kept == list(range(1, len(kept) + 1))
    assert max(epochs) <= len(kept) < 200_000


@pytest.mark.parametrize("how", ["menu", "shortcut"])
def test_stop_while_paused_ends_the_run(make_window, qtbot, how):
    window = make_window(spiral_project(epochs=200_000))
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=TIMEOUT):
        fire(qtbot, window, "Train", "Train", how)
    fire(qtbot, window, "Train", "Pause", how)
    with qtbot.waitSignal(window.runner.finished, timeout=SHORT) as blocker:
        fire(qtbot, window, "Train", "Stop", how)
    assert blocker.args[0].reason == "stopped"
    assert not window.runner.is_running


@pytest.mark.parametrize("how", ["menu", "shortcut"])
def test_step_epoch_from_idle_starts_a_held_run(make_window, qtbot, how):
    window = make_window(spiral_project(epochs=50))
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=TIMEOUT) as blocker:
        fire(qtbot, window, "Train", "Step epoch", how)
    assert [e.epoch for e in blocker.args[0].events] == [1]
    assert window.runner.state == "paused"
    with qtbot.waitSignal(window.runner.finished, timeout=SHORT):
        window.runner.stop()


@pytest.mark.parametrize("how", ["menu", "shortcut"])
def test_step_batch_from_idle_starts_a_held_run_of_one_batch(make_window, qtbot, how):
    window = make_window(spiral_project(epochs=50))
    batches = []
    window.runner.batch_ended.connect(batches.append)
    fire(qtbot, window, "Train", "Step batch", how)
    qtbot.waitUntil(lambda: bool(batches), timeout=TIMEOUT)
    assert batches[0].epoch == 1 and batches[0].batch == 1
    assert window.runner.state == "paused"
    with qtbot.waitSignal(window.runner.finished, timeout=SHORT):
        window.runner.stop()


def test_reset_weights_from_the_menu_forgets_the_trained_weights(make_window, qtbot):
    window = make_window(spiral_project(epochs=1))
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        fire(qtbot, window, "Train", "Train", "menu")
    trained = {k: v.copy() for k, v in window.project.weights.items()}
    assert trained
    window.undo_stack.setClean()
    window._extra_dirty = False
    fire(qtbot, window, "Train", "Reset weights", "menu")
    assert window.project.weights == {}
    assert window.isWindowModified()
    # the next run starts from the seed's fresh weights, not from the trained ones: its first loss equals
    # the first run's first loss (same seed, same data)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        fire(qtbot, window, "Train", "Train", "menu")
    first, second = (run["epochs"][0]["loss"] for run in window.project.history[-2:])
    assert second == pytest.approx(first, rel=1e-6)


def test_run_controls_are_enabled_only_when_they_make_sense(make_window, qtbot):
    window = make_window(spiral_project(epochs=200_000))
    stop, pause, train = (menu_action(window, "Train", t) for t in ("Stop", "Pause", "Train"))
    assert train.isEnabled() and not stop.isEnabled() and not pause.isEnabled()
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=TIMEOUT):
        train.trigger()
    assert not train.isEnabled() and stop.isEnabled() and pause.isEnabled()
    with qtbot.waitSignal(window.runner.finished, timeout=SHORT):
        stop.trigger()
    assert train.isEnabled() and not stop.isEnabled()


def test_keys_reach_the_window_not_only_the_canvas(make_window, qtbot):
    """F5 pressed on the training panel (another dock) starts a run too: the shortcuts are window-wide."""
    window = make_window(spiral_project(epochs=1))
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)
    window.training_panel.epochs.setFocus()
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        QTest.keyClick(window.training_panel.epochs, Qt.Key.Key_F5)
