"""The Columns view: one row per column with its role (target / feature / ignore), as a model/view table.

A table of 784 pixel columns used to be 784 QComboBox cell widgets, and building and laying them out stalled
the window for seconds. Here the rows are a model that the view draws on demand (only the visible rows), and
the role is edited by a combo box the delegate makes for the one cell being edited.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QStyledItemDelegate, QTableView, QWidget

from designer.data.roles import ROLES

HEADERS = ("column", "role", "about")
ROLE_COLUMN = 1


class RolesModel(QAbstractTableModel):
    """Columns, their roles and a short note each. `role_edited(column, role)` fires on a user's edit only."""

    role_edited = Signal(str, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.columns: list[str] = []
        self.roles: dict[str, str] = {}
        self.about: dict[str, str] = {}

    def set_rows(self, columns: list[str], roles: dict[str, str], about: dict[str, str]) -> None:
        if columns != self.columns:
            self.beginResetModel()
            self.columns, self.roles, self.about = list(columns), dict(roles), dict(about)
            self.endResetModel()
            return
        self.roles, self.about = dict(roles), dict(about)  # same columns: keep an open editor and the scroll
        if columns:
            self.dataChanged.emit(self.index(0, 1), self.index(len(columns) - 1, 2))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.columns)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        column = self.columns[index.row()]
        if index.column() == 0:
            return column
        if index.column() == ROLE_COLUMN:
            return self.roles.get(column, "feature")
        return self.about.get(column, "")

    def flags(self, index):
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsEditable if index.column() == ROLE_COLUMN else flags

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if index.column() != ROLE_COLUMN or value not in ROLES:
            return False
        column = self.columns[index.row()]
        if self.roles.get(column) == value:
            return False
        self.roles[column] = value
        self.dataChanged.emit(index, index)
        self.role_edited.emit(column, value)
        return True

    def row_of(self, column: str) -> int:
        try:
            return self.columns.index(column)
        except ValueError:
            raise KeyError(column) from None


class RoleDelegate(QStyledItemDelegate):
    """A combo of the roles for the cell being edited; a pick is committed at once (no Enter needed)."""

    def createEditor(self, parent: QWidget, option, index) -> QComboBox:
        combo = QComboBox(parent)
        combo.addItems(ROLES)
        column = index.siblingAtColumn(0).data()
        combo.setAccessibleName(f"Role of {column}")
        combo.setProperty("column", column)
        combo.activated.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor: QComboBox, index) -> None:
        editor.blockSignals(True)
        editor.setCurrentText(index.data(Qt.ItemDataRole.EditRole))
        editor.blockSignals(False)

    def setModelData(self, editor: QComboBox, model, index) -> None:
        model.setData(index, editor.currentText())


class RolesView(QTableView):
    """The Columns tab: rows drawn on demand, uniform row heights, the role edited with one click."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.roles_model = RolesModel(self)
        self.setModel(self.roles_model)
        self.setItemDelegateForColumn(ROLE_COLUMN, RoleDelegate(self))
        self.setAccessibleName("Column roles")
        self.setEditTriggers(QAbstractItemView.EditTrigger.CurrentChanged
                             | QAbstractItemView.EditTrigger.SelectedClicked
                             | QAbstractItemView.EditTrigger.DoubleClicked)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.verticalHeader().setVisible(False)
        # fixed sizes: measuring every row's contents is what made wide tables slow
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)  # room for the combo
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.setColumnWidth(0, 180)
        self.setColumnWidth(ROLE_COLUMN, 110)

    def editor_for(self, column: str) -> QComboBox:
        """Open the role editor of `column` (as a click on its role cell does) and return its combo box."""
        index = self.roles_model.index(self.roles_model.row_of(column), ROLE_COLUMN)
        self.scrollTo(index)
        editor = self.indexWidget(index)
        if editor is None:
            self.setCurrentIndex(index)  # CurrentChanged opens the editor
            editor = self.indexWidget(index)
        if editor is None:
            self.edit(index)
            editor = self.indexWidget(index)
        return editor
