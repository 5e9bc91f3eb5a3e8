"""The workflow rail: its states follow what the user does, and each step's click takes them there."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog

from designer.ui.start_page import iris_mlp
from tests.ui.gestures import click

TIMEOUT = 60_000


def _states(window):
    return dict(window.learning.rail.states)


def test_rail_states_and_clicks_along_the_whole_workflow(make_window, qtbot, tmp_path, monkeypatch):
    project = iris_mlp()
    project.training["epochs"] = 5
    window = make_window(project)
    rail = window.learning.rail
    assert window.learning.rail_bar.isVisible()
    qtbot.waitUntil(lambda: _states(window).get("ingest") == "done", timeout=TIMEOUT)
    s = _states(window)
    assert s["clean"] == "done" and s["prepare"] == "done" and s["design"] == "done"
    assert s["explore"] == "todo" and s["train"] == "todo" and s["deploy"] == "todo"
    assert "iris is read" in rail.buttons["ingest"].toolTip()

    click(rail.buttons["explore"])  # takes the user to the data, which counts as looking at it
    assert window.tabs.currentWidget() is window.data_panel
    qtbot.waitUntil(lambda: _states(window)["explore"] == "done", timeout=TIMEOUT)
    click(rail.buttons["design"])
    assert window.tabs.currentWidget() is window.canvas

    click(rail.buttons["train"])
    assert window.training_panel.train_btn.hasFocus() or window.training_dock.isVisible()
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        click(window.training_panel.train_btn)
    qtbot.waitUntil(lambda: _states(window)["train"] == "done", timeout=TIMEOUT)
    assert _states(window)["evaluate"] in ("done", "attention")
    assert "ready" in rail.buttons["deploy"].toolTip()

    click(rail.buttons["evaluate"])
    tabs = window.dashboard.tabs
    assert tabs.tabText(tabs.currentIndex()) == "Evaluation"

    out = tmp_path / "iris.onnx"
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("ONNX model (.onnx)", True))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    click(rail.buttons["deploy"])  # the export, as File ▸ Export… does it
    assert out.is_file()
    qtbot.waitUntil(lambda: _states(window)["deploy"] == "done", timeout=TIMEOUT)
    assert rail.buttons["deploy"].text().startswith("✓")


def test_a_broken_network_needs_attention_in_design(make_window, qtbot):
    window = make_window(iris_mlp())
    window.project.graph.disconnect("dense_1", "dense_2")
    qtbot.waitUntil(lambda: window.learning.rail.states.get("design") == "attention", timeout=TIMEOUT)
    assert window.learning.rail.buttons["design"].text().startswith("!")
