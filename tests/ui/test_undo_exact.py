"""Undo restores exactly what was there, through the window's own menu actions (issue 11)."""

from __future__ import annotations

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
