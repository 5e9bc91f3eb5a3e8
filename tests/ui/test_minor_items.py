"""Small things a new user met in the first hour, each fixed and kept fixed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QInputDialog

from designer.graph.model import Graph
from designer.project.io import save_project
from designer.ui.neurons_view import dense_layers
from designer.ui.start_page import iris_mlp
from tests.ui.gestures import on_next_dialog
from tests.ui.test_first_hour import menu_action


def test_double_clicking_a_recent_project_opens_it_once(make_window, tmp_path, qtbot):
    path = tmp_path / "recent.nnproj"
    save_project(iris_mlp(), path)
    window = make_window()
    window.recent.add(str(path))
    window.start_page.set_recent(window.recent.paths())
    opened = []
    window.start_page.recent_requested.connect(opened.append)
    recent = window.start_page.recent
    rect = recent.visualItemRect(recent.item(0))
    port, left, at = recent.viewport(), Qt.MouseButton.LeftButton, rect.center()
    QTest.mouseClick(port, left, pos=at)  # a double-click as the system sends it: click, then double-click
    QTest.mouseDClick(port, left, pos=at)
    QTest.mouseRelease(port, left, pos=at)
    assert len(opened) == 1
    assert window.path == str(path.resolve())


def test_a_new_dense_layer_of_16_units_is_drawn_by_the_neurons_view():
    g = Graph()
    g.add_node("Input", {"shape": [2]}, node_id="input_1")
    g.add_node("Dense", {}, node_id="dense_1")  # 16 units by default
    g.add_node("Dense", {"units": 2}, node_id="dense_2")
    g.connect("input_1", "dense_1")
    g.connect("dense_1", "dense_2")
    layers, reason = dense_layers(g)
    assert reason == "" and layers[1] == ("dense_1", 16)


def test_progress_follows_a_new_number_of_epochs(make_window):
    window = make_window(iris_mlp())
    epochs = window.training_panel.epochs
    epochs.setFocus()
    epochs.selectAll()
    QTest.keyClicks(epochs, "500")
    QTest.keyClick(epochs, Qt.Key.Key_Return)
    assert window.training_panel.progress.maximum() == 500 and window.training_panel.progress.value() == 0


def test_export_remembers_the_format(make_window, tmp_path, monkeypatch):
    window = make_window(iris_mlp())
    offered = []

    def pick(parent, title, label, items, current, editable):
        offered.append(items[current])
        return "PyTorch model and training script (.py)", True

    monkeypatch.setattr(QInputDialog, "getItem", pick)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))  # then cancelled
    menu_action(window, "File", "Export…").trigger()
    menu_action(window, "File", "Export…").trigger()
    assert offered == ["ONNX model (.onnx)", "PyTorch model and training script (.py)"]


def test_help_has_getting_started_and_tooltips_say_enough(make_window):
    window = make_window(iris_mlp())
    texts = []
    seen = on_next_dialog(lambda box: texts.append(box.text()))
    menu_action(window, "Help", "Getting started").trigger()
    assert seen and "Import data" in texts[0] and "Train from scratch" in texts[0]
    tip = window.training_panel.learning_rate.toolTip()
    assert "Too small" in tip and len(tip) > 80


def test_data_notes_name_the_option_not_an_internal_key(make_window, qtbot):
    window = make_window(iris_mlp())
    panel = window.data_panel
    qtbot.waitUntil(lambda: "prepared" in panel.origin, timeout=10_000)
    text = panel.status_label.text()
    assert "duplicate row(s) kept" in text and "data.drop_duplicates" not in text
