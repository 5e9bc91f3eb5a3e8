"""Runs list: one checkable row per training run; checked runs are overlaid on the loss plots."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from designer.ui.plots import theme


class RunsList(QListWidget):
    visible_runs_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("Tick runs to overlay them on the loss and metric plots")
        # a narrow list elides a long name ("run 1 · from scr…", whole in its tooltip) instead of scrolling sideways
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.itemChanged.connect(lambda _item: self.visible_runs_changed.emit())

    def add_run(self, run_id: str, colour_index: int, checked: bool = True) -> None:
        self.blockSignals(True)
        for row in range(self.count()):  # the new run is shown alone; tick older ones to compare
            self.item(row).setCheckState(Qt.CheckState.Unchecked)
        item = QListWidgetItem(run_id)
        item.setData(Qt.ItemDataRole.UserRole, colour_index)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        item.setIcon(self._swatch(colour_index))
        item.setToolTip(f"{run_id} — tick to overlay it on the plots")
        self.addItem(item)
        self.blockSignals(False)
        self.visible_runs_changed.emit()

    def remove_run(self, run_id: str) -> None:
        for row in range(self.count()):
            if self.item(row).text() == run_id:
                self.takeItem(row)
                self.visible_runs_changed.emit()
                return

    def set_checked(self, run_id: str, checked: bool) -> None:
        for row in range(self.count()):
            item = self.item(row)
            if item.text() == run_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def checked_runs(self) -> set[str]:
        return {self.item(r).text() for r in range(self.count())
                if self.item(r).checkState() == Qt.CheckState.Checked}

    def _swatch(self, colour_index: int) -> QIcon:
        # Drawn at device pixels: a 12×12 pixmap is scaled up and blurred at 125% or 150% display scale.
        scale = self.devicePixelRatioF()
        pixmap = QPixmap(round(12 * scale), round(12 * scale))
        pixmap.setDevicePixelRatio(scale)
        pixmap.fill(QColor(theme.series_color(self.palette(), colour_index)))  # the colour of all the run's curves
        return QIcon(pixmap)

    def apply_palette(self) -> None:
        self.blockSignals(True)
        for row in range(self.count()):
            item = self.item(row)
            item.setIcon(self._swatch(int(item.data(Qt.ItemDataRole.UserRole))))
        self.blockSignals(False)
