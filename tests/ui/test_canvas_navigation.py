"""Canvas navigation and menus: wheel zoom, middle-button and space panning, context menus, Escape."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QUndoStack, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.graph.model import Graph
from designer.ui.commands import SetParamCommand
from tests.ui.canvas_helpers import drag, make_view, two_nodes, vp


def wheel(view, delta: int) -> None:
    pos = QPointF(view.viewport().rect().center())
    event = QWheelEvent(
        pos,
        QPointF(view.viewport().mapToGlobal(pos.toPoint())),
        QPoint(0, 0),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)


def test_wheel_zooms_within_limits(qtbot):
    view = make_view(qtbot)
    two_nodes(view)
    wheel(view, 240)
    assert view.transform().m11() > 1.2
    for _ in range(40):
        wheel(view, -240)
    assert abs(view.transform().m11() - 0.1) < 1e-6  # clamped


def centre_in_scene(view) -> QPointF:
    return view.mapToScene(view.viewport().rect().center())


def test_middle_button_drag_pans_without_moving_nodes(qtbot):
    view = make_view(qtbot)
    a, _ = two_nodes(view)
    port = view.viewport()
    before = centre_in_scene(view)
    start = vp(view, view.canvas_scene.nodes[a].sceneBoundingRect().center())
    QTest.mousePress(port, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(port, start + QPoint(100, 50))
    QTest.mouseRelease(port, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, start + QPoint(100, 50))
    after = centre_in_scene(view)
    assert abs((before.x() - after.x()) - 100) < 2 and abs((before.y() - after.y()) - 50) < 2
    assert view.graph.nodes[a].position == (-95.0, -35.0)


def test_space_drag_pans_even_over_a_card(qtbot):
    view = make_view(qtbot)
    a, _ = two_nodes(view)
    view.setFocus()
    QTest.keyPress(view, Qt.Key.Key_Space)
    before = centre_in_scene(view)
    centre = view.canvas_scene.nodes[a].sceneBoundingRect().center()
    drag(view, centre, centre + QPointF(80, 0))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    assert centre_in_scene(view).x() < before.x() - 40
    assert view.graph.nodes[a].position == (-95.0, -35.0) and view.isInteractive()


def test_escape_cancels_a_live_connection(qtbot):
    view = make_view(qtbot)
    a, b = two_nodes(view)
    scene = view.canvas_scene
    start = vp(view, scene.nodes[a].out_port.scenePos())
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(view.viewport(), start + QPoint(50, 0))
    assert scene.linking
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert not scene.linking
    end = vp(view, scene.nodes[b].in_port.scenePos())
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert view.graph.edges == []


def menu_texts(view, scene_point: QPointF) -> list[str]:
    """The context menu's entries at a scene point (built, not executed: offscreen has no menu loop)."""
    menu = view.context_menu_at(scene_point)
    texts = []
    for act in menu.actions():
        texts.append(act.text().split("\t")[0])
        if act.menu():
            texts += ["  " + sub.text() for sub in act.menu().actions()]
    return texts


def test_context_menus(qtbot):
    view = make_view(qtbot)
    a, b = two_nodes(view)
    scene = view.canvas_scene
    drag(view, scene.nodes[a].out_port.scenePos(), scene.nodes[b].in_port.scenePos())
    on_node = menu_texts(view, scene.nodes[b].sceneBoundingRect().center())
    assert {"Rename…", "Duplicate", "Copy", "Cut", "Delete", "Disconnect input", "  " + a} <= set(on_node)
    assert view.selected_node_ids() == [b]
    edge_mid = scene.edges[(a, b)].path().pointAtPercent(0.5)
    assert menu_texts(view, edge_mid) == [f"Disconnect {a} → {b}"]
    view.context_menu_at(edge_mid).actions()[0].trigger()
    assert view.graph.edges == []
    empty = menu_texts(view, QPointF(0, 400))
    assert {"Add layer", "  Core", "  Merge", "Paste", "Fit to view", "Auto-arrange"} <= set(empty)


def test_edited_back_to_start_leaves_no_undo_step(qapp):
    g, stack = Graph(), QUndoStack()
    g.add_node("Dense", {"units": 16}, node_id="d")
    stack.push(SetParamCommand(g, "d", "units", 20))
    stack.push(SetParamCommand(g, "d", "units", 16))
    assert stack.count() == 0 and g.nodes["d"].params["units"] == 16
