"""The canvas widget: zoom, pan, drop from the palette, keyboard editing, clipboard and context menus.

Every edit goes through the undo stack; the scene (`designer.ui.canvas.scene`) mirrors the graph back.
"""

from __future__ import annotations

import atexit
import json

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPalette, QUndoStack
from PySide6.QtWidgets import QApplication, QGraphicsView, QInputDialog, QLabel, QMenu

from designer.engine.registry import LAYER_TYPES
from designer.errors import DesignerError
from designer.graph.model import Graph
from designer.ui.canvas import style
from designer.ui.canvas.items import EdgeItem, NodeItem
from designer.ui.canvas.layout import layered_positions
from designer.ui.canvas.scene import CanvasScene
from designer.ui.commands import (
    AddNodeCommand,
    DisconnectCommand,
    MoveNodesCommand,
    PasteCommand,
    RemoveNodesCommand,
    RenameNodeCommand,
    selection_payload,
)
from designer.ui.keys import StandardKey, shortcut_hint

LAYER_MIME = "application/x-nn-layer"
CLIPBOARD_MIME = "application/x-nn-layers+json"
MIN_ZOOM, MAX_ZOOM = 0.1, 3.0


class CanvasView(QGraphicsView):
    node_selected = Signal(str)  # the single selected node id, "" when none (or several)
    message = Signal(str)  # transient explanations, also shown on the canvas itself

    def __init__(self, graph: Graph, undo_stack: QUndoStack, parent=None):
        super().__init__(parent)
        self.undo_stack = undo_stack
        self._scene = CanvasScene(graph, undo_stack, self)
        self.setScene(self._scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setAcceptDrops(True)
        # Pan with the middle button or space+drag; the scroll bars would only eat room.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_from: QPoint | None = None
        self._space_down = False
        self._paste_count = 0
        self._last_selected = ""
        self._toast = QLabel(self.viewport())
        self._toast.setWordWrap(True)
        self._toast.setAutoFillBackground(True)
        self._toast.setMargin(6)
        self._toast.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self._toast.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self._toast.hide()
        self._toast_timer = QTimer(self)
        self._toast_timer.setSingleShot(True)
        self._toast_timer.timeout.connect(self._toast.hide)
        self._scene.selectionChanged.connect(self._on_selection_changed)
        self._scene.message.connect(self.show_message)

    # ------------------------------------------------------------------ public API
    @property
    def graph(self) -> Graph:
        return self._scene.graph

    @property
    def canvas_scene(self) -> CanvasScene:
        return self._scene

    def set_graph(self, graph: Graph) -> None:
        self._scene.set_graph(graph)
        self._paste_count = 0
        self._on_selection_changed()
        QTimer.singleShot(0, self, self.fit_to_view)  # once the new items are laid out

    def set_input_shape(self, shape) -> None:
        self._scene.set_input_shape(shape)

    def selected_node_ids(self) -> list[str]:
        return self._scene.selected_node_ids()

    def select_node(self, node_id: str) -> None:
        self.select_nodes([node_id])
        item = self._scene.nodes.get(node_id)
        if item is not None:
            self.ensureVisible(item, 60, 60)

    def select_nodes(self, node_ids: list[str]) -> None:
        # One node_selected for the whole change, not "" for the clear and then the id.
        self._scene.blockSignals(True)
        try:
            self._scene.clearSelection()
            for nid in node_ids:
                item = self._scene.nodes.get(nid)
                if item is not None:
                    item.setSelected(True)
        finally:
            self._scene.blockSignals(False)
        self._on_selection_changed()

    def fit_to_view(self) -> None:
        rect = self._scene.itemsBoundingRect()
        if rect.isEmpty():
            self.resetTransform()
            self.centerOn(0, 0)
            return
        self.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > 1.0:  # never blow a small network up past 100 %
            self.resetTransform()
            self.centerOn(rect.center())

    def auto_arrange(self) -> None:
        try:
            positions = layered_positions(self.graph)
        except DesignerError as err:
            self.show_message(f"Cannot arrange: {err}")
            return
        moves = {
            nid: (self.graph.nodes[nid].position, pos)
            for nid, pos in positions.items()
            if self.graph.nodes[nid].position != pos
        }
        if moves:
            self.undo_stack.push(MoveNodesCommand(self.graph, moves, "Auto-arrange"))
        self.fit_to_view()

    def add_layer(self, type_name: str, scene_pos: QPointF | None = None) -> str | None:
        """Add a layer through the undo stack; returns its id (None if refused, with a message)."""
        if scene_pos is None:
            scene_pos = self.mapToScene(self.viewport().rect().center())
            # Stack repeated adds instead of piling them on one spot.
            scene_pos += QPointF(30, 30) * (len(self.graph.nodes) % 6)
        pos = (scene_pos.x() - style.NODE_WIDTH / 2, scene_pos.y() - style.NODE_HEIGHT / 2)
        try:
            cmd = AddNodeCommand(self.graph, type_name, None, pos)
        except DesignerError as err:
            self.show_message(str(err))
            return None
        self.undo_stack.push(cmd)
        self.select_node(cmd.node_id)
        return cmd.node_id

    def show_message(self, text: str) -> None:
        self.setStatusTip(text)
        self._toast.setText(text)
        # Word-wrapped labels shrink to a narrow column on their own: give it the text's natural width.
        room = max(200, self.viewport().width() - 20)
        width = min(room, self._toast.fontMetrics().horizontalAdvance(text) + 2 * self._toast.margin() + 8)
        self._toast.setFixedWidth(width)
        self._toast.setFixedHeight(self._toast.heightForWidth(width))
        self._toast.move(10, self.viewport().height() - self._toast.height() - 10)
        self._toast.show()
        self._toast.raise_()
        self._toast_timer.start(5000)
        self.message.emit(text)

    @property
    def last_message(self) -> str:
        return self._toast.text()

    # ------------------------------------------------------------------ edit actions
    def select_all(self) -> None:
        for item in self._scene.nodes.values():
            item.setSelected(True)

    def delete_selection(self) -> None:
        nodes = self.selected_node_ids()
        edges = [e for e in self._scene.selected_edges() if e[0] not in nodes and e[1] not in nodes]
        if not nodes and not edges:
            return
        self.undo_stack.beginMacro("Delete")
        try:
            for s, d in edges:
                self.undo_stack.push(DisconnectCommand(self.graph, s, d))
            if nodes:
                self.undo_stack.push(RemoveNodesCommand(self.graph, nodes))
        finally:
            self.undo_stack.endMacro()

    def copy_selection(self) -> bool:
        _release_clipboard_at_exit()
        nodes = self.selected_node_ids()
        if not nodes:
            return False
        payload = selection_payload(self.graph, nodes)
        mime = QMimeData()
        text = json.dumps(payload)
        mime.setData(CLIPBOARD_MIME, text.encode("utf-8"))
        mime.setText(text)
        QApplication.clipboard().setMimeData(mime)
        self._paste_count = 0
        return True

    def cut_selection(self) -> None:
        if self.copy_selection():
            cmd = RemoveNodesCommand(self.graph, self.selected_node_ids())
            cmd.setText(cmd.text().replace("Delete", "Cut", 1))
            self.undo_stack.push(cmd)

    def paste(self) -> list[str]:
        mime = QApplication.clipboard().mimeData()
        raw = None
        if mime is not None and mime.hasFormat(CLIPBOARD_MIME):
            raw = bytes(mime.data(CLIPBOARD_MIME)).decode("utf-8")
        elif mime is not None and mime.hasText():
            raw = mime.text()
        if not raw:
            return []
        try:
            payload = json.loads(raw)
            if not isinstance(payload, dict) or payload.get("format") != "network-designer/layers":
                return []
        except ValueError:
            return []
        self._paste_count += 1
        return self._insert_payload(payload, 40.0 * self._paste_count, "Paste")

    def duplicate_selection(self) -> list[str]:
        nodes = self.selected_node_ids()
        if not nodes:
            return []
        return self._insert_payload(selection_payload(self.graph, nodes), 40.0, "Duplicate")

    def insert_graph(self, graph: Graph, text: str = "Insert") -> list[str]:
        """Paste another graph's layers (quick builder, templates) as one undoable step."""
        return self._insert_payload(selection_payload(graph, list(graph.nodes)), 0.0, text)

    def _insert_payload(self, payload: dict, offset: float, text: str) -> list[str]:
        try:
            cmd = PasteCommand(self.graph, payload, (offset, offset), text)
        except DesignerError as err:
            self.show_message(str(err))
            return []
        self.undo_stack.push(cmd)
        self.select_nodes(cmd.pasted_ids)
        return cmd.pasted_ids

    def rename_selected(self) -> None:
        nodes = self.selected_node_ids()
        if len(nodes) != 1:
            return
        old = nodes[0]
        new, ok = QInputDialog.getText(self, "Rename layer", "New name:", text=old)
        if ok and new.strip() and new.strip() != old:
            self.rename_node(old, new.strip())

    def rename_node(self, old: str, new: str) -> bool:
        try:
            cmd = RenameNodeCommand(self.graph, old, new)
        except DesignerError as err:
            self.show_message(f"Cannot rename {old}: {err}")
            return False
        self.undo_stack.push(cmd)
        return True

    def zoom_by(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(MIN_ZOOM / current, min(MAX_ZOOM / current, factor))
        self.scale(factor, factor)

    def zoom_in(self) -> None:
        self.zoom_by(1.2)

    def zoom_out(self) -> None:
        self.zoom_by(1 / 1.2)

    # ------------------------------------------------------------------ selection
    def _on_selection_changed(self) -> None:
        try:
            ids = self.selected_node_ids()
        except RuntimeError:  # the scene is being torn down
            return
        current = ids[0] if len(ids) == 1 else ""
        if current != self._last_selected:
            self._last_selected = current
            self.node_selected.emit(current)

    # ------------------------------------------------------------------ keyboard
    def keyPressEvent(self, event) -> None:
        key = event.key()
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_all()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selection()
        elif event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
        elif event.matches(QKeySequence.StandardKey.Cut):
            self.cut_selection()
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
        elif ctrl and key == Qt.Key.Key_D:
            self.duplicate_selection()
        elif key == Qt.Key.Key_F2:
            self.rename_selected()
        elif key == Qt.Key.Key_F and not ctrl:
            self.fit_to_view()
        elif ctrl and key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif ctrl and key == Qt.Key.Key_Minus:
            self.zoom_out()
        elif key == Qt.Key.Key_Space and not event.isAutoRepeat():
            # Space+drag pans everywhere, also over cards (items must not take the press meanwhile).
            self._space_down = True
            self.setInteractive(False)
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        elif key == Qt.Key.Key_Escape:
            if self._scene.linking:
                self._scene.cancel_link()
            else:
                self._scene.clearSelection()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = False
            self.setInteractive(True)
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._toast.isVisible():
            self._toast.move(10, self.viewport().height() - self._toast.height() - 10)

    # ------------------------------------------------------------------ mouse: zoom and pan
    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015**delta)
        event.accept()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            now = event.position().toPoint()
            d = now - self._pan_from
            self._pan_from = now
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - d.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - d.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # ------------------------------------------------------------------ drops from the palette
    @staticmethod
    def _dropped_type(mime: QMimeData) -> str | None:
        if not mime.hasFormat(LAYER_MIME):
            return None
        name = bytes(mime.data(LAYER_MIME)).decode("utf-8", "replace").strip()
        return name if name in LAYER_TYPES else None

    def dragEnterEvent(self, event) -> None:
        if self._dropped_type(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self._dropped_type(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        name = self._dropped_type(event.mimeData())
        if not name:
            event.ignore()
            return
        self.add_layer(name, self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()

    # ------------------------------------------------------------------ context menus
    def contextMenuEvent(self, event) -> None:
        menu = self.context_menu_at(self.mapToScene(event.pos()))
        menu.exec(event.globalPos())
        menu.deleteLater()

    def context_menu_at(self, scene_pos: QPointF) -> QMenu:
        """The menu for a node (selects it), an edge, or the empty canvas at `scene_pos`."""
        item = self._scene.itemAt(scene_pos, self.transform())
        node = self._scene.node_at(scene_pos)
        menu = QMenu(self)
        if node is not None:
            if not node.isSelected():
                self._scene.clearSelection()
                node.setSelected(True)
            self._fill_node_menu(menu, node)
        elif isinstance(item, EdgeItem):
            src, dst = item.key
            menu.addAction(f"Disconnect {src} → {dst}", lambda: self._disconnect(src, dst))
        else:
            self._fill_canvas_menu(menu, scene_pos)
        return menu

    def _fill_node_menu(self, menu: QMenu, node: NodeItem) -> None:
        menu.addAction("Rename…\tF2", self.rename_selected)
        menu.addAction(f"Duplicate\t{shortcut_hint('Ctrl+D')}", self.duplicate_selection)
        menu.addAction(f"Copy\t{shortcut_hint(StandardKey.Copy)}", self.copy_selection)
        menu.addAction(f"Cut\t{shortcut_hint(StandardKey.Cut)}", self.cut_selection)
        menu.addSeparator()
        inputs = self.graph.inputs_of(node.node_id)
        if inputs:
            sub = menu.addMenu("Disconnect input")
            for s in inputs:
                sub.addAction(s, lambda s=s: self._disconnect(s, node.node_id))
        menu.addAction(f"Delete\t{shortcut_hint(StandardKey.Delete)}", self.delete_selection)

    def _fill_canvas_menu(self, menu: QMenu, scene_pos: QPointF) -> None:
        add = menu.addMenu("Add layer")
        categories: dict[str, QMenu] = {}
        for lt in LAYER_TYPES.values():
            sub = categories.get(lt.category) or add.addMenu(lt.category)
            categories[lt.category] = sub
            act = QAction(style.layer_icon(lt.name), lt.name, sub)
            act.setToolTip(lt.description)
            act.triggered.connect(lambda _=False, n=lt.name, p=QPointF(scene_pos): self.add_layer(n, p))
            sub.addAction(act)
        paste = menu.addAction(f"Paste\t{shortcut_hint(StandardKey.Paste)}", self.paste)
        mime = QApplication.clipboard().mimeData()
        paste.setEnabled(mime is not None and (mime.hasFormat(CLIPBOARD_MIME) or mime.hasText()))
        menu.addSeparator()
        menu.addAction(f"Select all\t{shortcut_hint(StandardKey.SelectAll)}", self.select_all)
        menu.addAction("Fit to view\tF", self.fit_to_view)
        menu.addAction("Auto-arrange", self.auto_arrange)

    def _disconnect(self, src: str, dst: str) -> None:
        try:
            self.undo_stack.push(DisconnectCommand(self.graph, src, dst))
        except DesignerError as err:
            self.show_message(str(err))


_clipboard_hook_registered = False


def _release_clipboard_at_exit() -> None:
    """Hand our QMimeData back while Python is still alive.

    The clipboard owns the QMimeData we give it; Qt deletes it from a C++ exit handler after the
    interpreter has finalized, and PySide's wrapper then crashes the process (exit code 139).
    """
    global _clipboard_hook_registered
    if _clipboard_hook_registered:
        return
    _clipboard_hook_registered = True

    def clear() -> None:
        if QApplication.instance() is not None:
            QApplication.clipboard().clear()

    atexit.register(clear)
