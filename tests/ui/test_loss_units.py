"""A regression run with a standardised target says so on the loss plot; MAE is in the target's units."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from designer.project.io import load_project
from tests.ui.gestures import click

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _titles(window) -> tuple[str, str]:
    metrics = window.dashboard.metrics
    return metrics._names[metrics.loss_plot], metrics._names[metrics.metric_plot]  # title or, when short, y label


def _train(qtbot, window) -> None:
    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        click(window.training_panel.train_btn)


def test_standardised_target_is_named_on_the_loss_plot(make_window, qtbot):
    project = load_project(EXAMPLES / "diabetes_regression.nnproj")
    project.training.update(epochs=2, early_stopping=None)
    project.data["target_scaling"] = "standard"
    window = make_window(project, str(EXAMPLES / "diabetes_regression.nnproj"))
    _train(qtbot, window)
    loss_title, metric_title = _titles(window)
    assert "standardised target" in loss_title and metric_title == "MAE (target units)"
    # the same data with the target left as is: plain titles again
    bar = window.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(window.tabs.indexOf(window.data_panel)).center())
    check = window.data_panel.target_scaling_check
    with qtbot.waitSignal(window.data_panel.table_loaded, timeout=30_000):
        QTest.mouseClick(check, Qt.MouseButton.LeftButton, pos=check.rect().center() / 4)  # on the box
    assert window.project.data["target_scaling"] == "none"
    _train(qtbot, window)
    assert _titles(window) == ("Loss", "MAE")


def test_classification_loss_plot_has_no_units(make_window, qtbot):
    project = load_project(EXAMPLES / "iris_mlp.nnproj")
    project.training.update(epochs=1, early_stopping=None)
    window = make_window(project, str(EXAMPLES / "iris_mlp.nnproj"))
    _train(qtbot, window)
    assert _titles(window) == ("Loss", "Accuracy")
