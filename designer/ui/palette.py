"""The layer library: the registry's layer types grouped by category, searchable, draggable onto the canvas."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from designer.engine.registry import LAYER_TYPES
from designer.ui.canvas.style import layer_icon

LAYER_MIME = "application/x-nn-layer"
TYPE_ROLE = Qt.ItemDataRole.UserRole


class _LayerTree(QTreeWidget):
    """A tree whose drag carries the layer type name under LAYER_MIME."""

    def startDrag(self, supported_actions) -> None:
        item = self.currentItem()
        name = item.data(0, TYPE_ROLE) if item is not None else None
        if not name:
            return
        mime = QMimeData()
        mime.setData(LAYER_MIME, name.encode("utf-8"))
        mime.setText(name)
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(layer_icon(name).pixmap(32, 32))
        drag.exec(Qt.DropAction.CopyAction)


class LayerPalette(QWidget):
    add_requested = Signal(str)  # double-click: add this layer type at the centre of the canvas

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.tree = _LayerTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setIndentation(10)
        self.tree.setIconSize(QSize(24, 24))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.items: dict[str, QTreeWidgetItem] = {}
        self._populate()
        self.search.textChanged.connect(self.filter)
        self.tree.itemDoubleClicked.connect(self._on_double_click)

    def _populate(self) -> None:
        groups: dict[str, QTreeWidgetItem] = {}
        for lt in LAYER_TYPES.values():
            group = groups.get(lt.category)
            if group is None:
                group = QTreeWidgetItem(self.tree, [lt.category])
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                groups[lt.category] = group
            item = QTreeWidgetItem(group, [f"{lt.name}\n{lt.description}"])
            item.setIcon(0, layer_icon(lt.name))
            item.setToolTip(0, f"<b>{lt.name}</b><br>{lt.description}<br><i>drag onto the canvas or double-click</i>")
            item.setData(0, TYPE_ROLE, lt.name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
            self.items[lt.name] = item
        self.tree.expandAll()

    def filter(self, text: str) -> None:
        """Show layer types whose name, category or description contains every word of `text`."""
        words = text.lower().split()
        for name, item in self.items.items():
            lt = LAYER_TYPES[name]
            hay = f"{lt.name} {lt.category} {lt.description}".lower()
            item.setHidden(not all(w in hay for w in words))
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            group.setHidden(all(group.child(j).isHidden() for j in range(group.childCount())))

    def visible_types(self) -> list[str]:
        return [n for n, item in self.items.items() if not item.isHidden() and not item.parent().isHidden()]

    def _on_double_click(self, item: QTreeWidgetItem, column: int = 0) -> None:
        name = item.data(0, TYPE_ROLE)
        if name:
            self.add_requested.emit(name)
