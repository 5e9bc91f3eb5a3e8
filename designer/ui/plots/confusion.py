"""Confusion matrix heatmap with counts, and a per-class precision / recall / F1 table."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsRectItem,
    QHeaderView,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.ui.plots import theme
from designer.ui.plots.cell_rows_view import CellRowsPanel


def per_class_scores(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 per class from a confusion matrix (rows = true class); 0 where undefined."""
    matrix = np.asarray(matrix, dtype=np.float64)
    tp = np.diag(matrix)
    predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return precision, recall, f1


def _per_class(value, classes: list[str]) -> np.ndarray | None:
    """Accept a list aligned with `classes` or a {class: value} dict."""
    if value is None:
        return None
    if isinstance(value, dict):
        return np.array([float(value.get(c, value.get(i, np.nan))) for i, c in enumerate(classes)])
    arr = np.asarray(value, dtype=np.float64).ravel()
    return arr if len(arr) == len(classes) else None


class _CellLabels(pg.GraphicsObject):
    """The count in every cell of an n×n matrix (cell (i, j) centred on x=j, y=i), drawn at a fixed pixel
    size whatever the zoom."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._inks: list[QColor] = []
        self._n = 0

    def set_cells(self, texts: list[str], inks: list[QColor], n: int) -> None:
        self.prepareGeometryChange()
        self.texts, self._inks, self._n = texts, inks, n
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt name)
        return QRectF(-0.5, -0.5, self._n, self._n)

    def paint(self, painter: QPainter, *_args) -> None:
        n = self._n
        if not n:
            return
        transform = painter.transform()
        font = QFont(painter.font())
        font.setPixelSize(13 if n <= 6 else 11 if n <= 12 else 9)
        painter.save()
        painter.resetTransform()  # text in device pixels: the view's scale would stretch or flip it
        painter.setFont(font)
        flags = int(Qt.AlignmentFlag.AlignCenter)
        for k, text in enumerate(self.texts):
            centre = transform.map(QPointF(k % n, k // n))
            painter.setPen(self._inks[k])
            painter.drawText(QRectF(centre.x() - 40, centre.y() - 12, 80, 24), flags, text)
        painter.restore()


class ConfusionView(QWidget):
    cell_clicked = Signal(int, int)  # (true class, predicted class) of a clicked cell

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = theme.make_plot("Confusion matrix", self, left="true class", bottom="predicted class")
        item = self.plot.getPlotItem()
        item.invertY(True)
        item.setAspectLocked(True)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self._cmap = self._colour_map()
        self.labels = _CellLabels()  # one item paints all counts: 100 TextItems took ~40 ms to create
        self.plot.addItem(self.labels)
        # the locked aspect ratio sets the range after a resize: the columns' width is known only then
        item.getViewBox().sigResized.connect(self._fit_bottom_ticks)
        item.getViewBox().sigRangeChanged.connect(self._fit_bottom_ticks)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["class", "precision", "recall", "F1"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # wide enough that "precision" and three decimals are never clipped
        self.table.setMinimumWidth(self.fontMetrics().horizontalAdvance("class  precision  recall  0.000") + 60)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.plot)
        splitter.addWidget(self.table)
        self.cell_rows = CellRowsPanel()  # a clicked cell's rows (or images), beside the scores
        splitter.addWidget(self.cell_rows)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setStretchFactor(2, 3)
        self.plot.scene().sigMouseClicked.connect(self._scene_clicked)
        self.marker = QGraphicsRectItem()  # outlines the opened cell
        self.marker.setZValue(20)
        self.marker.setVisible(False)
        self.plot.addItem(self.marker)
        self.cell_rows.close_button.clicked.connect(lambda: self.marker.setVisible(False))
        self.cells = None  # designer.training.cell_rows.CellRows of the matrix shown
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.matrix = np.zeros((0, 0))
        self.classes: list[str] = []
        self._scores: tuple = (None, None, None)

    def plots(self) -> list[pg.PlotWidget]:
        return [self.plot]

    def cell_texts(self) -> list[str]:
        return list(self.labels.texts)

    def show_matrix(self, matrix, classes: list[str], precision=None, recall=None, f1=None) -> None:
        matrix = np.asarray(matrix, dtype=np.float64)
        n = matrix.shape[0]
        if matrix.ndim != 2 or matrix.shape[1] != n:
            raise ValueError(f"confusion matrix must be square, got shape {matrix.shape}")
        classes = [str(c) for c in classes] if len(classes) == n else [str(i) for i in range(n)]
        self.matrix, self.classes = matrix, classes
        rows = matrix.sum(axis=1, keepdims=True)
        share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)  # colour = share of the row
        share = np.sqrt(share)  # a few mistakes in a big class still show as a tint
        self.image.setImage(share.T, autoLevels=False, levels=(0.0, 1.0))  # ImageItem is [x=predicted, y=true]
        self.image.setRect(QRectF(-0.5, -0.5, n, n))
        cell_colours = self._cmap.mapToQColor(share.ravel())
        muted = QColor(theme.muted(self.palette()))
        inks = [muted if matrix.flat[k] == 0 else QColor("#000000" if c.lightness() > 140 else "#FFFFFF")
                for k, c in enumerate(cell_colours)]  # contrast with the cell, not the theme
        self.labels.set_cells([f"{int(v)}" for v in matrix.ravel()], inks, n)
        item = self.plot.getPlotItem()
        item.getAxis("left").setTicks([list(enumerate(classes))])
        self._fit_bottom_ticks()
        item.setRange(xRange=(-0.5, n - 0.5), yRange=(-0.5, n - 0.5), padding=0.02)
        self._scores = (precision, recall, f1)
        computed = per_class_scores(matrix)
        given = [_per_class(v, classes) for v in (precision, recall, f1)]
        scores = [g if g is not None else c for g, c in zip(given, computed)]
        self.table.setRowCount(n)
        for i, name in enumerate(classes):
            self.table.setItem(i, 0, QTableWidgetItem(name))
            for col, values in enumerate(scores, start=1):
                cell = QTableWidgetItem(f"{values[i]:.3f}")
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if values[i] < 0.5:
                    cell.setForeground(QColor(theme.warning_color(self.palette())))
                self.table.setItem(i, col, cell)

    def _fit_bottom_ticks(self, *_args) -> None:
        """Class names under the columns, each elided to its column's width (the full names are on the left
        axis): "AdelieChinstrapGentoo" ran together in a narrow dock."""
        n = len(self.classes)
        if not n:
            return
        axis = self.plot.getPlotItem().getAxis("bottom")
        # a column is one unit of the view wide; with the aspect ratio locked that is often much less than the
        # view's width ÷ n (a wide, short dock), where the names still ran together
        units_per_pixel = self.plot.getPlotItem().getViewBox().viewPixelSize()[0]
        cell = (1.0 / units_per_pixel if units_per_pixel > 0 else 0.0) - 6
        metrics = QFontMetrics(axis.style.get("tickFont") or self.font())
        ticks = [(k, metrics.elidedText(name, Qt.TextElideMode.ElideRight, max(int(cell), 12)))
                 for k, name in enumerate(self.classes)]
        axis.setTicks([ticks])

    def set_cell_rows(self, cells) -> None:
        """What a click on a cell opens (None: clicks only say so); a new matrix closes the open cell."""
        self.cells = cells
        self.cell_rows.clear()
        self.marker.setVisible(False)
        self.plot.setToolTip("Click a cell to see its rows" if cells is not None else "")

    def cell_at(self, scene_pos) -> tuple[int, int] | None:
        """(true, predicted) of the cell under a scene position, or None outside the matrix."""
        n = self.matrix.shape[0]
        if not n:
            return None
        view = self.plot.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(scene_pos):
            return None
        point = view.mapSceneToView(scene_pos)
        predicted, true = int(np.floor(point.x() + 0.5)), int(np.floor(point.y() + 0.5))
        if 0 <= true < n and 0 <= predicted < n:
            return true, predicted
        return None

    def _scene_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        cell = self.cell_at(event.scenePos())
        if cell is None:
            return
        event.accept()
        self.open_cell(*cell)

    def open_cell(self, true: int, predicted: int) -> None:
        self.cell_clicked.emit(true, predicted)
        if self.cells is not None:
            self.cell_rows.show_cell(self.cells, true, predicted)
            pen = QPen(theme.foreground(self.palette()), 2)
            pen.setCosmetic(True)  # two screen pixels whatever the zoom
            self.marker.setPen(pen)
            self.marker.setRect(QRectF(predicted - 0.5, true - 0.5, 1, 1))
            self.marker.setVisible(True)
            sizes = self.splitter.sizes()
            if sizes[2] < 120:  # opened for the first time (a hidden pane has no width): give it room
                total = sum(sizes)
                self.splitter.setSizes([total * 2 // 5, total // 5, total - total * 3 // 5])

    def cell_centre(self, true: int, predicted: int) -> QPoint:
        """Where cell (true, predicted) is on the plot widget (tests click there)."""
        view = self.plot.getPlotItem().getViewBox()
        return self.plot.mapFromScene(view.mapViewToScene(QPointF(predicted, true)))

    def clear(self) -> None:
        """No matrix (the data it counted changed)."""
        self.set_cell_rows(None)
        self.image.clear()
        self.labels.set_cells([], [], 0)
        self.table.setRowCount(0)
        self.matrix, self.classes, self._scores = np.zeros((0, 0)), [], (None, None, None)
        for name in ("bottom", "left"):
            self.plot.getPlotItem().getAxis(name).setTicks(None)
        self.set_caption()

    def set_caption(self, split: str | None = None, accuracy: float | None = None) -> None:
        """Say which rows the matrix counts (and their accuracy) in its title."""
        parts = [f"{split} rows" if split else "", f"accuracy {accuracy:.1%}" if accuracy is not None else ""]
        detail = ", ".join(p for p in parts if p)
        # the detail on a second, smaller line: a narrow dock must not clip the accuracy
        title = f"Confusion matrix<br><span style='font-size:9pt'>{detail}</span>" if detail else "Confusion matrix"
        self.plot.getPlotItem().setTitle(title, color=theme.foreground(self.palette()).name())

    def _colour_map(self) -> pg.ColorMap:
        """Background (share 0) to the palette's accent (share 1): zeros recede in light and dark themes."""
        palette = self.palette()
        accent = theme.series_color(palette, 0)
        cmap = pg.ColorMap([0.0, 1.0], [theme.background(palette), accent])
        self.image.setColorMap(cmap)
        return cmap

    def apply_palette(self) -> None:
        theme.style_plot(self.plot, self.palette())
        self._cmap = self._colour_map()
        if self.matrix.size:
            self.show_matrix(self.matrix, self.classes, *self._scores)
