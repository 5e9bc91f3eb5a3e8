"""The canvas scene: mirrors a Graph through its signals and turns mouse gestures into undo commands.

The scene never edits the graph itself: a drag ends in a MoveNodesCommand, a port-to-port drag in a
ConnectCommand (or a `message` with the reason it was refused). Shape inference runs once per event-loop
turn after any change (`refresh_analysis`), so a paste of many layers analyses once, not once per layer.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPen, QUndoStack
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsScene, QGraphicsSceneMouseEvent

from designer.errors import DesignerError
from designer.graph.model import Analysis, Graph, Node
from designer.ui.canvas import style
from designer.ui.canvas.items import EdgeItem, NodeItem, PortItem, bezier
from designer.ui.commands import ConnectCommand, MoveNodesCommand

Role = QPalette.ColorRole


class CanvasScene(QGraphicsScene):
    message = Signal(str)  # a transient explanation (refused connection, …)
    analysis_changed = Signal(object)  # the new Analysis

    def __init__(self, graph: Graph, undo_stack: QUndoStack, parent=None):
        super().__init__(parent)
        self.undo_stack = undo_stack
        self.graph: Graph | None = None
        self.input_shape: tuple[int, ...] | None = None
        self.analysis: Analysis | None = None
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[tuple[str, str], EdgeItem] = {}
        self._press_positions: dict[str, QPointF] = {}
        self._link_from: PortItem | None = None
        self._link_item: QGraphicsPathItem | None = None
        self._analysis_timer = QTimer(self)
        self._analysis_timer.setSingleShot(True)
        self._analysis_timer.setInterval(0)
        self._analysis_timer.timeout.connect(self.refresh_analysis)
        self.setSceneRect(-20000, -20000, 40000, 40000)
        self.set_graph(graph)

    # ------------------------------------------------------------------ mirroring the graph
    def _subscriptions(self):
        return (
            ("node_added", self._on_node_added),
            ("node_removed", self._on_node_removed),
            ("edge_added", self._on_edge_added),
            ("edge_removed", self._on_edge_removed),
            ("node_moved", self._on_node_moved),
            ("node_renamed", self._on_node_renamed),
            ("changed", self.schedule_analysis),
        )

    def set_graph(self, graph: Graph) -> None:
        if self.graph is not None:
            for name, slot in self._subscriptions():
                getattr(self.graph, name).disconnect(slot)
        self.cancel_link()
        self.clear()
        self.nodes.clear()
        self.edges.clear()
        self.graph = graph
        for name, slot in self._subscriptions():
            getattr(graph, name).connect(slot)
        for node in graph.nodes.values():
            self._on_node_added(node)
        for s, d in graph.edges:
            self._on_edge_added(s, d)
        self.refresh_analysis()

    def _on_node_added(self, node: Node) -> None:
        item = NodeItem(node.id, node.type)
        item.setPos(QPointF(*node.position))
        self.addItem(item)
        self.nodes[node.id] = item

    def _on_node_removed(self, node_id: str) -> None:
        item = self.nodes.pop(node_id, None)
        if item is not None:
            for e in list(item.edges):
                self._drop_edge(e)
            self.removeItem(item)

    def _on_edge_added(self, src: str, dst: str) -> None:
        if src in self.nodes and dst in self.nodes and (src, dst) not in self.edges:
            edge = EdgeItem(self.nodes[src], self.nodes[dst])
            self.addItem(edge)
            self.edges[(src, dst)] = edge

    def _on_edge_removed(self, src: str, dst: str) -> None:
        edge = self.edges.get((src, dst))
        if edge is not None:
            self._drop_edge(edge)

    def _drop_edge(self, edge: EdgeItem) -> None:
        self.edges.pop(edge.key, None)
        edge.detach()
        if edge.scene() is self:
            self.removeItem(edge)

    def _on_node_moved(self, node_id: str) -> None:
        item = self.nodes.get(node_id)
        if item is not None:
            pos = QPointF(*self.graph.node(node_id).position)
            if item.pos() != pos:
                item.setPos(pos)

    def _on_node_renamed(self, old: str, new: str) -> None:
        item = self.nodes.pop(old, None)
        if item is None:
            return
        self.nodes[new] = item
        item.set_node_id(new)
        self.edges = {e.key: e for e in self.edges.values()}
        for e in item.edges:
            e.update_path()

    # ------------------------------------------------------------------ analysis
    def set_input_shape(self, shape) -> None:
        self.input_shape = tuple(shape) if shape is not None else None
        self.refresh_analysis()

    def schedule_analysis(self) -> None:
        self._analysis_timer.start()

    def refresh_analysis(self) -> Analysis:
        self._analysis_timer.stop()
        self.analysis = self.graph.analyze(self.input_shape)
        for nid, item in self.nodes.items():
            item.set_info(
                self.analysis.shapes.get(nid), self.analysis.params.get(nid, 0), self.analysis.errors_for(nid)
            )
        self.analysis_changed.emit(self.analysis)
        return self.analysis

    # ------------------------------------------------------------------ queries
    def selected_node_ids(self) -> list[str]:
        return [i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_edges(self) -> list[tuple[str, str]]:
        return [i.key for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def port_at(self, pos: QPointF) -> PortItem | None:
        for it in self.items(pos):
            if isinstance(it, PortItem):
                return it
        return None

    def node_at(self, pos: QPointF) -> NodeItem | None:
        for it in self.items(pos):
            if isinstance(it, NodeItem):
                return it
            if isinstance(it, PortItem):
                return it.node
        return None

    # ------------------------------------------------------------------ gestures
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            port = self.port_at(event.scenePos())
            if port is not None:
                self._start_link(port, event.scenePos())
                event.accept()
                return
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_positions = {nid: self.nodes[nid].pos() for nid in self.selected_node_ids()}

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._link_from is not None:
            self._update_link(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._link_from is not None:
            self._finish_link(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and self._press_positions:
            self._commit_moves()

    def _commit_moves(self) -> None:
        moves = {}
        for nid, old in self._press_positions.items():
            item = self.nodes.get(nid)
            if item is None or nid not in self.graph.nodes:
                continue
            new = item.pos()
            if new != old:
                moves[nid] = ((old.x(), old.y()), (new.x(), new.y()))
        self._press_positions = {}
        if moves:
            self.undo_stack.push(MoveNodesCommand(self.graph, moves))

    def _link_target(self, pos: QPointF) -> tuple[str, str] | None:
        """(src, dst) the live link would make if released at `pos`, or None over empty canvas."""
        start = self._link_from
        port = self.port_at(pos)
        node = port.node if port is not None else self.node_at(pos)
        if node is None or node is start.node:
            return None
        if start.kind == "out":
            return (start.node.node_id, node.node_id)
        return (node.node_id, start.node.node_id)

    def _start_link(self, port: PortItem, pos: QPointF) -> None:
        self._link_from = port
        self._link_item = QGraphicsPathItem()
        self._link_item.setZValue(3)
        self.addItem(self._link_item)
        self._update_link(pos)

    def _update_link(self, pos: QPointF) -> None:
        start = self._link_from.scenePos()
        path = bezier(start, pos) if self._link_from.kind == "out" else bezier(pos, start)
        self._link_item.setPath(path)
        target = self._link_target(pos)
        colour = style.palette().color(Role.Highlight)
        if target is not None:
            try:  # cheap rules only while the mouse moves; shapes are judged on release
                self.graph.check_connection(*target, shapes=False)
            except DesignerError:
                colour = QColor(style.ERROR_COLOUR)
        pen = QPen(colour, 2.5, Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self._link_item.setPen(pen)

    def _finish_link(self, pos: QPointF) -> None:
        target = self._link_target(pos)
        self.cancel_link()
        if target is None:
            return
        try:
            cmd = ConnectCommand(self.graph, *target, input_shape=self.input_shape)
        except DesignerError as err:
            self.message.emit(f"Cannot connect {target[0]} → {target[1]}: {err}")
            return
        self.undo_stack.push(cmd)

    def cancel_link(self) -> None:
        if self._link_item is not None and self._link_item.scene() is self:
            self.removeItem(self._link_item)
        self._link_item = None
        self._link_from = None

    @property
    def linking(self) -> bool:
        return self._link_from is not None

    # ------------------------------------------------------------------ background
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        views = self.views()
        pal = style.palette_for(views[0] if views else None)
        base = pal.color(Role.Base)
        painter.fillRect(rect, base)
        scale = painter.worldTransform().m11()
        if scale < 0.35:
            return  # dots would merge into a grey haze
        dot = style.mix(base, pal.color(Role.Text), 0.22)
        painter.setPen(QPen(dot, 2.0 / max(scale, 0.01)))
        g = style.GRID * 2
        left = math.floor(rect.left() / g) * g
        top = math.floor(rect.top() / g) * g
        points = []
        y = top
        while y < rect.bottom():
            x = left
            while x < rect.right():
                points.append(QPointF(x, y))
                x += g
            y += g
        if points:
            painter.drawPoints(points)
