"""The whole first hour of a new user, offscreen, with real gestures: start → import a CSV with text categories
and missing values → set roles → drag layers from the palette and connect them → fix what the pre-flight shows →
train → evaluate → save → reopen → export. Only the operating system's file pickers are answered by the test."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QInputDialog

from designer.ui import project_actions
from tests.ui.canvas_helpers import drag, drop_layer
from tests.ui.gestures import choose, click, on_next_dialog
from tests.ui.test_import_data import penguins_csv, wait_loaded

TIMEOUT = 120_000


def menu_action(window, menu: str, text: str):
    """The action a user picks from a menu of the menu bar (by the texts they read)."""
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == menu:
            for act in top.menu().actions():
                shown = act.text().replace("&", "")
                if shown == text or shown.startswith(text + " "):  # "Undo Paste 3 layers"
                    assert act.isEnabled(), f"{menu} ▸ {text} is disabled"
                    return act
    raise AssertionError(f"no {menu} ▸ {text}")


def test_the_first_hour(make_window, qtbot, tmp_path, monkeypatch):
    csv = penguins_csv(tmp_path / "penguins.csv", n=150)
    picks = {"open": str(csv)}
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (picks["open"], ""))

    # Start: the start page; File ▸ Import data… begins a project around the file, defaults shown in the dialog.
    window = make_window()
    assert window.centre.currentWidget() is window.start_page

    def import_defaults(dialog):
        assert dialog.target_combo.currentText() == "species"
        assert "rownames" not in dialog.selected_features()

    seen = on_next_dialog(import_defaults)
    menu_action(window, "File", "Import data…").trigger()
    assert seen
    wait_loaded(qtbot, window)
    panel = window.data_panel
    assert window.tabs.currentWidget() is panel
    assert "rownames" not in window.project.data["features"]

    # Roles on the Data view: the year is not a feature.
    choose(panel.role_combo("year"), "ignore")
    wait_loaded(qtbot, window)
    assert "year" not in window.project.data["features"]
    assert panel.origin["prepared"]["classes"] == ["Adelie", "Chinstrap", "Gentoo"]

    # Design: two Dense layers dragged from the palette, connected port to port.
    bar = window.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(0).center())
    view = window.canvas
    graph = window.project.graph
    [input_id] = graph.input_nodes()
    centre = view.viewport().rect().center()
    drop_layer(view, "Dense", centre + QPoint(-40, 0))
    drop_layer(view, "Dense", centre + QPoint(160, 60))
    hidden, out = [n for n in graph.nodes if n != input_id]
    click(window.canvas)  # the user clicks the empty canvas, then fits the network to the view
    menu_action(window, "View", "Fit network to view").trigger()
    scene = view.canvas_scene
    drag(view, scene.nodes[input_id].out_port.scenePos(), scene.nodes[hidden].in_port.scenePos())
    drag(view, scene.nodes[hidden].out_port.scenePos(), scene.nodes[out].in_port.scenePos())
    assert sorted(graph.edges) == sorted([(input_id, hidden), (hidden, out)])

    # Pre-flight: 16 output units for 3 classes; one click fixes units and activation.
    qtbot.waitUntil(lambda: bool(window.problems.fix_buttons), timeout=5000)
    assert any("3 classes" in m for m in window.problems.messages())
    click(window.problems.fix_buttons[0])
    qtbot.waitUntil(lambda: not window.problems.fix_buttons or
                    all(b.text() != "Set units to 3" for b in window.problems.fix_buttons), timeout=5000)
    for button in list(window.problems.fix_buttons):  # e.g. "Use softmax with categorical cross-entropy"
        click(button)
    assert graph.nodes[out].params["units"] == 3 and graph.nodes[out].params["activation"] == "softmax"
    assert any("ready to train" in m for m in window.problems.messages())

    # Train (30 epochs typed into the field), then the evaluation shows a confusion matrix.
    epochs = window.training_panel.epochs
    epochs.setFocus()
    epochs.selectAll()
    QTest.keyClicks(epochs, "30")
    QTest.keyClick(epochs, Qt.Key.Key_Return)
    assert window.project.training["epochs"] == 30
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        click(window.training_panel.train_btn)
    qtbot.waitUntil(lambda: window.dashboard.eval_stack.currentWidget() is window.dashboard.confusion,
                    timeout=10_000)
    run = window.project.history[-1]
    assert run["start"] == "scratch" and len(run["epochs"]) == 30
    assert run["epochs"][-1]["accuracy"] > 0.8  # the species are separable by bill length and mass

    # Save, then reopen from the file (File ▸ New first, so the window really reads it back).
    saved = tmp_path / "penguins.nnproj"
    monkeypatch.setattr(project_actions, "ask_save_path", lambda parent, suggested: str(saved))
    menu_action(window, "File", "Save").trigger()
    assert saved.is_file() and not window.isWindowModified()
    menu_action(window, "File", "New").trigger()
    assert window.project.graph.edges == []
    monkeypatch.setattr(project_actions, "ask_open_path", lambda parent, directory="": str(saved))
    menu_action(window, "File", "Open…").trigger()
    assert window.path == str(saved.resolve())
    assert window.project.data["target"] == "species" and "year" not in window.project.data["features"]
    assert len(window.project.history) == 1 and window.project.weights
    wait_loaded(qtbot, window)

    # Export a standalone NumPy predictor and run it on raw rows of the CSV (text categories, missing values).
    out_py = tmp_path / "predict_penguins.py"
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Standalone NumPy predictor (.py)", True))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out_py), ""))
    menu_action(window, "File", "Export…").trigger()
    assert out_py.is_file() and "Exported" in window.statusBar().currentMessage()
    result = subprocess.run([sys.executable, str(out_py), str(csv)], capture_output=True, text=True, timeout=120,
                            encoding="utf-8")
    assert result.returncode == 0, result.stderr
    assert "Adelie" in result.stdout
