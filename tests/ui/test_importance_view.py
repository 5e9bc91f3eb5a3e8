"""Feature importance in the window: train by clicking Train, open Evaluation ▸ Feature importance by clicking
the tabs, and read the bars: the column that decides the label first, the noise columns near zero."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from designer.project.io import load_project
from designer.ui.plots.dashboard import TAB_EVALUATION
from tests.training.test_importance import signal_and_noise_project

TIMEOUT = 60_000


def click_tab(tabs, index: int) -> None:
    bar = tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index


def trained_window(make_window, qtbot, tmp_path, epochs=60):
    path = signal_and_noise_project(tmp_path)
    project = load_project(path)
    project.training["epochs"] = epochs
    window = make_window(project, path)
    qtbot.waitUntil(lambda: window.data_panel.df is not None and not window.data_panel.loading.isVisible(),
                    timeout=TIMEOUT)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT) as blocker:
        QTest.mouseClick(window.training_panel.train_btn, Qt.MouseButton.LeftButton)
    assert blocker.args[0].reason == "completed"
    qtbot.waitUntil(lambda: bool(window.dashboard.importance.features), timeout=TIMEOUT)
    return window


def test_importance_page_ranks_the_deciding_column_first(make_window, qtbot, tmp_path):
    window = trained_window(make_window, qtbot, tmp_path)
    dashboard = window.dashboard
    click_tab(dashboard.tabs, TAB_EVALUATION)
    click_tab(dashboard.evaluation_pages, 1)
    view = dashboard.importance
    qtbot.waitUntil(view.plot.isVisible, timeout=5_000)
    assert view.features[0] == "signal" and sorted(view.features) == ["colour", "noise", "signal"]
    assert view.values[0] > 0.25 and abs(view.values[1]) < 0.06 and abs(view.values[2]) < 0.06
    assert "accuracy lost" in view.plot.getPlotItem().getAxis("bottom").labelText
    ticks = [name for _, name in view.plot.getAxis("left")._tickLevels[0]]
    assert ticks[0] == "signal"
    assert "180 validation rows" in view.caption.text() and "5 shuffles" in view.caption.text()
    assert dashboard.current_plot() is view.plot  # File ▸ Export plot takes the page shown


def test_new_data_clears_the_importance(make_window, qtbot, tmp_path):
    window = trained_window(make_window, qtbot, tmp_path, epochs=2)
    window.dashboard.forget_results("Data changed")
    assert window.dashboard.importance.features == []
    assert not window.dashboard.importance.plot.isVisibleTo(window.dashboard.importance)
    assert "after a table model is trained" in window.dashboard.importance.caption.text()
