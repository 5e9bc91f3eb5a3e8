"""Every menu action and toolbar button, triggered as a user would (a menu pick, a toolbar click), with its
visible result checked. Import data, Export and Quick builder have their own journeys (test_import_data,
test_first_hour, test_builder)."""

from __future__ import annotations

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolBar

from designer.ui import project_actions
from designer.ui.start_page import iris_mlp
from tests.ui.conftest import spiral_project
from tests.ui.gestures import click, on_next_dialog
from tests.ui.test_first_hour import menu_action

TIMEOUT = 60_000


def toolbar_button(window, text: str):
    bar = window.findChild(QToolBar, "toolbar-main")
    for act in bar.actions():
        if act.text().replace("&", "") == text:
            return bar.widgetForAction(act)
    raise AssertionError(f"no toolbar button {text}")


def test_file_actions_new_save_as_open_recent_quit(make_window, tmp_path, monkeypatch):
    window = make_window(iris_mlp())
    target = tmp_path / "mine.nnproj"
    monkeypatch.setattr(project_actions, "ask_save_path", lambda parent, suggested: str(target))
    menu_action(window, "File", "Save As…").trigger()
    assert target.is_file() and window.windowTitle().startswith("Iris classifier")
    click(toolbar_button(window, "New"))
    assert list(window.project.graph.nodes) == ["input_1"] or len(window.project.graph.nodes) == 1
    assert window.path is None
    window.recent_menu.aboutToShow.emit()  # what opening the submenu does
    [recent] = [a for a in window.recent_menu.actions() if "mine.nnproj" in a.text()]
    recent.trigger()
    assert window.path == str(target.resolve()) and len(window.project.graph.nodes) == 3
    monkeypatch.setattr(project_actions, "ask_open_path", lambda parent, directory="": str(target))
    menu_action(window, "File", "New").trigger()
    click(toolbar_button(window, "Open…"))
    assert window.path == str(target.resolve())
    window.project.graph.move_node("input_1", (5.0, 5.0))
    click(toolbar_button(window, "Save"))
    assert not window.isWindowModified()
    menu_action(window, "File", "Quit").trigger()
    assert not window.isVisible()


def test_edit_actions_on_the_canvas(make_window, qtbot):
    window = make_window(iris_mlp())
    graph = window.project.graph
    menu_action(window, "Edit", "Select All").trigger()
    assert len(window.canvas.selected_node_ids()) == 3
    menu_action(window, "Edit", "Copy").trigger()
    menu_action(window, "Edit", "Paste").trigger()
    assert len(graph.nodes) == 6
    undo, redo = toolbar_button(window, "Undo"), toolbar_button(window, "Redo")
    width = undo.width()
    assert "Paste" in undo.toolTip()
    click(undo)
    assert len(graph.nodes) == 3
    click(redo)
    assert len(graph.nodes) == 6 and undo.width() == width  # the buttons do not shift with the undo text
    menu_action(window, "Edit", "Undo").trigger()
    menu_action(window, "Edit", "Redo").trigger()
    assert len(graph.nodes) == 6
    menu_action(window, "Edit", "Select All").trigger()
    menu_action(window, "Edit", "Delete").trigger()
    assert len(graph.nodes) == 0
    menu_action(window, "Edit", "Undo").trigger()
    assert len(graph.nodes) == 6
    menu_action(window, "Edit", "Select All").trigger()
    menu_action(window, "Edit", "Cut").trigger()
    assert len(graph.nodes) == 0
    menu_action(window, "Edit", "Paste").trigger()
    assert len(graph.nodes) == 6


def test_view_actions_zoom_fit_arrange_and_docks(make_window):
    window = make_window(iris_mlp())
    view = window.canvas
    scale = view.transform().m11()
    menu_action(window, "View", "Zoom out").trigger()
    assert view.transform().m11() < scale
    menu_action(window, "View", "Zoom in").trigger()
    menu_action(window, "View", "Zoom in").trigger()
    assert view.transform().m11() > scale * 0.99
    graph = window.project.graph
    for nid in graph.nodes:
        graph.move_node(nid, (0.0, 0.0))
    menu_action(window, "View", "Arrange layers").trigger()
    assert len({graph.nodes[n].position for n in graph.nodes}) == 3
    click(toolbar_button(window, "Fit network to view"))
    rect = view.mapFromScene(view.canvas_scene.itemsBoundingRect()).boundingRect()
    assert view.viewport().rect().adjusted(-2, -2, 2, 2).contains(rect)
    for dock in (window.palette_dock, window.properties_dock, window.summary_dock, window.problems_dock,
                 window.training_dock, window.dashboard_dock):
        title = dock.windowTitle()
        before = dock.isVisible()
        menu_action(window, "View", title).trigger()
        assert dock.isVisible() != before, title
        menu_action(window, "View", title).trigger()
        assert dock.isVisible() == before, title


def test_train_actions_from_the_toolbar_and_menu(make_window, qtbot):
    # long enough that a fast, quiet machine cannot finish the run before Pause is clicked; Stop ends it
    window = make_window(spiral_project(epochs=100_000, samples=400))
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=TIMEOUT):
        click(toolbar_button(window, "Train from scratch"))
    click(toolbar_button(window, "Pause"))
    qtbot.waitUntil(lambda: window.act_resume.isEnabled(), timeout=10_000)
    assert window.training_panel.pause_btn.text() == "Resume"
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=TIMEOUT):
        click(toolbar_button(window, "Step epoch"))
    with qtbot.waitSignal(window.runner.batch_ended, timeout=TIMEOUT):
        menu_action(window, "Train", "Step batch").trigger()
    click(toolbar_button(window, "Resume"))
    qtbot.waitUntil(lambda: window.act_pause.isEnabled(), timeout=10_000)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        click(toolbar_button(window, "Stop"))
    qtbot.waitUntil(lambda: window.act_continue.isEnabled(), timeout=5000)
    assert window.project.history[-1]["reason"] == "stopped"
    window.project.training["epochs"] = 1
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        click(toolbar_button(window, "Continue training"))
    assert window.project.history[-1]["start"] == "continued"
    qtbot.waitUntil(lambda: window.act_reset.isEnabled(), timeout=5000)
    menu_action(window, "Train", "Reset weights").trigger()
    assert window.project.weights == {} and not window.act_continue.isEnabled()
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        menu_action(window, "Train", "Train from scratch").trigger()
    qtbot.waitUntil(lambda: window.act_continue.isEnabled(), timeout=5000)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        menu_action(window, "Train", "Continue training").trigger()
    assert [r["start"] for r in window.project.history][-2:] == ["scratch", "continued"]


def test_help_about_shows_the_version(make_window):
    from designer import __version__

    window = make_window(iris_mlp())
    texts = []
    seen = on_next_dialog(lambda box: texts.append(box.text()))
    menu_action(window, "Help", "About").trigger()
    assert seen and __version__ in texts[0]
    QTest.qWait(10)
