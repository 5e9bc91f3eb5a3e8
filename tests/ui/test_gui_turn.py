"""The GUI thread's turn (designer/ui/gui_turn.py): while the window redraws, the training thread waits at its
next batch; the turn ends once the window has painted and the event loop is idle, and a turn that never ends
only slows the training thread down (MAX_WAIT_S per batch), never stops it."""

from __future__ import annotations

import threading
import time

import pytest
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
    # a repaint hands the lock to and from the training thread at every Python callback: 10 us, not 5 ms
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S) and SWITCH_INTERVAL_S <= 1e-4


def _animations_made_by_a_relayout(qtbot, sheet: str) -> int:
    """A main window with two docks; one dock's label grows, which relays the window out: how many geometry
    animations Qt's dock animator made for it (each a QObject made and deleted through Python filters)."""
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtWidgets import QDockWidget, QMainWindow

    class _Count(QObject):
        made = 0

        def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt naming)
            if event.type() == QEvent.Type.ChildAdded and not event.child().isWidgetType():
                _Count.made += 1  # a plain QObject child: the animation (still a QObject while it is made)
            return False

    window = QMainWindow()
    qtbot.addWidget(window)
    window.setStyleSheet(sheet)
    window.setCentralWidget(QLabel("canvas"))
    labels, counter = [], _Count(window)
    for area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea):
        dock = QDockWidget("dock", window)
        labels.append(QLabel("epoch 1"))
        dock.setWidget(labels[-1])
        window.addDockWidget(area, dock)
        dock.installEventFilter(counter)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    _Count.made = 0
    labels[0].setText("epoch 20,000 / 20,000 — a label that needs more room")  # as a run's status does
    labels[1].setMinimumHeight(labels[1].height() + 40)
    qtbot.waitUntil(lambda: labels[1].height() >= 40, timeout=5_000)
    qtbot.wait(50)
    return _Count.made


def test_a_relayout_of_the_main_window_makes_no_dock_animations(qtbot):
    from designer.ui.theme import stylesheet

    assert _animations_made_by_a_relayout(qtbot, "") > 0  # what Fusion does without the theme's rule
    assert _animations_made_by_a_relayout(qtbot, stylesheet(dark=False)) == 0
