"""Train ▸ Experiments… ▸ Overfitting lab: the learning curve and the remedies, clicked as a user would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from designer.learn.lessons import LESSONS
from tests.ui.gestures import click
from tests.ui.test_first_hour import menu_action

TIMEOUT = 180_000


def test_learning_curve_and_remedies(make_window, qtbot):
    project = LESSONS["overfitting"].variant("no dropout").build()
    project.training["epochs"] = 30
    window = make_window(project)
    menu_action(window, "Train", "Experiments…").trigger()
    dialog = window.learning.experiments_dialog
    bar = dialog.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    lab = dialog.lab
    assert dialog.tabs.currentWidget() is lab

    with qtbot.waitSignal(lab.remedies_done, timeout=TIMEOUT) as blocker:
        click(lab.remedies_button)
    runs = blocker.args[0]
    assert list(runs) == ["base", "dropout", "smaller", "batchnorm", "l2", "early_stopping"]
    assert set(lab.remedy_curves) == set(runs) and lab.table.rowCount() == 6
    assert lab.table.item(0, 0).text() == "base run"
    assert "Lowest final validation loss" in lab.status.text()

    with qtbot.waitSignal(lab.curve_done, timeout=TIMEOUT) as blocker:
        click(lab.curve_button)
    points = blocker.args[0]
    xs, _ys = lab.curve_line.getData()
    assert len(points) == 10 and list(xs) == [10 * i for i in range(1, 11)]
    assert "rows" in lab.status.text() and ("more data" in lab.status.text() or "not help" in lab.status.text())
