"""A read-only table of ready-made strings (headers, row names, cells) for QTableView.

A QTableWidget makes one item object per cell up front; a table of 784 rows × 8 cells took a quarter of a
second on the GUI thread. This model formats nothing and owns no per-cell objects: the view asks only for
the visible cells.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt


class TextTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.headers: list[str] = []
        self.row_names: list[str] = []
        self.cells: list[list[str]] = []

    def set_table(self, headers: list[str], row_names: list[str], cells: list[list[str]]) -> None:
        self.beginResetModel()
        self.headers, self.row_names, self.cells = list(headers), list(row_names), cells
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.cells)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        names = self.headers if orientation == Qt.Orientation.Horizontal else self.row_names
        return names[section] if 0 <= section < len(names) else None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.cells[index.row()][index.column()]
        return None
