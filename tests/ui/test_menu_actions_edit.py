"""The File, Edit, View and Help menus: each action fired from the menu and by its shortcut, with its effect
on the project, the file on disk or the view checked. (The Train menu: test_menu_actions.py.)"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from designer.project.io import load_project, save_project
from designer.ui import project_actions
from designer.ui.start_page import iris_mlp
from tests.ui.test_menu_actions import fire, menu_action

BOTH = pytest.mark.parametrize("how", ["menu", "shortcut"])


def _saved_window(make_window, tmp_path):
    path = tmp_path / "iris.nnproj"
    save_project(iris_mlp(), path)
    return make_window(load_project(path), str(path)), path


@BOTH
def test_new_starts_an_empty_project(make_window, qtbot, tmp_path, how):
    window, _ = _saved_window(make_window, tmp_path)
    fire(qtbot, window, "File", "New", how)
    assert window.project.name == "Untitled" and window.path is None
    assert list(window.project.graph.nodes) == ["input_1"]


@BOTH
def test_open_reads_the_chosen_file(make_window, qtbot, tmp_path, monkeypatch, how):
    other = iris_mlp()
    other.name = "Chosen one"
    save_project(other, tmp_path / "chosen.nnproj")
    monkeypatch.setattr(project_actions, "ask_open_path", lambda parent, start="": str(tmp_path / "chosen.nnproj"))
    window = make_window()
    fire(qtbot, window, "File", "Open…", how)
    assert window.project.name == "Chosen one"
    assert window.path == str((tmp_path / "chosen.nnproj").resolve())


@BOTH
def test_save_writes_the_edit_to_the_file(make_window, qtbot, tmp_path, how):
    window, path = _saved_window(make_window, tmp_path)
    window.training_panel.epochs.setValue(13)
    assert window.isWindowModified()
    fire(qtbot, window, "File", "Save", how)
    assert not window.isWindowModified()
    assert load_project(path).training["epochs"] == 13


@BOTH
def test_save_as_writes_a_new_file_and_follows_it(make_window, qtbot, tmp_path, monkeypatch, how):
    window, path = _saved_window(make_window, tmp_path)
    target = tmp_path / "copy.nnproj"
    monkeypatch.setattr(project_actions, "ask_save_path", lambda parent, suggested: str(target))
    window.training_panel.epochs.setValue(21)
    fire(qtbot, window, "File", "Save As…", how)
    assert load_project(target).training["epochs"] == 21
    assert load_project(path).training["epochs"] != 21  # the original is untouched
    assert window.path == str(target.resolve())


@BOTH
def test_export_writes_the_chosen_format(make_window, qtbot, tmp_path, monkeypatch, how):
    from designer.training.run import build_and_prepare

    window, _ = _saved_window(make_window, tmp_path)
    network, _ = build_and_prepare(window.project, tmp_path)
    window.project.weights = network.get_weights()  # export needs weights: the untrained ones do
    out = tmp_path / "exported.py"
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(
        lambda parent, title, label, items, current=0, editable=False: (items[1], True)))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "")))
    fire(qtbot, window, "File", "Export…", how)
    assert out.is_file() and "def predict" in out.read_text(encoding="utf-8")


@BOTH
def test_quit_closes_the_window(make_window, qtbot, how):
    window = make_window(iris_mlp())
    if how == "shortcut" and menu_action(window, "File", "Quit").shortcut().isEmpty():
        pytest.skip("this platform theme has no standard Quit key (Windows and Qt's offscreen theme)")
    fire(qtbot, window, "File", "Quit", how)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)


@BOTH
def test_select_all_delete_undo_redo(make_window, qtbot, how):
    window = make_window(iris_mlp())
    nodes = set(window.project.graph.nodes)
    fire(qtbot, window, "Edit", "Select All", how)
    assert set(window.canvas.selected_node_ids()) == nodes
    fire(qtbot, window, "Edit", "Delete", how)
    assert window.project.graph.nodes == {}
    fire(qtbot, window, "Edit", "Undo", how)
    assert set(window.project.graph.nodes) == nodes
    fire(qtbot, window, "Edit", "Redo", how)
    assert window.project.graph.nodes == {}


@BOTH
def test_copy_paste_and_cut(make_window, qtbot, how):
    window = make_window(iris_mlp())
    graph = window.project.graph
    window.canvas.select_node("dense_1")
    fire(qtbot, window, "Edit", "Copy", how)
    before = set(graph.nodes)
    fire(qtbot, window, "Edit", "Paste", how)
    pasted = set(graph.nodes) - before
    assert len(pasted) == 1 and graph.nodes[pasted.pop()].type == "Dense"
    window.canvas.select_node("dense_1")
    fire(qtbot, window, "Edit", "Cut", how)
    assert "dense_1" not in graph.nodes
    fire(qtbot, window, "Edit", "Paste", how)
    assert len(graph.nodes) == len(before) + 1


def _settle_zoom(qtbot, canvas) -> None:
    """Wait until the view's scale stops changing (a deferred fit-to-view after the window's first layout)."""
    last = None
    for _ in range(20):
        qtbot.wait(50)
        scale = canvas.transform().m11()
        if scale == last:
            return
        last = scale


@BOTH
def test_zoom_in_out_and_fit(make_window, qtbot, how):
    window = make_window(iris_mlp())
    canvas = window.canvas
    _settle_zoom(qtbot, canvas)  # the first show fits the network to the view a moment later
    start = canvas.transform().m11()
    fire(qtbot, window, "View", "Zoom in", how)
    bigger = canvas.transform().m11()
    assert bigger > start
    fire(qtbot, window, "View", "Zoom out", how)
    fire(qtbot, window, "View", "Zoom out", how)
    assert canvas.transform().m11() < bigger
    canvas.zoom_by(3.0)
    fire(qtbot, window, "View", "Fit network to view", how)
    view_rect = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    for item in canvas.canvas_scene.nodes.values():
        assert view_rect.contains(item.sceneBoundingRect())


@BOTH
def test_arrange_moves_scattered_layers_into_order(make_window, qtbot, how):
    window = make_window(iris_mlp())
    graph = window.project.graph
    for i, nid in enumerate(reversed(list(graph.nodes))):
        graph.move_node(nid, (i * 37.0, i * 300.0))
    before = {nid: n.position for nid, n in graph.nodes.items()}
    fire(qtbot, window, "View", "Arrange layers", how)
    after = {nid: n.position for nid, n in graph.nodes.items()}
    assert after != before
    order = graph.topological_order()
    xs = [after[n][0] for n in order]
    ys = [after[n][1] for n in order]
    assert xs == sorted(xs) or ys == sorted(ys)  # laid out along the data flow
    fire(qtbot, window, "Edit", "Undo", "menu")
    assert {nid: n.position for nid, n in graph.nodes.items()} == before


def test_quick_builder_from_its_shortcut(make_window, qtbot, monkeypatch):
    from designer.ui.builder import QuickBuilderDialog

    def accept_defaults(dialog):
        dialog._try_accept()
        return dialog.result()

    monkeypatch.setattr(QuickBuilderDialog, "exec", accept_defaults)
    window = make_window(iris_mlp())
    before = len(window.project.graph.nodes)
    fire(qtbot, window, "Edit", "Quick builder…", "shortcut")
    assert len(window.project.graph.nodes) > before


def test_panel_toggles_hide_and_show_their_docks(make_window, qtbot):
    window = make_window(iris_mlp())
    for dock in (window.palette_dock, window.properties_dock, window.summary_dock, window.problems_dock,
                 window.training_dock, window.dashboard_dock):
        act = menu_action(window, "View", dock.toggleViewAction().text())
        assert dock.isVisible()
        act.trigger()
        assert not dock.isVisible()
        act.trigger()
        assert dock.isVisible()


def test_about_shows_the_version(make_window, qtbot, monkeypatch):
    from designer import __version__

    shown = []
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda parent, title, text: shown.append(text)))
    window = make_window(iris_mlp())
    menu_action(window, "Help", "About").trigger()
    assert shown and __version__ in shown[0]
