"""Train ▸ Experiments…: type the values to try, run the sweep, sort the runs table by clicking its header,
apply the best run, undo it."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from designer.ui.start_page import iris_mlp
from tests.ui.gestures import click
from tests.ui.test_first_hour import menu_action

TIMEOUT = 180_000


def test_sweep_table_sort_apply_and_undo(make_window, qtbot):
    project = iris_mlp()
    project.training["epochs"] = 6
    window = make_window(project)
    menu_action(window, "Train", "Experiments…").trigger()
    panel = window.learning.experiments_dialog.sweep
    QTest.keyClicks(panel.edits["lr"], "0.001, 0.05")
    QTest.keyClicks(panel.edits["units"], "8, 32")
    with qtbot.waitSignal(panel.sweep_finished, timeout=TIMEOUT) as blocker:
        click(panel.run_button)
    result = blocker.args[0]
    assert result is not None, panel.status.text()
    assert len(result.runs) == 4 and panel.table.rowCount() == 4
    assert len(panel.curves) == 4  # every run's validation curve overlaid
    texts = {panel.table.item(r, 1).text() for r in range(4)}
    assert "lr 0.01 → 0.001, units 16 → 8" in texts
    header = panel.table.horizontalHeader()
    x = header.sectionViewportPosition(2) + header.sectionSize(2) // 2
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    scores = [panel.table.item(r, 2).value for r in range(4)]
    assert scores == sorted(scores) or scores == sorted(scores, reverse=True)

    best = result.best
    if not best.changes:  # the project's own settings won: nothing to apply
        assert not panel.apply_button.isEnabled()
        return
    before_lr, before_units = window.project.training["optimizer"]["learning_rate"], 16
    click(panel.apply_button)
    assert window.project.training["optimizer"]["learning_rate"] == best.settings["lr"]
    assert window.project.graph.nodes["dense_1"].params["units"] == best.settings["units"]
    assert window.project.graph.nodes["dense_2"].params["units"] == 3
    menu_action(window, "Edit", "Undo").trigger()  # one step takes back graph and settings
    assert window.project.training["optimizer"]["learning_rate"] == before_lr
    assert window.project.graph.nodes["dense_1"].params["units"] == before_units


def test_a_bad_value_is_said_in_the_panel(make_window, qtbot):
    window = make_window(iris_mlp())
    menu_action(window, "Train", "Experiments…").trigger()
    panel = window.learning.experiments_dialog.sweep
    QTest.keyClicks(panel.edits["dropout"], "0.5")
    with qtbot.waitSignal(panel.sweep_finished, timeout=TIMEOUT) as blocker:
        click(panel.run_button)
    assert blocker.args[0] is None
    assert panel.status.text().startswith("Cannot run") and "no Dropout layer" in panel.status.text()
    assert panel.run_button.isEnabled()
    panel.edits["dropout"].clear()
    with qtbot.waitSignal(panel.sweep_finished, timeout=TIMEOUT) as blocker:
        click(panel.run_button)
    assert blocker.args[0] is None and "at least one setting" in panel.status.text()


def test_stop_ends_a_long_run_in_the_middle(make_window, qtbot):
    project = iris_mlp()
    project.training["epochs"] = 200_000  # hours: only Stop can end it
    window = make_window(project)
    menu_action(window, "Train", "Experiments…").trigger()
    panel = window.learning.experiments_dialog.sweep
    QTest.keyClicks(panel.edits["lr"], "0.01, 0.02")
    click(panel.run_button)
    qtbot.wait(300)
    assert panel.stop_button.isEnabled()
    with qtbot.waitSignal(panel.sweep_finished, timeout=TIMEOUT) as blocker:
        click(panel.stop_button)
    assert blocker.args[0] is not None and blocker.args[0].runs == []
    assert panel.run_button.isEnabled()
