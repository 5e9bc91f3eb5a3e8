"""Import a CSV: preview the first rows with what was detected (delimiter, encoding, header), pick the target
and feature columns, and the cleaning / scaling / split settings. Only the file's first 64 KB are read here;
the Data view reads the whole file on a worker thread afterwards."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.data import sniff_csv
from designer.data.roles import suggest_roles
from designer.errors import DataError
from designer.ui.prep_fields import PreparationFields

ENCODINGS = ["auto", "utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"]
DELIMITERS = [("auto", None), ("comma  ,", ","), ("semicolon  ;", ";"), ("tab", "\t"), ("pipe  |", "|")]
PREVIEW_ROWS = 20


class ImportDialog(QDialog):
    """`data_config()` after `exec()` returns the new data section (source kind csv)."""

    def __init__(self, parent: QWidget | None = None, path: str = "", data_cfg: dict | None = None,
                 base_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import data")
        self.resize(820, 640)
        self.base_dir = base_dir
        self._cfg = copy.deepcopy(data_cfg or {})
        self.columns: list[str] = []
        self.detected: dict = {}
        self._body: list[list[str]] = []  # preview rows without the header

        self.path_edit = QLineEdit(path)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.encoding_combo = QComboBox()
        self.encoding_combo.addItems(ENCODINGS)
        self.delimiter_combo = QComboBox()
        for label, value in DELIMITERS:
            self.delimiter_combo.addItem(label, value)
        self.header_check = QCheckBox("First row is a header")
        self.header_check.setTristate(False)
        self.detected_label = QLabel()
        self.detected_label.setWordWrap(True)
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.target_combo = QComboBox()
        self.task_combo = QComboBox()
        self.task_combo.addItems(["classification", "regression"])
        self.feature_list = QListWidget()
        self.prep = PreparationFields()
        self.missing_combo, self.scaling_combo = self.prep.missing_combo, self.prep.scaling_combo
        self.validation_spin, self.test_spin = self.prep.validation_spin, self.prep.test_spin
        self.shuffle_check, self.stratify_check = self.prep.shuffle_check, self.prep.stratify_check
        self.seed_spin = self.prep.seed_spin
        self.prep.load(self._cfg)

        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)
        detect_row = QHBoxLayout()
        for label, widget in (("Encoding", self.encoding_combo), ("Delimiter", self.delimiter_combo)):
            detect_row.addWidget(QLabel(label))
            detect_row.addWidget(widget)
        detect_row.addWidget(self.header_check)
        detect_row.addStretch(1)
        form = QFormLayout()
        form.addRow("Target column", self.target_combo)
        form.addRow("Task", self.task_combo)
        form.addRow("Missing values", self.missing_combo)
        form.addRow("Scaling", self.scaling_combo)
        split_row = QHBoxLayout()
        for label, widget in (("validation", self.validation_spin), ("test", self.test_spin)):
            split_row.addWidget(QLabel(label))
            split_row.addWidget(widget)
        split_row.addWidget(self.shuffle_check)
        split_row.addWidget(self.stratify_check)
        split_row.addWidget(QLabel("seed"))
        split_row.addWidget(self.seed_spin)
        form.addRow("Split", split_row)
        lower = QHBoxLayout()
        lower.addLayout(form, 3)
        features_box = QVBoxLayout()
        features_box.addWidget(QLabel("Feature columns"))
        features_box.addWidget(self.feature_list)
        lower.addLayout(features_box, 2)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addLayout(detect_row)
        layout.addWidget(self.detected_label)
        layout.addWidget(self.preview, 2)
        layout.addLayout(lower, 2)
        layout.addWidget(self.buttons)

        self.path_edit.editingFinished.connect(self.refresh)
        self.encoding_combo.currentIndexChanged.connect(self.refresh)
        self.delimiter_combo.currentIndexChanged.connect(self.refresh)
        self.header_check.toggled.connect(self._header_toggled)
        self.target_combo.currentTextChanged.connect(self._target_changed)
        self._header_override: bool | None = None
        if path:
            self.refresh()
        else:
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        """Enter in a field re-reads the file; it accepts only on the OK button (no unseen import)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
            if self.focusWidget() is ok and ok.isEnabled():
                self.accept()
            elif self.focusWidget() is self.path_edit:
                self.refresh()
            return
        super().keyPressEvent(event)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import CSV", str(self.base_dir or ""),
                                              "Tables (*.csv *.tsv *.txt);;All files (*)",
                                              options=QFileDialog.Option.DontUseNativeDialog)
        if path:
            self.path_edit.setText(path)
            self._header_override = None
            self.refresh()

    def _header_toggled(self, checked: bool) -> None:
        self._header_override = checked
        self.refresh()

    def _full_path(self) -> Path:
        p = Path(self.path_edit.text().strip()).expanduser()
        return p if p.is_absolute() or self.base_dir is None else Path(self.base_dir) / p

    def refresh(self) -> None:
        """Re-detect with the chosen overrides and refill the preview and the column pickers."""
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        encoding = self.encoding_combo.currentText()
        try:
            info, rows = sniff_csv(self._full_path(), delimiter=self.delimiter_combo.currentData(),
                                   header=self._header_override, encoding=None if encoding == "auto" else encoding)
        except DataError as e:
            self.detected_label.setText(f"⚠ {e}")
            self.preview.clear()
            self.preview.setRowCount(0)
            self.columns = []
            ok_button.setEnabled(False)
            return
        self.detected = info.to_dict()
        self.header_check.blockSignals(True)
        self.header_check.setChecked(info.header)
        self.header_check.blockSignals(False)
        delim_name = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(info.delimiter,
                                                                                  repr(info.delimiter))
        self.detected_label.setText(f"Detected: {delim_name}-separated, {info.encoding}, "
                                    f"{'with' if info.header else 'without'} header"
                                    + (", decimal comma" if info.decimal == "," else ""))
        body = rows[1:] if info.header else rows
        self._body = body
        self.columns = list(info.columns)
        self.preview.clear()
        self.preview.setColumnCount(len(self.columns))
        self.preview.setHorizontalHeaderLabels(self.columns)
        shown = body[:PREVIEW_ROWS]
        self.preview.setRowCount(len(shown))
        for i, row in enumerate(shown):
            for j, cell in enumerate(row[: len(self.columns)]):
                self.preview.setItem(i, j, QTableWidgetItem(cell))
        self._fill_columns()
        ok_button.setEnabled(bool(self.columns))

    def _preview_frame(self) -> pd.DataFrame:
        """The preview rows as a table: empty cells missing, all-number columns as numbers."""
        width = len(self.columns)
        rows = [(r + [""] * width)[:width] for r in self._body]
        df = pd.DataFrame(rows, columns=range(width)).replace(r"^\s*$", None, regex=True)
        df.columns = self.columns
        comma = self.detected.get("decimal") == ","
        for col in df.columns:
            text = df[col].str.replace(",", ".") if comma else df[col]
            numbers = pd.to_numeric(text, errors="coerce")
            if numbers.notna().sum() and numbers.notna().sum() == text.notna().sum():
                df[col] = numbers
        return df

    def _fill_columns(self) -> None:
        """Roles from the preview: ID-like and constant columns left out, the target guessed by name and values."""
        frame = self._preview_frame()
        kept = self.target_combo.currentText() or self._cfg.get("target", "")
        suggestion = suggest_roles(frame, kept if kept in self.columns else None)
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        self.target_combo.addItems(self.columns)
        if suggestion.target in self.columns:
            self.target_combo.setCurrentText(suggestion.target)
        self.target_combo.blockSignals(False)
        self._target_changed(self.target_combo.currentText())

    def _target_changed(self, target: str) -> None:
        if target not in self.columns:
            return
        frame = self._preview_frame()
        suggestion = suggest_roles(frame, target)
        self.task_combo.setCurrentText(suggestion.task)
        previous = set(self._cfg.get("features") or [])
        if previous & set(self.columns):  # the project's own picks, when they are about this file
            wanted = previous
        else:
            wanted = set(suggestion.features(self.columns))
        self.feature_list.clear()
        for col in self.columns:
            if col == target:
                continue
            item = QListWidgetItem(col)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if col in wanted else Qt.CheckState.Unchecked)
            if col in suggestion.ignored:
                item.setText(f"{col}  — {suggestion.ignored[col]}")
                item.setData(Qt.ItemDataRole.UserRole, col)
                item.setToolTip(f"Left out by default: {suggestion.ignored[col]}")
            self.feature_list.addItem(item)

    def selected_features(self) -> list[str]:
        return [_column(self.feature_list.item(i)) for i in range(self.feature_list.count())
                if self.feature_list.item(i).checkState() == Qt.CheckState.Checked]

    def data_config(self) -> dict:
        """The data section the dialog describes; `features` only when it is not 'all but the target'."""
        source = {"kind": "csv", "path": self._relative_path()}
        if self.encoding_combo.currentText() != "auto":
            source["encoding"] = self.encoding_combo.currentText()
        if self.delimiter_combo.currentData() is not None:
            source["delimiter"] = self.delimiter_combo.currentData()
        if self._header_override is not None:
            source["header"] = self._header_override
        cfg = {k: v for k, v in self._cfg.items() if k not in ("source", "features", "target", "task")}
        cfg.update(source=source, target=self.target_combo.currentText(), task=self.task_combo.currentText(),
                   **self.prep.values())
        features = self.selected_features()
        if len(features) != self.feature_list.count():
            cfg["features"] = features
        return cfg

    def _relative_path(self) -> str:
        """Inside the project's folder the path is stored relative to it, so the project can move."""
        full = self._full_path()
        if self.base_dir is not None:
            try:
                return full.resolve().relative_to(Path(self.base_dir).resolve()).as_posix()
            except ValueError:
                pass
        return str(full)



def _column(item: QListWidgetItem) -> str:
    """The column an item of the feature list stands for (its text may carry a note)."""
    return item.data(Qt.ItemDataRole.UserRole) or item.text()
