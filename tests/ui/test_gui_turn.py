"""The GUI thread's turn (designer/ui/gui_turn.py): while the window redraws, the training thread waits at its
next batch; the turn ends once the window has painted and the event loop is idle, and a turn that never ends
only slows the training thread down (MAX_WAIT_S per batch), never stops it."""

from __future__ import annotations

import threading
import time

from PySide6.QtWidgets import QLabel

from designer.ui.gui_turn import MAX_WAIT_S, GuiTurn
from tests.ui.conftest import spiral_project
from tests.ui.gestures import click


class _Batches:
    """A stand-in for the training thread's loop: one `turn.wait()` per batch, counted."""

    def __init__(self, turn: GuiTurn) -> None:
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(turn,), daemon=True)
        self._thread.start()

    def _run(self, turn: GuiTurn) -> None:
        while not self._stop.is_set():
            turn.wait()
            self.count += 1
            time.sleep(0.0005)  # a small batch, outside the interpreter lock like BLAS

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def test_a_taken_turn_holds_batches_until_the_window_has_painted(qtbot):
    label = QLabel("before")
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    turn = GuiTurn()
    turn.active = True  # as the runner sets it while its training thread runs
    batches = _Batches(turn)
    try:
        qtbot.waitUntil(lambda: batches.count > 20, timeout=5_000)  # running freely
        turn.take()
        label.setText("after")  # a redraw: the paint comes a few ms later, from the event loop
        assert turn.taken
        before = batches.count
        held_for = 0.3
        time.sleep(held_for)  # the GUI thread busy without returning to its loop: the turn is still taken
        # at most one batch per MAX_WAIT_S gets through (a batch may have been under way when it was taken)
        assert batches.count - before <= held_for / MAX_WAIT_S + 2
        assert turn.taken
        qtbot.waitUntil(lambda: not turn.taken, timeout=5_000)  # painted and idle: given back
        after = batches.count
        qtbot.waitUntil(lambda: batches.count > after + 20, timeout=5_000)  # running freely again
    finally:
        turn.give_back()
        batches.stop()


def test_a_turn_with_nothing_to_paint_ends_when_the_loop_is_idle(qtbot):
    turn = GuiTurn()
    turn.active = True  # as the runner sets it while its training thread runs
    turn.take()
    assert turn.taken
    qtbot.waitUntil(lambda: not turn.taken, timeout=5_000)


def test_give_back_is_safe_at_any_time(qtbot):
    turn = GuiTurn()
    turn.active = True  # as the runner sets it while its training thread runs
    turn.give_back()  # never taken
    turn.take()
    turn.take()  # taken twice: one give-back ends it
    turn.give_back()
    assert not turn.taken
    start = time.perf_counter()
    turn.wait()  # free: no waiting at all
    assert time.perf_counter() - start < MAX_WAIT_S


def test_training_in_the_window_takes_turns_and_leaves_none_taken(make_window, qtbot, monkeypatch):
    window = make_window(spiral_project(epochs=300))
    turn = window.runner.gui_turn
    assert window.dashboard.gui_turn is turn
    taken = []
    take = turn.take
    monkeypatch.setattr(turn, "take", lambda: (taken.append(1), take()))
    with qtbot.waitSignal(window.runner.finished, timeout=60_000) as blocker:
        click(window.training_panel.train_btn)
    assert blocker.args[0].reason == "completed"
    assert window.project.history[-1]["epochs"][-1]["epoch"] == 300
    assert taken  # the run's events and the dashboard's redraws took the turn
    qtbot.waitUntil(lambda: not turn.taken, timeout=5_000)  # and none is left held after the run


class _PaintRecorder(QLabel):
    """A widget that notes, for each of its paints, whether the training thread was being held."""

    def __init__(self, turn: GuiTurn) -> None:
        super().__init__("paint me")
        self.turn = turn
        self.held_during_paints: list[bool] = []

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.held_during_paints.append(self.turn.taken)
        super().paintEvent(event)


def test_while_a_run_trains_every_paint_holds_the_training_thread_announced_or_not(qtbot):
    turn = GuiTurn()
    label = _PaintRecorder(turn)
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    qtbot.waitUntil(lambda: bool(label.held_during_paints), timeout=5_000)
    label.held_during_paints.clear()
    label.update()  # no run: nothing is held
    qtbot.waitUntil(lambda: bool(label.held_during_paints), timeout=5_000)
    assert label.held_during_paints == [False]
    turn.active = True  # the runner starts a training thread: the window's paints are watched from now on
    label.held_during_paints.clear()
    label.setText("changed by a layout, not by a redraw that took the turn")
    qtbot.waitUntil(lambda: bool(label.held_during_paints), timeout=5_000)
    assert label.held_during_paints == [True]
    qtbot.waitUntil(lambda: not turn.taken, timeout=5_000)  # and given back once the loop is idle
    turn.active = False  # the run ends: paints no longer hold anything
    label.held_during_paints.clear()
    label.setText("after the run")
    qtbot.waitUntil(lambda: bool(label.held_during_paints), timeout=5_000)
    assert label.held_during_paints == [False] and not turn.taken


def test_the_application_hands_the_interpreter_lock_over_quickly(qapp):
    import sys

    from designer.ui.app import SWITCH_INTERVAL_S, DesignerApplication

    assert isinstance(qapp, DesignerApplication)  # the tests' application is the app's own class
    # a repaint hands the lock to and from the training thread at every Python callback: 0.5 ms, not 5 ms
    assert sys.getswitchinterval() == SWITCH_INTERVAL_S <= 0.001
