"""Undo restores exactly what was there, through the window's own menu actions (issue 11)."""

from __future__ import annotations

import copy

from designer.graph import Graph
from designer.project import Project


def unequal_add_project() -> Project:
    """A file may hold an Add whose inputs have unequal shapes: it is marked, not refused."""
    graph = Graph.from_dict({
        "nodes": [{"id": "in", "type": "Input", "params": {"shape": [6]}, "position": [0, 0]},
                  {"id": "a", "type": "Dense", "params": {"units": 4}, "position": [-120, 160]},
                  {"id": "b", "type": "Dense", "params": {"units": 6}, "position": [120, 160]},
                  {"id": "sum", "type": "Add", "params": {}, "position": [0, 320]}],
        "edges": [["in", "a"], ["in", "b"], ["a", "sum"], ["b", "sum"]],
    })
    return Project(name="unequal add", graph=graph)


def test_undo_disconnect_on_an_unequal_shape_add_puts_the_edge_back_in_place(make_window, qtbot):
    window = make_window(unequal_add_project())
    graph = window.project.graph
    before = list(graph.edges)
    assert not graph.analyze().ok  # the file's Add is marked

    # Right-click menu on the edge a → sum, "Disconnect a → sum" (the same menu a person opens).
    window.canvas.fit_to_view()
    edge_mid = window.canvas.canvas_scene.edges[("a", "sum")].path().pointAtPercent(0.5)
    menu = window.canvas.context_menu_at(edge_mid)
    [action] = [a for a in menu.actions() if a.text() == "Disconnect a → sum"]
    action.trigger()
    assert ("a", "sum") not in graph.edges
    assert window.isWindowModified()

    window.act_undo.trigger()  # Edit ▸ Undo: raised ShapeError inside undo() before the fix
    assert graph.edges == before  # the same edge, in the same place: the Add's input order too
    assert graph.inputs_of("sum") == ["a", "b"]
    assert ("a", "sum") in window.canvas.canvas_scene.edges  # the canvas mirrors it
    assert not window.isWindowModified()

    window.act_redo.trigger()
    assert ("a", "sum") not in graph.edges and ("a", "sum") not in window.canvas.canvas_scene.edges


def test_training_settings_edits_are_undone_one_step_at_a_time(make_window, qtbot):
    """Change the optimizer and the learning rate in the panel with the keyboard, Undo twice: both back."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from designer.ui.start_page import iris_mlp

    project = iris_mlp()
    project.training["optimizer"] = {"type": "sgd", "learning_rate": 0.01, "momentum": 0.0, "nesterov": False}
    window = make_window(project)
    panel = window.training_panel
    before = copy.deepcopy(window.project.training)
    assert before["optimizer"]["type"] == "sgd" and before["optimizer"]["learning_rate"] == 0.01

    panel.optimizer.setFocus()
    QTest.keyClick(panel.optimizer, Qt.Key.Key_Down)  # SGD → Adam, as a person steps through the list
    assert window.project.training["optimizer"]["type"] == "adam"

    QTest.mouseDClick(panel.learning_rate, Qt.MouseButton.LeftButton)
    panel.learning_rate.selectAll()
    QTest.keyClicks(panel.learning_rate, "0.003")
    QTest.keyClick(panel.learning_rate, Qt.Key.Key_Return)
    assert window.project.training["optimizer"] == {**window.project.training["optimizer"], "type": "adam",
                                                     "learning_rate": 0.003}
    assert window.isWindowModified()
    assert window.undo_stack.count() == 2

    window.act_undo.trigger()  # Edit ▸ Undo: the learning rate
    assert window.project.training["optimizer"]["type"] == "adam"
    assert window.project.training["optimizer"]["learning_rate"] == 0.01
    assert panel.learning_rate.text() == "0.01" and panel.optimizer.currentData() == "adam"

    window.act_undo.trigger()  # and the optimizer
    assert window.project.training == before
    assert panel.optimizer.currentData() == "sgd" and panel.learning_rate.text() == "0.01"
    assert not window.isWindowModified()

    window.act_redo.trigger()
    window.act_redo.trigger()
    assert window.project.training["optimizer"]["type"] == "adam"
    assert window.project.training["optimizer"]["learning_rate"] == 0.003
    assert panel.optimizer.currentData() == "adam" and panel.learning_rate.text() == "0.003"


def test_data_settings_edits_are_undoable_and_the_input_shape_follows(make_window):
    from designer.ui.start_page import iris_mlp

    project = iris_mlp()
    for node in project.graph.nodes.values():
        node.params.pop("shape", None)  # the Input takes its width from the data
    window = make_window(project)
    session = window.session
    before = copy.deepcopy(window.project.data)
    shape = session.input_shape
    changed = dict(before, features=["sepal_length_cm", "sepal_width_cm"])
    window.data_panel.config_changed.emit(changed)  # what the panel says after a user's edit
    assert window.project.data["features"] == ["sepal_length_cm", "sepal_width_cm"]
    assert session.input_shape == (2,) != shape
    window.act_undo.trigger()
    assert window.project.data == before and session.input_shape == shape
    assert not window.isWindowModified()
