"""Per-layer activation histograms over time (TensorBoard style) with a layer selector and epoch slider."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from designer.ui.plots import theme

IMAGE_BINS = 64
GAMMA = 0.4  # lifts the thin tails next to a tall spike (ReLU's zeros) into view


def histogram_image(entries: list[tuple[int, np.ndarray, np.ndarray]], bins: int = IMAGE_BINS):
    """Re-bin every epoch's histogram onto one shared value grid.

    Returns ``(image, lo, hi)`` with image shape (n_epochs, bins), each column scaled to its own peak so
    every epoch stays readable, then raised to GAMMA. Mass is spread by bin overlap (interpolated cumulative
    counts), so the totals are preserved whatever the epochs' own edges were.
    """
    lo = min(float(e[0]) for _, _, e in entries)
    hi = max(float(e[-1]) for _, _, e in entries)
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    grid = np.linspace(lo, hi, bins + 1)
    image = np.zeros((len(entries), bins))
    for i, (_, counts, edges) in enumerate(entries):
        cumulative = np.concatenate([[0.0], np.cumsum(counts)])
        if edges[-1] > edges[0]:
            row = np.diff(np.interp(grid, edges, cumulative))
        else:  # every value identical: all mass in one bin
            row = np.zeros(bins)
            row[min(int(np.searchsorted(grid, edges[0], side="right")) - 1, bins - 1)] = cumulative[-1]
        peak = row.max()
        image[i] = (row / peak) ** GAMMA if peak > 0 else row
    return image, lo, hi


class HistogramPanel(QWidget):
    """Heatmap (x = epoch, y = activation value, colour = density) and the slider's epoch as a histogram."""

    layer_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: dict[str, list[tuple[int, np.ndarray, np.ndarray]]] = {}
        self.layer_box = QComboBox()
        self.layer_box.setMinimumWidth(140)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setEnabled(False)
        self.epoch_label = QLabel("epoch –")
        self.epoch_label.setMinimumWidth(70)
        self.heatmap_plot = theme.make_plot("Activations over time", self, left="value", bottom="epoch")
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.heatmap_plot.addItem(self.image)
        self.epoch_line = pg.InfiniteLine(angle=90, movable=False)
        self.heatmap_plot.addItem(self.epoch_line, ignoreBounds=True)
        self.epoch_plot = theme.make_plot("Histogram at epoch", self, left="count", bottom="value")
        self.epoch_curve = pg.PlotDataItem(stepMode="center", fillLevel=0)
        self.epoch_plot.addItem(self.epoch_curve)

        top = QHBoxLayout()
        top.addWidget(QLabel("Layer"))
        top.addWidget(self.layer_box)
        top.addSpacing(12)
        top.addWidget(QLabel("Epoch"))
        top.addWidget(self.slider, 1)
        top.addWidget(self.epoch_label)
        plots = QHBoxLayout()
        plots.addWidget(self.heatmap_plot, 3)
        plots.addWidget(self.epoch_plot, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(plots, 1)
        self.layer_box.currentTextChanged.connect(self._on_layer)
        self.slider.valueChanged.connect(self._show_epoch)
        self._image_dirty = True
        self.apply_palette()

    # data ------------------------------------------------------------------------------------------
    def set_entries(self, entries: dict[str, list[tuple[int, np.ndarray, np.ndarray]]], layer_ids: list[str]) -> None:
        """Point at a run's histograms (shared lists, appended to as epochs arrive); call refresh() after."""
        self._entries = entries
        self.layer_box.blockSignals(True)
        current = self.layer_box.currentText()
        self.layer_box.clear()
        names = [lid for lid in layer_ids if lid in entries] + [lid for lid in entries if lid not in layer_ids]
        self.layer_box.addItems(names)
        if current in names:
            self.layer_box.setCurrentText(current)
        self.layer_box.blockSignals(False)
        self._image_dirty = True

    def add_layers(self, layer_ids) -> None:
        present = {self.layer_box.itemText(i) for i in range(self.layer_box.count())}
        for lid in layer_ids:
            if lid not in present:
                self.layer_box.addItem(lid)
        self._image_dirty = True

    def current_layer(self) -> str:
        return self.layer_box.currentText()

    def select_layer(self, layer_id: str) -> None:
        self.layer_box.setCurrentText(layer_id)

    def image_shape(self) -> tuple[int, int]:
        img = self.image.image
        return (0, 0) if img is None else tuple(img.shape)

    def refresh(self) -> None:
        """Rebuild the heatmap of the selected layer and keep the slider on the newest epoch if it was there."""
        entries = self._entries.get(self.current_layer(), [])
        if not entries:
            self.image.clear()
            self.epoch_curve.setData([], [])
            self.slider.setEnabled(False)
            self.epoch_label.setText("epoch –")
            return
        image, lo, hi = histogram_image(entries)
        epochs = [e for e, _, _ in entries]
        # one column per recorded epoch, centred on its epoch number (mean spacing if epochs were skipped)
        step = (epochs[-1] - epochs[0]) / (len(epochs) - 1) if len(epochs) > 1 else 1.0
        self.image.setImage(image, autoLevels=False, levels=(0.0, 1.0))
        self.image.setRect(QRectF(epochs[0] - step / 2, lo, len(epochs) * step, hi - lo))
        at_end = self.slider.value() >= self.slider.maximum()
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(entries) - 1)
        self.slider.setEnabled(True)
        if at_end:
            self.slider.setValue(len(entries) - 1)
        self.slider.blockSignals(False)
        self._show_epoch(self.slider.value())

    def _on_layer(self, layer_id: str) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        self.refresh()
        self.layer_changed.emit(layer_id)

    def _show_epoch(self, index: int) -> None:
        entries = self._entries.get(self.current_layer(), [])
        if not entries:
            return
        index = min(max(index, 0), len(entries) - 1)
        epoch, counts, edges = entries[index]
        self.epoch_curve.setData(edges, counts)
        self.epoch_line.setValue(epoch)
        self.epoch_label.setText(f"epoch {epoch}")
        title = f"{self.current_layer()} at epoch {epoch}"
        if self.epoch_plot.getPlotItem().titleLabel.text != title:  # setTitle re-lays out HTML: skip repeats
            self.epoch_plot.getPlotItem().setTitle(title, color=theme.foreground(self.palette()).name())

    def shown_epoch(self) -> int | None:
        entries = self._entries.get(self.current_layer(), [])
        return entries[min(self.slider.value(), len(entries) - 1)][0] if entries else None

    def apply_palette(self) -> None:
        palette = self.palette()
        for plot in (self.heatmap_plot, self.epoch_plot):
            theme.style_plot(plot, palette)
        colour = theme.series_color(palette, 0)
        fill = pg.mkColor(colour)
        fill.setAlpha(110)
        self.epoch_curve.setPen(pg.mkPen(colour, width=1.5))
        self.epoch_curve.setBrush(pg.mkBrush(fill))
        self.epoch_line.setPen(pg.mkPen(theme.warning_color(palette), width=1.5, style=Qt.PenStyle.DashLine))
