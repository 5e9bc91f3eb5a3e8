"""The canvas driven as a person would: drop, connect by dragging ports, refuse, delete, undo, clipboard."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from designer.graph.model import Graph
from tests.ui.canvas_helpers import drag, drop_layer, make_view, two_nodes, vp


def test_drop_from_palette_adds_layer_where_dropped(qtbot):
    view = make_view(qtbot)
    drop_layer(view, "Dense", QPoint(300, 200))
    assert list(view.graph.nodes) == ["dense_1"]
    item = view.canvas_scene.nodes["dense_1"]
    centre = view.mapToScene(QPoint(300, 200))
    assert abs(item.sceneBoundingRect().center().x() - centre.x()) < 5
    assert view.undo_stack.count() == 1
    view.undo_stack.undo()
    assert view.graph.nodes == {} and view.canvas_scene.nodes == {}


def test_drop_of_unknown_payload_is_refused(qtbot):
    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QDragEnterEvent
    from PySide6.QtWidgets import QApplication

    view = make_view(qtbot)
    mime = QMimeData()
    mime.setData("application/x-nn-layer", b"Transformer")
    enter = QDragEnterEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(view.viewport(), enter)
    assert not enter.isAccepted()


def test_connect_by_dragging_from_output_to_input_port(qtbot):
    view = make_view(qtbot)
    a, b = two_nodes(view)
    scene = view.canvas_scene
    drag(view, scene.nodes[a].out_port.scenePos(), scene.nodes[b].in_port.scenePos())
    assert view.graph.edges == [(a, b)]
    assert (a, b) in scene.edges
    assert not scene.linking  # the live curve is gone
    edge = scene.edges[(a, b)]
    assert edge.path().elementCount() == 4  # move + one cubic (3 points)
    # Moving the target bends the curve with it.
    before = edge.path().pointAtPercent(1.0)
    scene.nodes[b].setPos(scene.nodes[b].pos() + QPointF(0, 100))
    assert edge.path().pointAtPercent(1.0).y() == before.y() + 100


def test_live_curve_follows_the_mouse(qtbot):
    view = make_view(qtbot)
    a, _ = two_nodes(view)
    scene = view.canvas_scene
    port = view.viewport()
    start = vp(view, scene.nodes[a].out_port.scenePos())
    QTest.mousePress(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(port, start + QPoint(120, 80))
    assert scene.linking
    end = scene._link_item.path().pointAtPercent(1.0)
    target = view.mapToScene(start + QPoint(120, 80))
    assert abs(end.x() - target.x()) < 2 and abs(end.y() - target.y()) < 2
    QTest.mouseRelease(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(120, 80))
    assert not scene.linking and view.graph.edges == []


def test_invalid_connection_is_refused_with_reason(qtbot):
    view = make_view(qtbot)
    a, b = two_nodes(view, "Input", "Dense")
    c = view.add_layer("Input", QPointF(0, 200))
    scene = view.canvas_scene
    drag(view, scene.nodes[a].out_port.scenePos(), scene.nodes[b].in_port.scenePos())
    with qtbot.waitSignal(view.message) as blocker:
        drag(view, scene.nodes[c].out_port.scenePos(), scene.nodes[b].in_port.scenePos())
    assert view.graph.edges == [(a, b)]
    assert "takes a single input" in blocker.args[0]
    assert "takes a single input" in view.last_message
    # Dragging backwards from an output onto an upstream node would make a cycle.
    with qtbot.waitSignal(view.message) as blocker:
        drag(view, scene.nodes[b].out_port.scenePos(), scene.nodes[a].sceneBoundingRect().center())
    assert "Input" in blocker.args[0] or "cycle" in blocker.args[0]
    assert view.graph.edges == [(a, b)]


def test_merge_layer_input_port_takes_many_edges(qtbot):
    view = make_view(qtbot)
    a = view.add_layer("Dense", QPointF(0, 0))
    b = view.add_layer("Dense", QPointF(0, 200))
    m = view.add_layer("Add", QPointF(400, 100))
    scene = view.canvas_scene
    for src in (a, b):
        drag(view, scene.nodes[src].out_port.scenePos(), scene.nodes[m].in_port.scenePos())
    assert view.graph.inputs_of(m) == [a, b]


def test_node_shows_shape_and_params_and_marks_errors(qtbot):
    view = make_view(qtbot)
    a, b = two_nodes(view)
    view.set_input_shape((4,))
    scene = view.canvas_scene
    # Not yet connected: the Dense layer is invalid and says why.
    assert scene.nodes[b].invalid and "needs an input" in scene.nodes[b].toolTip()
    drag(view, scene.nodes[a].out_port.scenePos(), scene.nodes[b].in_port.scenePos())
    qtbot.waitUntil(lambda: not scene.nodes[b].invalid)
    assert scene.nodes[b].shape_text == "(None, 16)"
    assert scene.nodes[b].params_count == 4 * 16 + 16


def test_select_move_is_one_undo_step(qtbot):
    view = make_view(qtbot)
    a, b = two_nodes(view)
    scene = view.canvas_scene
    view.undo_stack.clear()
    centre = scene.nodes[a].sceneBoundingRect().center()
    drag(view, centre, centre + QPointF(0, 120), steps=6)
    assert view.undo_stack.count() == 1
    assert abs(view.graph.nodes[a].position[1] - (-35 + 120)) < 1e-6
    view.undo_stack.undo()
    assert abs(scene.nodes[a].pos().y() - (-35)) < 1e-6


def test_delete_undo_redo_keeps_edges(qtbot):
    view = make_view(qtbot)
    a, b = two_nodes(view)
    c = view.add_layer("Dense", QPointF(800, 0))
    scene = view.canvas_scene
    drag(view, scene.nodes[a].out_port.scenePos(), scene.nodes[b].in_port.scenePos())
    drag(view, scene.nodes[b].out_port.scenePos(), scene.nodes[c].in_port.scenePos())
    view.select_node(b)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert b not in view.graph.nodes and view.graph.edges == []
    assert set(scene.edges) == set()
    view.undo_stack.undo()
    assert view.graph.edges == [(a, b), (b, c)]
    assert set(scene.edges) == {(a, b), (b, c)}
    view.undo_stack.redo()
    assert b not in scene.nodes


def test_select_all_rubber_band_and_selection_signal(qtbot):
    view = make_view(qtbot)
    a, b = two_nodes(view)
    with qtbot.waitSignal(view.node_selected) as blocker:
        view.select_node(a)
    assert blocker.args == [a]
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert sorted(view.selected_node_ids()) == sorted([a, b])
    view.canvas_scene.clearSelection()
    # Rubber band from empty canvas around both cards.
    r = view.canvas_scene.itemsBoundingRect()
    drag(view, r.topLeft() - QPointF(30, 30), r.bottomRight() + QPointF(30, 30))
    assert sorted(view.selected_node_ids()) == sorted([a, b])


def test_copy_paste_and_duplicate_give_fresh_ids(qtbot):
    view = make_view(qtbot)
    a, b = two_nodes(view)
    scene = view.canvas_scene
    drag(view, scene.nodes[a].out_port.scenePos(), scene.nodes[b].in_port.scenePos())
    view.graph.set_param(b, "units", 7)
    view.select_all()
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert set(view.graph.nodes) == {a, b, "input_2", "dense_2"}
    assert ("input_2", "dense_2") in view.graph.edges
    assert view.graph.nodes["dense_2"].params["units"] == 7
    assert sorted(view.selected_node_ids()) == ["dense_2", "input_2"]
    QTest.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(view.graph.nodes) == 6
    view.undo_stack.undo()
    view.undo_stack.undo()
    assert set(view.graph.nodes) == {a, b}


def test_cut_removes_and_paste_restores(qtbot):
    view = make_view(qtbot)
    a, b = two_nodes(view)
    view.select_node(b)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier)
    assert b not in view.graph.nodes
    QTest.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert "dense_1" in view.graph.nodes  # the freed name is reused


def test_rename_with_f2(qtbot, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    view = make_view(qtbot)
    a, b = two_nodes(view)
    scene = view.canvas_scene
    drag(view, scene.nodes[a].out_port.scenePos(), scene.nodes[b].in_port.scenePos())
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kw: ("hidden", True))
    view.select_node(b)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_F2)
    assert "hidden" in view.graph.nodes and "hidden" in scene.nodes
    assert set(scene.edges) == {(a, "hidden")} and scene.edges[(a, "hidden")].dst is scene.nodes["hidden"]
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kw: (a, True))
    view.select_node("hidden")
    QTest.keyClick(view, Qt.Key.Key_F2)
    assert "already exists" in view.last_message


def test_zoom_fit_and_auto_arrange(qtbot):
    view = make_view(qtbot)
    a, b = two_nodes(view)
    scene = view.canvas_scene
    drag(view, scene.nodes[a].out_port.scenePos(), scene.nodes[b].in_port.scenePos())
    view.graph.move_node(a, (2000, 900))  # a out of place: auto-arrange puts it left of b again
    view.auto_arrange()
    assert view.graph.nodes[a].position[0] < view.graph.nodes[b].position[0]
    assert view.undo_stack.command(view.undo_stack.index() - 1).text() == "Auto-arrange"
    view.setFocus()
    before = view.transform().m11()
    QTest.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert view.transform().m11() > before
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.transform().m11() < before
    QTest.keyClick(view, Qt.Key.Key_F)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(scene.itemsBoundingRect())


def test_set_graph_replaces_everything(qtbot):
    view = make_view(qtbot)
    two_nodes(view)
    g = Graph()
    g.add_node("Input", {"shape": [3]}, (0, 0))
    view.set_graph(g)
    assert list(view.canvas_scene.nodes) == ["input_1"]
    g.add_node("Dense", {}, (300, 0))  # the new graph's signals reach the scene
    assert "dense_1" in view.canvas_scene.nodes



def test_connection_with_mismatched_shapes_is_refused_with_the_reason(qtbot):
    """Issue 5: an invalid connection is refused with the reason shown, shape mismatches included."""
    g = Graph()
    g.add_node("Input", {"shape": [6]}, (0, 0))
    g.add_node("Dense", {"units": 4}, (300, 0))
    g.add_node("Add", {}, (600, 100))
    g.connect("input_1", "dense_1")
    g.connect("dense_1", "add_1")
    view = make_view(qtbot, g)
    scene = view.canvas_scene
    with qtbot.waitSignal(view.message) as blocker:
        drag(view, scene.nodes["input_1"].out_port.scenePos(), scene.nodes["add_1"].in_port.scenePos())
    assert "equal shape" in blocker.args[0]
    assert ("input_1", "add_1") not in view.graph.edges
    assert view.undo_stack.count() == 0
