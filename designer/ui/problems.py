"""The problems list: errors and warnings from shape inference; activating one selects its layer."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QVBoxLayout, QWidget

from designer.graph.model import Graph
from designer.ui.graph_view import GraphFollower

NODE_ROLE = Qt.ItemDataRole.UserRole


class ProblemsList(GraphFollower):
    node_activated = Signal(str)  # the layer a problem is about (not emitted for whole-network problems)

    def __init__(self, graph: Graph, parent: QWidget | None = None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._on_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        self.set_graph(graph)

    def refresh(self) -> None:
        self.list.clear()
        style = self.style()
        icons = {
            "error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
            "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
        }
        problems = self.graph.analyze(self.input_shape).problems
        for p in sorted(problems, key=lambda p: p.severity != "error"):
            where = f"{p.node_id}: " if p.node_id else ""
            item = QListWidgetItem(icons.get(p.severity, icons["warning"]), where + p.message)
            item.setData(NODE_ROLE, p.node_id or "")
            item.setToolTip(p.message)
            self.list.addItem(item)
        if not problems:
            item = QListWidgetItem("No problems: the network is ready to train.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(item)

    def messages(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _on_activated(self, item: QListWidgetItem) -> None:
        node_id = item.data(NODE_ROLE)
        if node_id:
            self.node_activated.emit(node_id)
