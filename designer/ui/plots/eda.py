"""Exploration plots of the Data view: per-class histogram, 2-feature scatter, correlation heatmap,
class balance bars and an image grid. Each widget takes plain arrays (computed by designer.data.explore)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from designer.ui.plots import theme

MAX_SCATTER_POINTS = 20_000  # beyond this a random sample is drawn (the window stays responsive)


def _translucent(colour: QColor, alpha: int) -> QColor:
    c = QColor(colour)
    c.setAlpha(alpha)
    return c


class HistogramPlot(QWidget):
    """Histogram of one feature, one outlined series per class."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = theme.make_plot("Distribution", self, left="rows", legend=(-10, 10))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.series: dict[str, np.ndarray] = {}

    def show_histogram(self, feature: str, edges: np.ndarray, counts: dict[str, np.ndarray]) -> None:
        item = self.plot.getPlotItem()
        item.clear()
        if item.legend is not None:
            item.legend.clear()
        item.setLabel("bottom", feature)
        self.series = dict(counts)
        for i, (label, c) in enumerate(counts.items()):
            colour = theme.series_color(self.palette(), i)
            item.plot(edges, c, stepMode="center", fillLevel=0, brush=_translucent(colour, 60),
                      pen=pg.mkPen(colour, width=1.5), name=label)


class ScatterPlot(QWidget):
    """Two features against each other, points coloured by class, axes chosen from combo boxes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.x_combo, self.y_combo = QComboBox(), QComboBox()
        self.x_combo.setAccessibleName("Scatter x axis")
        self.y_combo.setAccessibleName("Scatter y axis")
        self.plot = theme.make_plot("Scatter", self, legend=(-10, 10))
        bar = QHBoxLayout()
        bar.addWidget(QLabel("x:"))
        bar.addWidget(self.x_combo, 1)
        bar.addWidget(QLabel("y:"))
        bar.addWidget(self.y_combo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.plot)
        self._columns: dict[str, np.ndarray] = {}
        self._labels: np.ndarray | None = None
        self._classes: list[str] = []
        self.points_drawn = 0
        self.x_combo.currentTextChanged.connect(self._redraw)
        self.y_combo.currentTextChanged.connect(self._redraw)

    def set_data(self, columns: dict[str, np.ndarray], labels: np.ndarray | None, classes: list[str]) -> None:
        """`columns`: numeric feature name → values; `labels`: class label text per row (None: one colour)."""
        self._columns, self._labels, self._classes = columns, labels, classes
        names = list(columns)
        for combo, default in ((self.x_combo, 0), (self.y_combo, 1)):
            combo.blockSignals(True)
            keep = combo.currentText()
            combo.clear()
            combo.addItems(names)
            if keep in names:
                combo.setCurrentText(keep)
            elif names:
                combo.setCurrentIndex(min(default, len(names) - 1))
            combo.blockSignals(False)
        self._redraw()

    def _redraw(self) -> None:
        item = self.plot.getPlotItem()
        item.clear()
        if item.legend is not None:
            item.legend.clear()
        self.points_drawn = 0
        xs, ys = self._columns.get(self.x_combo.currentText()), self._columns.get(self.y_combo.currentText())
        if xs is None or ys is None:
            return
        item.setLabel("bottom", self.x_combo.currentText())
        item.setLabel("left", self.y_combo.currentText())
        rows = np.arange(len(xs))
        if len(rows) > MAX_SCATTER_POINTS:
            rows = np.sort(np.random.default_rng(0).choice(len(xs), MAX_SCATTER_POINTS, replace=False))
        groups = [(None, rows)] if self._labels is None else [
            (cls, rows[self._labels[rows] == cls]) for cls in self._classes]
        # one item for every class (per-point brushes): ten items cost ten times the scene work of one
        xs_shown, ys_shown, brushes = [], [], []
        for i, (cls, idx) in enumerate(groups):
            brush = pg.mkBrush(_translucent(theme.series_color(self.palette(), i), 170))
            ok = idx[np.isfinite(xs[idx]) & np.isfinite(ys[idx])]
            xs_shown.append(xs[ok])
            ys_shown.append(ys[ok])
            brushes.extend([brush] * len(ok))
            if cls is not None and item.legend is not None:
                item.legend.addItem(pg.ScatterPlotItem(symbol="o", size=5, pen=None, brush=brush), cls)
            self.points_drawn += len(ok)
        item.addItem(pg.ScatterPlotItem(x=np.concatenate(xs_shown), y=np.concatenate(ys_shown), brush=brushes,
                                        pen=None, symbol="o", size=5))


class CorrelationHeatmap(QWidget):
    """Pearson correlation of the numeric columns, −1 (blue) … 0 (background) … +1 (orange)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = theme.make_plot("Correlation", self)
        item = self.plot.getPlotItem()
        item.invertY(True)
        item.setAspectLocked(True)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        palette = self.palette()
        self.image.setColorMap(pg.ColorMap([0.0, 0.5, 1.0], [theme.series_color(palette, 0),
                                                             theme.background(palette),
                                                             theme.series_color(palette, 1)]))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.matrix = np.zeros((0, 0))
        self.names: list[str] = []
        self._texts: list[pg.TextItem] = []

    def show_matrix(self, names: list[str], matrix: np.ndarray) -> None:
        self.names, self.matrix = list(names), np.asarray(matrix, dtype=np.float64)
        n = len(names)
        for t in self._texts:
            self.plot.removeItem(t)
        self._texts = []
        if n == 0:
            self.image.clear()
            return
        if n <= 12:  # small matrices get their values written in the cells
            for i in range(n):
                for j in range(n):
                    value = self.matrix[i, j]
                    text = pg.TextItem("–" if np.isnan(value) else f"{value:.2f}", anchor=(0.5, 0.5),
                                       color=theme.foreground(self.palette()))
                    text.setPos(j + 0.5, i + 0.5)
                    self.plot.addItem(text)
                    self._texts.append(text)
        shown = np.nan_to_num(self.matrix, nan=0.0)
        self.image.setImage(shown.T, levels=(-1.0, 1.0))  # ImageItem is column-major: x = column
        self.image.setRect(QRectF(0, 0, n, n))
        ticks = [(i + 0.5, name if n <= 20 else "") for i, name in enumerate(names)]
        item = self.plot.getPlotItem()
        item.getAxis("bottom").setTicks([ticks])
        item.getAxis("left").setTicks([ticks])
        # room for the names: the axis does not always grow by itself when the matrix is redrawn
        longest = max((len(name) for _, name in ticks), default=0)
        item.getAxis("left").setWidth(min(220, 12 + 7 * longest))
        self.image.setToolTip("\n".join(names[:40]))


