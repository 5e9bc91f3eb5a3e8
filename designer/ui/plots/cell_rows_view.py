"""The rows of one confusion-matrix cell: a table of their values as read, or the images themselves."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from designer.ui.plots.eda import ImageGrid

GRID_COLUMNS = 6


class CellRowsPanel(QWidget):
    """Hidden until a cell is opened; its ✕ closes it again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Close the cell's rows")
        self.close_button.setAccessibleName("Close the cell's rows")
        self.close_button.clicked.connect(self.hide)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.caption, 1)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.grid = ImageGrid(columns=GRID_COLUMNS, rows=10)
        self.files = QLabel()
        self.files.setWordWrap(True)
        self.files.setTextFormat(Qt.TextFormat.PlainText)
        images = QWidget()
        images_box = QVBoxLayout(images)
        images_box.setContentsMargins(0, 0, 0, 0)
        images_box.addWidget(self.grid, 1)
        images_box.addWidget(self.files)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(images)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        self.cell: tuple[int, int] | None = None
        self.hide()

    def show_cell(self, cells, true: int, predicted: int) -> None:
        """The rows of cell (true, predicted) of `cells` (designer.training.cell_rows.CellRows)."""
        self.cell = (true, predicted)
        classes = cells.classes
        n = cells.count(true, predicted)
        what = "correct" if true == predicted else "mistaken"
        head = f"{n} {what} row{'s' if n != 1 else ''}: true {classes[true]}, predicted {classes[predicted]}"
        if cells.image_shape:
            pixels, captions = cells.images(true, predicted)
            self.grid.columns = max(1, min(GRID_COLUMNS, len(pixels)))  # a few images get big tiles
            self.grid.rows = max(1, -(-len(pixels) // self.grid.columns))
            self.grid.show_images(pixels if len(pixels) else np.zeros((0, 1, 1)))
            more = f" (the first {len(pixels)})" if n > len(pixels) else ""
            self.caption.setText(head + more)
            self.files.setText(", ".join(captions))
            self.stack.setCurrentIndex(1)
        else:
            header, rows = cells.table(true, predicted)
            self.table.clear()
            self.table.setColumnCount(len(header))
            self.table.setHorizontalHeaderLabels(header)
            self.table.setRowCount(len(rows))
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    self.table.setItem(r, c, QTableWidgetItem(text))
            self.table.resizeColumnsToContents()
            more = f" (the first {len(rows)})" if n > len(rows) else ""
            self.caption.setText(head + more + " — their values as read")
            self.stack.setCurrentIndex(0)
        self.show()

    def clear(self) -> None:
        self.cell = None
        self.table.setRowCount(0)
        self.grid.show_images(np.zeros((0, 1, 1)))
        self.hide()
