"""Train ▸ Find learning rate…: the user's whole path — pick the menu item, see the curve on a log axis with
the suggestion marked, click Apply, see the rate in the training panel, undo it."""

from __future__ import annotations

import math

import numpy as np

from designer.ui.start_page import iris_mlp
from tests.ui.gestures import click
from tests.ui.test_first_hour import menu_action

TIMEOUT = 60_000


def test_find_apply_and_undo_a_learning_rate(make_window, qtbot):
    window = make_window(iris_mlp())
    window.project.weights = {}
    before = window.project.training["optimizer"]["learning_rate"]
    menu_action(window, "Train", "Find learning rate…").trigger()
    dialog = window.learning.lr_dialog
    assert dialog.isVisible()
    with qtbot.waitSignal(dialog.finished_test, timeout=TIMEOUT) as blocker:
        pass
    result = blocker.args[0]
    assert result is not None and result.suggested is not None
    # the plot: x in log10 units, the curve drawn, the marker at the suggestion
    assert dialog.plot.getPlotItem().ctrl.logXCheck.isChecked()
    xs, ys = dialog.smooth_curve.getOriginalDataset()
    assert len(xs) == len(result.lr) and np.all(np.isfinite(ys))
    assert dialog.marker.isVisible() and math.isclose(dialog.marker.value(), math.log10(result.suggested))
    assert "Suggested learning rate" in dialog.status.text()
    assert not window.project.weights  # the real (empty) weights were not touched
    assert not window.isWindowModified()

    click(dialog.apply_button)
    shown = float(f"{result.suggested:.3g}")
    assert window.project.training["optimizer"]["learning_rate"] == shown
    assert window.training_panel.learning_rate.value() == shown
    assert window.isWindowModified()
    menu_action(window, "Edit", "Undo").trigger()
    assert window.project.training["optimizer"]["learning_rate"] == before
    assert window.training_panel.learning_rate.value() == before


def test_a_project_that_cannot_train_says_why_in_the_dialog(make_window, qtbot):
    project = iris_mlp()
    out = [n for n in project.graph.topological_order() if project.graph.nodes[n].type == "Dense"][-1]
    project.graph.set_param(out, "units", 5)  # 3 species, 5 output units
    window = make_window(project)
    menu_action(window, "Train", "Find learning rate…").trigger()
    dialog = window.learning.lr_dialog
    with qtbot.waitSignal(dialog.finished_test, timeout=TIMEOUT) as blocker:
        pass
    assert blocker.args[0] is None
    assert "Cannot run the test" in dialog.status.text() and "units" in dialog.status.text()
    assert not dialog.apply_button.isEnabled()
    click(dialog.again_button)  # runs again, fails the same way, no crash
    with qtbot.waitSignal(dialog.finished_test, timeout=TIMEOUT):
        pass
    dialog.close()
    assert not dialog.job.isRunning()