class ClassBalancePlot(QWidget):
    """Rows per class as bars (or a note for regression targets)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = theme.make_plot("Class balance", self, left="rows")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.counts = np.zeros(0, dtype=np.int64)

    def show_counts(self, classes: list[str], counts: np.ndarray) -> None:
        self.counts = np.asarray(counts)
        item = self.plot.getPlotItem()
        item.clear()
        if not len(classes):
            return
        brushes = [theme.series_color(self.palette(), i) for i in range(len(classes))]
        item.addItem(pg.BarGraphItem(x=np.arange(len(classes)), height=self.counts, width=0.7, brushes=brushes))
        item.getAxis("bottom").setTicks([[(i, c) for i, c in enumerate(classes)]])


class ImageGrid(QWidget):
    """The first rows shown as small images (for image-shaped data such as the 8×8 digits).

    All thumbnails are one mosaic image in one view box (a view box per thumbnail took seconds to build and
    lay out for 60 28×28 images); each label is a text item above its tile."""

    def __init__(self, parent: QWidget | None = None, columns: int = 10, rows: int = 6) -> None:
        super().__init__(parent)
        self.columns, self.rows = columns, rows
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(theme.background(self.palette()))
        self.box = self.view.addViewBox(lockAspect=True, enableMouse=False, invertY=True)
        self.mosaic = pg.ImageItem(axisOrder="row-major")
        self.box.addItem(self.mosaic)
        self.labels: list[pg.TextItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.shown = 0

    def show_images(self, images: np.ndarray, labels: list[str] | None = None) -> None:
        """`images`: (n, H, W) or (n, H, W, C); the first columns × rows are shown (grey, or in colour when C is 3),
        with their labels (an empty label draws nothing)."""
        for text in self.labels:
            self.box.removeItem(text)
        self.labels = []
        images = np.asarray(images, dtype=np.float32)
        if images.ndim == 4 and images.shape[3] != 3:
            images = images.mean(axis=3)  # RGB stays in colour, other channel counts are shown grey
        n = min(len(images), self.columns * self.rows)
        self.shown = n
        if n == 0:
            self.mosaic.clear()
            return
        h, w = images.shape[1:3]
        gap = max(1, w // 8)
        label_h = max(2, h // 2) if labels is not None else 0
        cell_h, cell_w = h + gap + label_h, w + gap
        rows = -(-n // self.columns)
        blank = np.isnan(images[:n].reshape(n, -1)).all(axis=1)  # an all-NaN image leaves its tile empty
        lo, hi = (0.0, 1.0) if blank.all() else (float(np.nanmin(images[:n])), float(np.nanmax(images[:n])))
        scaled = np.nan_to_num((images[:n] - lo) / (hi - lo if hi > lo else 1.0) * 255.0)
        grey = np.clip(scaled, 0, 255).astype(np.uint8)
        rgba = np.zeros((rows * cell_h, self.columns * cell_w, 4), dtype=np.uint8)  # transparent between tiles
        for k in range(n):
            top, left = (k // self.columns) * cell_h + label_h, (k % self.columns) * cell_w
            tile = rgba[top:top + h, left:left + w]
            if blank[k]:
                continue
            tile[..., :3] = grey[k][..., None] if grey.ndim == 3 else grey[k]
            tile[..., 3] = 255
            if labels is not None and str(labels[k]):
                text = pg.TextItem(str(labels[k]), color=theme.foreground(self.palette()), anchor=(0.5, 1.0))
                text.setPos(left + w / 2, top)
                self.box.addItem(text)
                self.labels.append(text)
        self.mosaic.setImage(rgba, levels=(0, 255))
        self.box.autoRange(padding=0.02)
