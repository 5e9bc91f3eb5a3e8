"""File ▸ Predict…: load or paste rows, see the predicted class with its probabilities (or the value), save as CSV.

The work is designer.row_predictions (Qt-free); this dialog only shows it. A row that cannot be predicted (a
cell that is not a number) is marked and explained, the others are predicted; a whole-input problem (a missing
column, an unreadable file) is one message and the previous results stay.
Reading and predicting run on a background job (a file of a million rows must not freeze the window), and the
table is a model the view asks for visible cells only, so showing the result costs the same at any length.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
)

from designer.errors import DesignerError
from designer.ui.background import JobSlot

PROBLEM = QColor(220, 60, 60, 70)  # translucent: readable on light and dark themes
CAVEAT = QColor(230, 170, 30, 60)


class PredictDialog(QDialog):
    def __init__(self, project, base_dir: Path | None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("predict-dialog")
        self.setWindowTitle(f"Predict — {project.name}")
        self.project, self.base_dir = project, base_dir
        self.result = None
        self._model = None

        self.columns_label = QLabel()
        self.columns_label.setWordWrap(True)
        self.load_button = QPushButton("&Load CSV…")
        self.load_button.setObjectName("predict-load")
        self.paste_button = QPushButton("&Predict pasted rows")
        self.paste_button.setObjectName("predict-pasted")
        self.save_button = QPushButton("&Save as CSV…")
        self.save_button.setObjectName("predict-save")
        self.save_button.setEnabled(False)
        # one prediction at a time: loading and predicting wait while it runs
        self.jobs = JobSlot(self, idle=(self.load_button, self.paste_button))
        self.paste = QPlainTextEdit()
        self.paste.setObjectName("predict-paste")
        self.paste.setPlaceholderText("Paste rows here: a header line with the column names, then one row per line "
                                      "(comma, semicolon, tab or | between cells)")
        self.rows_model = PredictionTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("predict-table")
        self.table.setModel(self.rows_model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.status = QLabel("No rows yet: load a CSV file or paste rows.")
        self.status.setObjectName("predict-status")
        self.status.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.paste_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.paste)
        split.addWidget(self.table)
        split.setSizes([120, 320])
        layout = QVBoxLayout(self)
        layout.addWidget(self.columns_label)
        layout.addLayout(buttons)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        self.resize(760, 540)

        self.load_button.clicked.connect(self.load_csv)
        self.paste_button.clicked.connect(self.predict_pasted)
        self.save_button.clicked.connect(self.save_csv)
        self._describe_columns()

    # ------------------------------------------------------------------------------------------------
    def _describe_columns(self) -> None:
        try:
            _, prepared = self._network()
        except DesignerError as err:
            self.columns_label.setText(f"Cannot predict yet: {err}")
            for b in (self.load_button, self.paste_button):
                b.setEnabled(False)
            return
        names = ", ".join(prepared.preprocessor.features)
        self.columns_label.setText(f"Rows need the columns: {names}. Other columns (the target too) are ignored.")

    def _network(self):
        if self._model is None:
            from designer.pipeline import _require_weights
            from designer.training.run import build_and_prepare

            _require_weights(self.project)
            self._model = build_and_prepare(self.project, self.base_dir)
        return self._model

    def load_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Rows to predict", str(self.base_dir or ""),
                                              "CSV files (*.csv *.tsv *.txt);;All files (*)",
                                              options=QFileDialog.Option.DontUseNativeDialog)
        if path:
            from designer.data import load_table

            self._run(lambda: load_table({"kind": "csv", "path": path}, None), Path(path).name)

    def predict_pasted(self) -> None:
        from designer.row_predictions import read_pasted_rows

        text = self.paste.toPlainText()
        self._run(lambda: read_pasted_rows(text), "the pasted rows")

    def _run(self, read, where: str) -> None:
        """Read and predict on a background job; the buttons wait, the previous results stay until it ends."""
        from designer.row_predictions import predict_rows

        if self.jobs.isRunning():
            return
        try:
            model = self._network()
        except DesignerError as err:
            self.status.setText(f"Cannot predict {where}: {err}")
            return
        self.save_button.setEnabled(False)
        self.status.setText(f"Predicting {where}…")
        self.jobs.start(lambda report, should_stop: predict_rows(self.project, self.base_dir, read(), model=model),
                        lambda result: self._predicted(result, where),
                        lambda message: self._failed(message, where))

    def _finished(self, text: str) -> None:
        self.save_button.setEnabled(self.result is not None)  # the previous results stay after a failure
        self.status.setText(text)

    def _failed(self, message: str, where: str) -> None:
        self._finished(f"Cannot predict {where}: {message}")

    def _predicted(self, result, where: str) -> None:
        self.result = result
        self.rows_model.set_result(result)
        self.table.resizeColumnsToContents()
        n, bad, noted = len(result.table), len(result.problems), len(result.notes)
        text = f"{n - bad} of {n} row(s) from {where} predicted"
        if bad:
            text += f"; {bad} row(s) with a problem, marked in red (see the note column)"
        if noted:
            text += f"; {noted} with a caveat, marked in yellow"
        self._finished(text + ".")

    def is_busy(self) -> bool:
        return self.jobs.isRunning()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.jobs.stop()  # joined: no thread outlives the dialog
        super().closeEvent(event)

    def save_csv(self) -> None:
        if self.result is None:
            return
        from designer.row_predictions import save_predictions
        from designer.ui.paths import default_save_path

        path, _ = QFileDialog.getSaveFileName(self, "Save predictions", default_save_path("predictions.csv",
                                                                                          self.base_dir),
                                              "CSV files (*.csv)", options=QFileDialog.Option.DontUseNativeDialog)
        if not path:
            return
        try:
            save_predictions(self.result, Path(path))
        except DesignerError as err:
            self.status.setText(f"Cannot save: {err}")
            return
        self.status.setText(f"Saved {len(self.result.table)} row(s) to {path}.")


class PredictionTableModel(QAbstractTableModel):
    """The predictions as a read-only table: cells are formatted when the view asks for them; problem rows
    are red, rows with a caveat yellow, each with its reason as the tooltip."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.result = None
        self._columns: list[str] = []
        self._values: list[list] = []

    def set_result(self, result) -> None:
        self.beginResetModel()
        self.result = result
        self._columns = [str(c) for c in result.table.columns]
        self._values = [result.table[c].tolist() for c in result.table.columns]  # column-wise, plain values
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() or self.result is None else len(self.result.table)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self._columns):
            return self._columns[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.result is None:
            return None
        row, value = index.row(), self._values[index.column()][index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell_text(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)) \
                and not isinstance(value, bool):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = PROBLEM if row in self.result.problems else CAVEAT if row in self.result.notes else None
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.result.problems.get(row) or self.result.notes.get(row) or None
        return None


def _cell_text(value) -> str:
    if isinstance(value, float):
        return "" if value != value else f"{value:.6g}"
    return str(value)
