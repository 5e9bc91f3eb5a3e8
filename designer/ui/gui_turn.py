"""The GUI thread's turn: while the window redraws, the training thread waits at its next batch.

Why: the two threads share the interpreter lock. A pyqtgraph repaint calls back into Python dozens of times
(each item's `boundingRect` and `paint`, the axes, the legend), and each call waits for the lock for up to
the interpreter's switch interval while the training thread runs Python. At CPython's default 5 ms a redraw
that takes 10 ms on its own became a 100-400 ms stall of the window during a long iris run (the app now also
shortens the interval: designer.ui.app.SWITCH_INTERVAL_S). Holding the training thread for the
few milliseconds of the redraw keeps the window within a frame, and costs the run no more than the redraw
took from it anyway (the CPU the two threads use is the same; only the lock's hand-overs go).

The turn is taken by the GUI thread (`take`) right before a redraw and given back once the window has
painted what the redraw changed and the event loop is idle again (the event dispatcher's `aboutToBlock`).
While a run trains, every paint of a top-level window takes the turn too, announced or not (a layout change,
pyqtgraph's own deferred updates): an unheld first paint of the iris dashboard took half a second. Qt
paints a window a few milliseconds after an update is asked for (a 5 ms timer in QPlatformWindow), after the
loop has gone idle once, so the turn also waits for the window's UpdateRequest — or, when none comes, until
the loop has been idle for PAINT_WAIT_S. The training thread calls `wait` before each batch; it never waits
longer than MAX_WAIT_S, so a GUI thread that stays busy (a modal dialog, a long computation) slows training
down but can never stop it.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QAbstractEventDispatcher, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

MAX_WAIT_S = 0.05
PAINT_WAIT_S = 0.012  # more than Qt's 5 ms between an update request and the paint


class GuiTurn(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._free = threading.Event()
        self._free.set()
        self._active = False
        self._dispatcher: QAbstractEventDispatcher | None = None
        self._windows: list = []  # the top-level widgets watched for their paints while a run trains
        self._painted = False
        self._timer = QTimer(self)  # started when the loop goes idle unpainted: no paint came, the turn ends
        self._timer.setSingleShot(True)
        self._timer.setInterval(round(PAINT_WAIT_S * 1000))
        self._timer.timeout.connect(self.give_back)

    @property
    def active(self) -> bool:
        """Set by the runner while a training thread runs: with none, nothing waits and nothing is watched."""
        return self._active

    @active.setter
    def active(self, active: bool) -> None:
        if active == self._active:
            return
        self._active = active
        if active:
            self._watch_windows()
            return
        self.give_back()
        for window in self._windows:
            try:
                window.removeEventFilter(self)
            except RuntimeError:  # the window is gone already
                pass
        self._windows = []

    @property
    def taken(self) -> bool:
        return not self._free.is_set()

    def take(self) -> None:
        """GUI thread: hold the training thread at its next batch until the window has painted and the event
        loop is idle."""
        if not self._active or not self._free.is_set():
            return
        # Cleared before any call into Qt: such a call lets the training thread run on, up to its next batch.
        self._free.clear()
        self._painted = False
        self._watch(QApplication.activeWindow())  # a dialog opened since the run started
        self._follow_loop()

    def give_back(self) -> None:
        """Let the training thread go on (also safe to call at any time, taken or not)."""
        dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is not None:
            dispatcher.aboutToBlock.disconnect(self._idle)
        self._timer.stop()
        self._free.set()

    def _watch_windows(self) -> None:
        for window in QApplication.topLevelWidgets():  # ~300, menus included: once per run, not per turn
            if window.isVisible():
                self._watch(window)

    def _watch(self, window) -> None:
        # Qt posts a widget window's UpdateRequest to its top-level widget (QWidgetRepaintManager), not to
        # the QWindow beneath it
        if window is not None and window not in self._windows:
            window.installEventFilter(self)
            self._windows.append(window)

    def _follow_loop(self) -> None:
        """Give the turn back once the loop is about to sleep (see _idle)."""
        if self._dispatcher is not None:
            return
        dispatcher = QAbstractEventDispatcher.instance(self.thread())
        if dispatcher is None:  # no event loop yet: nothing would give the turn back
            self._free.set()
            return
        self._dispatcher = dispatcher
        dispatcher.aboutToBlock.connect(self._idle)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.UpdateRequest:  # the window paints while this event is handled
            self._painted = True
            if self._free.is_set():
                # A paint no redraw announced (a layout change, a plot's own deferred range update): the
                # turn is taken for it too, or its every Python callback waits for the lock.
                self._free.clear()
                self._follow_loop()
        return False

    def _idle(self) -> None:
        if self._painted:
            self.give_back()
        elif not self._timer.isActive():
            self._timer.start()

    def wait(self) -> None:
        """Training thread, before each batch: wait while the GUI thread has its turn (at most MAX_WAIT_S)."""
        if not self._free.is_set():
            self._free.wait(MAX_WAIT_S)
