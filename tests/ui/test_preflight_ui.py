"""Before Train: the Problems list shows what Train would refuse with a one-click fix; a field holds a valid value
or blocks Train with the reason; Train from scratch and Continue training are explicit and the runs list says
which each run was. Real clicks and key presses."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from designer.ui.start_page import iris_mlp
from tests.ui.conftest import spiral_project
from tests.ui.gestures import click

TIMEOUT = 60_000


def loaded(qtbot, window):
    qtbot.waitUntil(lambda: "prepared" in window.data_panel.origin, timeout=10_000)


def type_into(field, text: str) -> None:
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key.Key_Return)


def test_output_units_for_the_classes_fixed_with_one_click(make_window, qtbot):
    project = iris_mlp()
    out = project.graph.output_nodes()[0]
    project.graph.set_param(out, "units", 16)
    window = make_window(project)
    loaded(qtbot, window)
    messages = window.problems.messages()
    assert any("16 output units but the data has 3 classes" in m for m in messages)
    assert not any("ready to train" in m for m in messages)
    click(window.training_panel.train_btn)  # refused with the reason, no run started
    assert not window.runner.is_running
    assert "Cannot train yet" in window.statusBar().currentMessage()
    click(window.problems.fix_button("Set units to 3"))
    assert window.project.graph.nodes[out].params["units"] == 3
    qtbot.waitUntil(lambda: any("ready to train" in m for m in window.problems.messages()), timeout=3000)
    window.undo_stack.undo()  # the fix is one undoable step
    assert window.project.graph.nodes[out].params["units"] == 16


def test_a_learning_rate_of_minus_one_blocks_train_and_ten_is_warned(make_window, qtbot):
    window = make_window(iris_mlp())
    loaded(qtbot, window)
    lr = window.training_panel.learning_rate
    type_into(lr, "-1")
    assert any("learning_rate" in m and "previous value" in m for m in window.problems.messages())
    click(window.training_panel.train_btn)
    assert not window.runner.is_running
    assert "learning_rate must be > 0" in window.statusBar().currentMessage()
    type_into(lr, "10")
    assert window.project.training["optimizer"]["learning_rate"] == 10.0
    assert any("very high" in m for m in window.problems.messages())
    click(window.problems.fix_button("Set learning rate to 0.01"))
    assert window.project.training["optimizer"]["learning_rate"] == 0.01
    assert lr.text() in ("0.01", "0,01")


def test_train_from_scratch_then_continue_and_the_runs_list_says_which(make_window, qtbot):
    window = make_window(spiral_project(epochs=1))
    panel = window.training_panel
    assert not panel.continue_btn.isEnabled() and not window.act_continue.isEnabled()
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        click(panel.train_btn)
    qtbot.waitUntil(lambda: panel.continue_btn.isEnabled(), timeout=5000)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        click(panel.continue_btn)
    qtbot.waitUntil(lambda: panel.train_btn.isEnabled(), timeout=5000)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        click(panel.train_btn)
    names = list(window.dashboard.runs)
    assert names == ["run 1 · from scratch", "run 2 · continued", "run 3 · from scratch"]
    assert [run["start"] for run in window.project.history] == ["scratch", "continued", "scratch"]
    # runs 1 and 3 start alike: the same seed and fresh weights give the same first epoch
    first = [run["epochs"][0]["loss"] for run in window.project.history]
    assert first[0] == first[2] and first[1] != first[0]
