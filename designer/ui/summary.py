"""A Keras-style model summary: one row per layer (name, type, output shape, params) and the totals."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.errors import CycleError
from designer.graph.model import Analysis, Graph
from designer.ui.canvas.items import format_shape
from designer.ui.canvas.style import ERROR_COLOUR
from designer.ui.graph_view import GraphFollower

COLUMNS = ("Layer", "Type", "Output shape", "Param #")


class SummaryTable(GraphFollower):
    def __init__(self, graph: Graph, parent: QWidget | None = None):
        super().__init__(parent)
        self.analysis: Analysis | None = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        # In a narrow dock the type column gives way (elided; the names usually say it) so the names,
        # shapes and counts stay in sight.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(self.totals)
        self.set_graph(graph)

    def refresh(self) -> None:
        self.analysis = analysis = self.graph.analyze(self.input_shape)
        try:
            order = self.graph.topological_order()
        except CycleError:
            order = list(self.graph.nodes)
        self.table.setRowCount(len(order))
        for row, nid in enumerate(order):
            node = self.graph.nodes[nid]
            errors = analysis.errors_for(nid)
            shape = analysis.shapes.get(nid)
            cells = (nid, node.type, format_shape(shape), f"{analysis.params.get(nid, 0):,}")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if errors:
                    item.setForeground(ERROR_COLOUR)
                    item.setToolTip("\n".join(errors))
                self.table.setItem(row, col, item)
        total = analysis.total_params
        frozen = analysis.non_trainable_params
        parts = (f"Total params: {total:,}", f"Trainable: {total - frozen:,}", f"Non-trainable: {frozen:,}")
        # Non-breaking spaces inside each part: a narrow dock wraps between the parts, not inside one.
        self.totals.setText("    ".join(p.replace(" ", "\u00a0").replace("-", "\u2011") for p in parts))

    def rows(self) -> list[tuple[str, ...]]:
        """The table's text, row by row (for tests and for copying)."""
        return [
            tuple(self.table.item(r, c).text() for c in range(self.table.columnCount()))
            for r in range(self.table.rowCount())
        ]
