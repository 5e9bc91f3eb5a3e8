"""What the event loop pays for while something trains: the interpreter's switch interval (background threads
such as the learning-rate finder share the interpreter with the window) and the docks' animations."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel


def test_the_application_hands_the_interpreter_lock_over_quickly(qapp):
    import sys

    from designer.ui.app import SWITCH_INTERVAL_S, DesignerApplication

    assert isinstance(qapp, DesignerApplication)  # the tests' application is the app's own class
    # a repaint hands the lock to and from a background thread at every Python callback: 10 us, not 5 ms
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
