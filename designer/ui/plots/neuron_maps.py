"""What each hidden neuron computes over the input plane (TensorFlow Playground style).

One small heatmap per unit, layers left to right, units stacked in up to MAX_ROWS rows per layer. The grids
come from the training process (`neuron_grid.neuron_maps`, each unit scaled into [-1, 1]); this widget only
creates its image items when the set of layers changes and feeds them with setImage afterwards.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from designer.ui.plots import theme

MAX_ROWS = 6  # a layer of 8 units takes two columns of 4: the maps stay near square in a wide, short dock


class NeuronMapsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.ci.setSpacing(3)
        self.hint = QLabel("Per-neuron maps appear here for networks with two input features and hidden Dense "
                           "layers of at most 16 units.")
        self.hint.setWordWrap(True)
        self.caption = QLabel("Each hidden neuron's output over the input plane: orange below 0, blue above, "
                              "each map scaled to its own largest value.")
        self.caption.setWordWrap(True)
        self.caption.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.caption)
        self._structure: tuple = ()
        self._images: dict[str, list[pg.ImageItem]] = {}
        self._boxes: list[pg.ViewBox] = []
        self._labels: list[pg.LabelItem] = []
        self._last: tuple | None = None
        self.updates = 0  # how many sets of maps were shown (tests, status)
        self.apply_palette()

    # data ------------------------------------------------------------------------------------------
    def clear_data(self) -> None:
        for images in self._images.values():
            for image in images:
                image.clear()
        self._last = None
        self.hint.setVisible(True)
        self.caption.setVisible(False)

    def set_maps(self, xs, ys, maps: dict[str, np.ndarray]) -> None:
        """xs (nx,), ys (ny,), maps: layer id → (units, ny, nx) values in [-1, 1]."""
        structure = tuple((lid, int(np.shape(m)[0])) for lid, m in maps.items())
        if structure != self._structure:
            self._build(structure)
        xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
        dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        rect = QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys))
        for lid, layer_maps in maps.items():
            for image, values in zip(self._images[lid], np.asarray(layer_maps)):
                image.setImage(values.T, autoLevels=False, levels=(-1.0, 1.0))  # ImageItem wants [x, y]
                image.setRect(rect)
        if self._last is None or self._last[0] != rect:
            for box in self._boxes:
                box.setRange(rect, padding=0)
        self._last = (rect, maps)
        self.hint.setVisible(not maps)
        self.caption.setVisible(bool(maps))
        self.updates += 1

    def layer_ids(self) -> list[str]:
        return [lid for lid, _ in self._structure]

    def image_of(self, layer_id: str, unit: int) -> np.ndarray | None:
        """The values shown for one unit, [x, y] as the ImageItem holds them."""
        images = self._images.get(layer_id, [])
        return None if unit >= len(images) or images[unit].image is None else images[unit].image

    # items -----------------------------------------------------------------------------------------
    def _build(self, structure: tuple) -> None:
        """New image items only when the layers or their sizes change (a new network), never per epoch."""
        layout = self.canvas.ci
        layout.clear()
        self._images, self._boxes, self._labels = {}, [], []
        self._structure = structure
        col = 0
        cmap = self._colour_map()
        border = pg.mkPen(theme.muted(self.palette()), width=1)
        for lid, units in structure:
            cols = max(math.ceil(units / MAX_ROWS), 1)
            rows = max(math.ceil(units / cols), 1)  # balanced: 8 units are 2 columns of 4, not 6 and 2
            label = layout.addLabel(f"{lid} ({units})", row=0, col=col, colspan=cols, size="8pt",
                                    color=theme.foreground(self.palette()).name())
            self._labels.append(label)
            images = []
            for unit in range(units):
                # no context menu at all: building one per box was 90 % of the cost, and all boxes are built
                # in one turn of the event loop at the end of a run (a 0.4 s stall for 16 units)
                box = layout.addViewBox(row=1 + unit % rows, col=col + unit // rows, lockAspect=False,
                                        enableMouse=False, border=border, enableMenu=False)
                image = pg.ImageItem()
                image.setColorMap(cmap)
                image.setToolTip(f"{lid}, unit {unit + 1}")
                box.addItem(image)
                self._boxes.append(box)
                images.append(image)
            self._images[lid] = images
            col += cols

    def _colour_map(self) -> pg.ColorMap:
        """Playground colours: orange for negative, the background for zero, blue for positive."""
        bg = theme.background(self.palette())
        return pg.ColorMap([0.0, 0.5, 1.0], [pg.mkColor("#E69F00"), bg, pg.mkColor("#0072B2")])

    def apply_palette(self) -> None:
        self.canvas.setBackground(theme.background(self.palette()))
        cmap = self._colour_map()
        border = pg.mkPen(theme.muted(self.palette()), width=1)
        for images in self._images.values():
            for image in images:
                image.setColorMap(cmap)
        for box in self._boxes:
            box.setBorder(border)
        colour = theme.foreground(self.palette()).name()
        for label in self._labels:
            label.setText(label.text, color=colour)
