"""The main window: layout, editing the network through the canvas, modified state, dropping project files."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from designer.project.io import save_project
from designer.ui.canvas.view import LAYER_MIME
from designer.ui.commands import ConnectCommand, SetParamCommand
from designer.ui.start_page import iris_mlp


def _drop(widget, mime: QMimeData, pos: QPointF) -> QDropEvent:
    """Send a hand-built drag-enter + drop to `widget` (a real QDrag does not run offscreen)."""
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop


def test_window_opens_with_start_page_and_docks(make_window):
    window = make_window()
    assert window.centre.currentWidget() is window.start_page
    assert "Network Designer" in window.windowTitle()
    for dock in (window.palette_dock, window.properties_dock, window.summary_dock, window.problems_dock,
                 window.training_dock, window.dashboard_dock):
        assert dock.widget() is not None
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Train", "Help"]
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["Design", "Data", "Neurons"]


def test_start_page_example_opens_it(make_window):
    window = make_window()
    window.start_page.example_requested.emit("iris")
    assert window.centre.currentWidget() is window.tabs
    assert window.project.name == "Iris classifier"
    assert len(window.project.graph.nodes) == 3


def test_drop_layer_connect_and_set_property(make_window):
    window = make_window(iris_mlp())
    graph = window.project.graph
    before = set(graph.nodes)
    assert not window.isWindowModified()

    mime = QMimeData()
    mime.setData(LAYER_MIME, b"Dropout")
    viewport = window.canvas.viewport()
    drop = _drop(viewport, mime, QPointF(viewport.width() / 2, viewport.height() / 2))
    assert drop.isAccepted()
    added = set(graph.nodes) - before
    assert len(added) == 1
    dropout = added.pop()
    assert graph.nodes[dropout].type == "Dropout"
    assert window.isWindowModified()

    # Put the dropout between the hidden and the output layer, then change its rate: all undoable.
    window.undo_stack.push(ConnectCommand(graph, "dense_1", dropout))
    assert ("dense_1", dropout) in graph.edges
    window.undo_stack.push(SetParamCommand(graph, dropout, "rate", 0.3))
    assert graph.nodes[dropout].params["rate"] == 0.3
    window.act_undo.trigger()
    assert graph.nodes[dropout].params["rate"] != 0.3
    window.act_redo.trigger()
    assert graph.nodes[dropout].params["rate"] == 0.3

    # Undo everything: the window is clean again.
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
    assert set(graph.nodes) == before
    assert not window.isWindowModified()


def test_palette_request_adds_layer_and_selection_shows_properties(make_window):
    window = make_window(iris_mlp())
    window.palette.add_requested.emit("Dense")
    assert "dense_3" in window.project.graph.nodes
    window.canvas.select_node("dense_3")
    assert window.properties.isEnabled()


def test_training_settings_edit_marks_modified(make_window):
    window = make_window(iris_mlp())
    assert not window.isWindowModified()
    window.training_panel.epochs.setValue(7)
    assert window.project.training["epochs"] == 7
    assert window.isWindowModified()
    assert window.windowTitle() == "Iris classifier[*] — Network Designer"


def test_dropping_a_project_file_opens_it(make_window, tmp_path):
    path = tmp_path / "dropped.nnproj"
    project = iris_mlp()
    project.name = "Dropped project"
    save_project(project, path)
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop = _drop(window, mime, QPointF(50, 50))
    assert drop.isAccepted()
    assert window.project.name == "Dropped project"
    assert window.path == str(path.resolve())


def test_other_files_are_not_accepted(make_window, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("hello", encoding="utf-8")
    window = make_window(iris_mlp())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    drop = _drop(window, mime, QPointF(50, 50))
    assert not drop.isAccepted()
    assert window.project.name == "Iris classifier"


def test_panels_are_inactive_until_a_project_is_open(make_window):
    window = make_window()
    assert not window.training_panel.isEnabled() and not window.act_train.isEnabled()
    window.start_page.new_requested.emit()
    assert window.centre.currentWidget() is window.tabs
    assert window.training_panel.isEnabled() and window.act_train.isEnabled()
    assert window.project.graph.input_nodes() == ["input_1"]


def test_data_edits_go_into_the_project_and_mark_it_modified(make_window):
    window = make_window(iris_mlp())
    cfg = dict(window.project.data, scaling="minmax")
    window.data_panel.config_changed.emit(cfg)
    assert window.project.data["scaling"] == "minmax"
    assert window.isWindowModified()


def test_quick_builder_inserts_its_network_as_one_undo_step(make_window, monkeypatch):
    from designer.ui.builder import QuickBuilderDialog

    def accept_defaults(dialog):
        dialog._try_accept()  # OK with the dialog's defaults: an MLP with 2 hidden layers
        return dialog.result()

    monkeypatch.setattr(QuickBuilderDialog, "exec", accept_defaults)
    window = make_window()
    window.start_page.new_requested.emit()
    before = len(window.project.graph.nodes)
    window.act_builder.trigger()
    assert len(window.project.graph.nodes) > before
    window.act_undo.trigger()
    assert len(window.project.graph.nodes) == before
