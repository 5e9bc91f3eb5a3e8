"""Decision-boundary heatmap with the data points drawn over it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from designer.ui.plots import theme

_CLASS_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
                  "#7F7F7F", "#8C564B", "#17BECF"]


def class_colour(index: int) -> str:
    return _CLASS_COLOURS[int(index) % len(_CLASS_COLOURS)]


class BoundaryPlot(QWidget):
    axes_changed = Signal(int, int)  # the person picked the slice's two features (more than two features)
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = theme.make_plot("Decision boundary", self, left="feature 2", bottom="feature 1")
        self.plot.getPlotItem().setAspectLocked(False)
        self.image = pg.ImageItem()
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.scatter = pg.ScatterPlotItem(size=6)
        self.plot.addItem(self.scatter)
        self.hint = QLabel("The boundary appears here once a network trains on table data.")
        self.hint.setWordWrap(True)
        # More than two features: the map is a slice through two of them (see PlaneProbe), chosen here.
        self.x_combo, self.y_combo = QComboBox(), QComboBox()
        self.slice_note = QLabel()
        self.slice_note.setWordWrap(True)
        self.slice_row = QWidget()
        row = QHBoxLayout(self.slice_row)
        row.setContentsMargins(0, 0, 0, 0)
        for label, combo in (("x", self.x_combo), ("y", self.y_combo)):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            combo.setToolTip("The feature along this axis of the slice; the others stay at their median")
            combo.activated.connect(self._axes_picked)
            row.addWidget(QLabel(label))
            row.addWidget(combo, 1)
        row.addWidget(self.slice_note, 2)
        self.slice_row.setVisible(False)
        self.slice_note.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.slice_row)
        layout.addWidget(self.hint)
        self.task = "classification"
        self.n_classes = 2
        self._points: tuple[np.ndarray, np.ndarray] | None = None
        self._grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._legend_names: list[str] = []

    def plots(self) -> list[pg.PlotWidget]:
        return [self.plot]

    def set_plane(self, info: dict) -> None:
        """What the map shows (PlaneProbe.describe): axis names, and for more than two features the slice's
        two chosen features, with the others held at their median (said under the map)."""
        names, (i, j), held = list(info.get("features") or []), tuple(info.get("axes") or (0, 1)), info.get("held", 0)
        item = self.plot.getPlotItem()
        if names:
            item.setLabel("bottom", names[i])
            item.setLabel("left", names[j])
        sliced = held > 0 and len(names) > 2
        self.slice_row.setVisible(sliced)
        self.slice_note.setVisible(sliced)
        if sliced:
            for combo, index in ((self.x_combo, i), (self.y_combo, j)):
                combo.blockSignals(True)
                if [combo.itemText(k) for k in range(combo.count())] != names:
                    combo.clear()
                    combo.addItems(names)
                combo.setCurrentIndex(index)
                combo.blockSignals(False)
            self.slice_note.setText(f"A slice: the other {held} input{'s' if held != 1 else ''} at their median")
            self.slice_note.setToolTip(f"The network's answer over {names[i]} × {names[j]} with every other "
                                       "input at its median on the training rows; the points are all training "
                                       "rows, seen from above (their other features vary).")
        theme.style_plot(self.plot, self.palette())

    def _axes_picked(self, _index: int) -> None:
        first, second = self.x_combo.currentIndex(), self.y_combo.currentIndex()
        if first == second:
            self.slice_note.setText("Pick two different features for the slice.")
            return
        self.axes_changed.emit(first, second)

    def configure(self, task: str, n_classes: int, class_names: list[str] | None = None) -> None:
        """Once per run: the task decides the colours; class names go into the legend."""
        self.task, self.n_classes = task, max(int(n_classes), 1)
        title = "Prediction over the input plane" if task == "regression" else "Decision boundary"
        self.plot.getPlotItem().setTitle(title, color=theme.foreground(self.palette()).name())
        names = [str(c) for c in (class_names or [])][: len(_CLASS_COLOURS)]
        self._legend_names = names if task != "regression" else []
        self._build_legend()

    def _build_legend(self) -> None:
        legend = self.plot.getPlotItem().legend
        if legend is None:
            legend = theme.add_outside_legend(self.plot.getPlotItem())  # beside the map, not over its corner
        legend.clear()
        outline = pg.mkPen(theme.foreground(self.palette()), width=0.8)
        for i, name in enumerate(self._legend_names):
            sample = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(class_colour(i)), pen=outline)
            legend.addItem(sample, name)
        legend.setVisible(bool(self._legend_names))
        theme.style_plot(self.plot, self.palette())

    def clear_data(self) -> None:
        """A new run: nothing of the previous run's map or points may linger."""
        self.image.clear()
        self.scatter.clear()
        self._grid = self._points = None
        self.hint.setVisible(True)

    def has_data(self) -> bool:
        return self.image.image is not None

    def set_boundary(self, xs, ys, values) -> None:
        xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64).reshape(len(ys), len(xs))
        self._grid = (xs, ys, values)
        if self.task == "regression":
            cmap, levels, image = self._diverging(soft=True), self._value_levels(values), values
        elif self.n_classes <= 2:
            # P(class 1): class 0's colour → background at 0.5 → class 1's colour
            cmap, levels, image = self._diverging(soft=True), (0.0, 1.0), values
        else:
            cmap = _stepped(self._soft_colours(self.n_classes))
            levels, image = (0.0, float(self.n_classes - 1)), values
        self.image.setColorMap(cmap)
        self.image.setImage(image.T, autoLevels=False, levels=levels)  # ImageItem wants [x, y]
        dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        self.hint.setVisible(False)
        if self.task == "regression" and self._points is not None:
            self.set_points(*self._points)  # the shared colour scale may have moved

    def _value_levels(self, values) -> tuple[float, float]:
        """Regression: one colour scale for the targets and the predictions, so a point matches the map."""
        parts = [np.ravel(v) for v in (values, None if self._points is None else self._points[1]) if v is not None]
        data = np.concatenate(parts).astype(np.float64) if parts else np.zeros(1)
        data = data[np.isfinite(data)]
        lo, hi = (float(data.min()), float(data.max())) if data.size else (0.0, 1.0)
        return (lo, hi) if hi > lo else (lo - 0.5, lo + 0.5)

    def _diverging(self, soft: bool) -> pg.ColorMap:
        """Class 0's colour → the background → class 1's colour: low/high ends in either theme."""
        ends = self._soft_colours(2) if soft else [pg.mkColor(class_colour(0)), pg.mkColor(class_colour(1))]
        return pg.ColorMap([0.0, 0.5, 1.0], [ends[0], theme.background(self.palette()), ends[1]])

    def _soft_colours(self, n: int) -> list:
        """Class colours mixed with the background, so the points drawn on top stay visible."""
        bg = theme.background(self.palette())
        out = []
        for i in range(n):
            c = pg.mkColor(class_colour(i))
            out.append(pg.mkColor(int(0.45 * c.red() + 0.55 * bg.red()), int(0.45 * c.green() + 0.55 * bg.green()),
                                  int(0.45 * c.blue() + 0.55 * bg.blue())))
        return out

    def set_points(self, x2d, y) -> None:
        x2d = np.asarray(x2d, dtype=np.float64)
        y = np.asarray(y).ravel()
        self._points = (x2d, y)
        outline = pg.mkPen(theme.foreground(self.palette()), width=0.8)
        if self.task == "regression":
            cmap = self._diverging(soft=False)
            lo, hi = self._value_levels(None if self._grid is None else self._grid[2])
            scaled = np.clip((y.astype(np.float64) - lo) / (hi - lo), 0.0, 1.0)
            brushes = [pg.mkBrush(c) for c in cmap.mapToQColor(scaled)]
        else:
            palette_brushes = [pg.mkBrush(class_colour(i)) for i in range(max(self.n_classes, 2))]
            brushes = [palette_brushes[int(c) % len(palette_brushes)] for c in y]
        self.scatter.setData(x=x2d[:, 0], y=x2d[:, 1], brush=brushes, pen=outline)

    def apply_palette(self) -> None:
        self._build_legend()
        if self._points is not None:
            self.set_points(*self._points)
        if self._grid is not None:
            self.set_boundary(*self._grid)


def _stepped(colours: list) -> pg.ColorMap:
    """A colour map with flat bands, so class k (level k of 0..n-1) maps to exactly colour k."""
    n = len(colours)
    positions, stops = [], []
    for k in range(n):
        lo, hi = max(0.0, (k - 0.5) / (n - 1)), min(1.0, (k + 0.5) / (n - 1))
        positions += [lo, hi - 1e-6 if hi < 1.0 else hi]
        stops += [colours[k], colours[k]]
    return pg.ColorMap(np.array(positions), stops)
