"""Train ▸ Experiments… ▸ Overfitting lab: the learning curve and the remedies, clicked as a user would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from designer.learn.lessons import LESSONS
from designer.ui.start_page import iris_mlp
from tests.ui.gestures import click
from tests.ui.test_first_hour import menu_action

TIMEOUT = 180_000


def _open_lab(window):
    menu_action(window, "Train", "Experiments…").trigger()
    dialog = window.learning.experiments_dialog
    bar = dialog.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert dialog.tabs.currentWidget() is dialog.lab
    return dialog, dialog.lab


def test_learning_curve_and_remedies(make_window, qtbot):
    project = LESSONS["overfitting"].variant("no dropout").build()
    project.training["epochs"] = 30
    window = make_window(project)
    _dialog, lab = _open_lab(window)

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


def _buttons(lab) -> tuple[bool, bool, bool]:
    return lab.curve_button.isEnabled(), lab.remedies_button.isEnabled(), lab.stop_button.isEnabled()


def test_stop_ends_a_long_run_and_gives_the_buttons_back(make_window, qtbot):
    project = iris_mlp()
    project.training["epochs"] = 200_000  # hours: only Stop can end it
    window = make_window(project)
    dialog, lab = _open_lab(window)
    assert _buttons(lab) == (True, True, False)
    click(lab.remedies_button)
    assert _buttons(lab) == (False, False, True) and lab.job.isRunning()
    click(lab.remedies_button)  # disabled: no second job
    with qtbot.waitSignal(lab.remedies_done, timeout=TIMEOUT) as blocker:
        click(lab.stop_button)
    assert list(blocker.args[0]) in ([], ["base"])  # stopped before or in the base run: no remedy trained
    assert _buttons(lab) == (True, True, False)
    qtbot.waitUntil(lambda: not lab.job.isRunning(), timeout=TIMEOUT)

    click(lab.curve_button)  # and again with the other job; closing the window stops and joins it
    assert _buttons(lab) == (False, False, True)
    dialog.close()
    assert not lab.job.isRunning()


def test_a_project_that_cannot_train_says_why_in_the_lab(make_window, qtbot):
    project = iris_mlp()
    out = [n for n in project.graph.topological_order() if project.graph.nodes[n].type == "Dense"][-1]
    project.graph.set_param(out, "units", 5)  # 3 species, 5 output units
    window = make_window(project)
    _dialog, lab = _open_lab(window)
    for button, signal in ((lab.remedies_button, lab.remedies_done), (lab.curve_button, lab.curve_done)):
        with qtbot.waitSignal(signal, timeout=TIMEOUT) as blocker:
            click(button)
        assert blocker.args[0] is None
        assert lab.status.text().startswith("Cannot run: ") and "units" in lab.status.text()
        assert _buttons(lab) == (True, True, False)
        qtbot.waitUntil(lambda: not lab.job.isRunning(), timeout=TIMEOUT)
