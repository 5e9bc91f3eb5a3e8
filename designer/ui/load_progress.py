"""The Data view's reading indicator: a percentage while a CSV file is parsed, and a Cancel button while a new
file is being imported (cancelling keeps the data and project as they were)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget


class LoadProgress(QWidget):
    cancel_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Reading progress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop reading this file; the data shown before stays")
        self.cancel_button.clicked.connect(self.cancel_clicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        self.setVisible(False)

    def start(self, cancellable: bool) -> None:
        """Busy (no percentage known yet) until the reader reports one."""
        self.bar.setRange(0, 0)
        self.bar.setFormat("%p %")
        self.cancel_button.setVisible(cancellable)
        self.cancel_button.setEnabled(True)
        self.setVisible(True)

    def set_percent(self, percent: int, text: str) -> None:
        self.bar.setRange(0, 100)
        self.bar.setValue(percent)
        self.bar.setFormat(text)

    def stopping(self) -> None:
        self.cancel_button.setEnabled(False)  # a second click has nothing more to stop
        self.bar.setFormat("Cancelling…")

    def finish(self) -> None:
        self.setVisible(False)
