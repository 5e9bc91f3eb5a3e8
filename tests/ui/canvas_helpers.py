"""Helpers for the canvas tests: a shown CanvasView on a fresh graph, and mouse gestures on scene points."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.graph.model import Graph
from designer.ui.canvas.view import CanvasView


def make_view(qtbot, graph: Graph | None = None) -> CanvasView:
    graph = graph or Graph()
    view = CanvasView(graph, QUndoStack())
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def vp(view: CanvasView, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def drag(view: CanvasView, a: QPointF, b: QPointF, steps: int = 4) -> None:
    """Left-button press at scene point a, move in steps, release at b (as a person would)."""
    port = view.viewport()
    start, end = vp(view, a), vp(view, b)
    QTest.mousePress(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        QTest.mouseMove(port, p)
    QTest.mouseRelease(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def drop_layer(view: CanvasView, type_name: str, at: QPoint) -> None:
    """Deliver a palette drop by hand: real QDrag.exec() returns at once offscreen."""
    mime = QMimeData()
    mime.setData("application/x-nn-layer", type_name.encode("utf-8"))
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPointF(at), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted(), "the canvas refused the drag"
    drop = QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(view.viewport(), drop)


def two_nodes(view: CanvasView, first: str = "Input", second: str = "Dense") -> tuple[str, str]:
    a = view.add_layer(first, QPointF(0, 0))
    b = view.add_layer(second, QPointF(400, 0))
    return a, b
