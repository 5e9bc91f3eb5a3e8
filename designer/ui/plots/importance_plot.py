"""The Evaluation tab's "Feature importance" page: permutation importance per column of the table as
horizontal bars (largest on top) with the spread over the repeats, the metric and its unit named on the axis."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from designer.ui.plots import theme

MAX_BARS = 30  # the most important columns; the caption says when more were left out
EMPTY = ("Feature importance appears here after a table model is trained: how much the score drops when one "
         "column's values are shuffled between the validation rows.")


class ImportanceView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = theme.make_plot("Permutation importance (validation split)", self, grid=True)
        self.plot.getPlotItem().getViewBox().setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.6, width=[])
        self.errors = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), beam=0.2)
        self.zero_line = pg.InfiniteLine(pos=0.0, angle=90, movable=False)
        for item in (self.bars, self.errors):
            self.plot.addItem(item)
        self.plot.addItem(self.zero_line, ignoreBounds=True)
        self.caption = QLabel(EMPTY)
        self.caption.setWordWrap(True)
        self.caption.setAccessibleName("Feature importance caption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.caption)
        self.features: list[str] = []
        self.values = np.zeros(0)
        self.plot.setVisible(False)
        self.apply_palette()

    def plots(self) -> list[pg.PlotWidget]:
        return [self.plot]

    def show_importance(self, importance: dict | None) -> None:
        """`importance`: Importance.to_dict() (largest first), or {"error": text} when it could not be computed,
        or None (no run / image data)."""
        if not importance or not importance.get("features"):
            self.clear((importance or {}).get("error") or EMPTY)
            return
        rows = importance["features"][:MAX_BARS]
        self.features = [r["feature"] for r in rows]
        self.values = np.array([r["mean"] for r in rows], dtype=np.float64)
        std = np.array([r["std"] for r in rows], dtype=np.float64)
        y = np.arange(len(rows))[::-1].astype(np.float64)  # largest on top
        self.bars.setOpts(x0=np.minimum(self.values, 0), y=y, width=np.abs(self.values), height=0.6)
        self.errors.setData(x=self.values, y=y, left=std, right=std)  # caps: `beam` tall, in rows
        self.plot.getAxis("left").setTicks([[(float(v), name) for v, name in zip(y, self.features)]])
        unit = "accuracy lost" if importance["metric"] == "accuracy" else "MAE increase (target units)"
        self.plot.getPlotItem().setLabel("bottom", f"{unit} when the column is shuffled")
        self.plot.getPlotItem().setYRange(-0.7, len(rows) - 0.3, padding=0)
        self.plot.getPlotItem().enableAutoRange(axis="x")
        more = len(importance["features"]) - len(rows)
        baseline = importance["baseline"]
        base_text = f"accuracy {baseline:.3f}" if importance["metric"] == "accuracy" else f"MAE {baseline:.4g}"
        self.caption.setText(
            f"{importance.get('meaning', unit)}: mean ± std over {importance['repeats']} shuffles of "
            f"{importance['samples']:,} validation rows (unshuffled: {base_text}). Near zero or below: the model "
            f"does not rely on that column." + (f" {more} less important column(s) not shown." if more > 0 else ""))
        self.plot.setVisible(True)

    def clear(self, text: str = EMPTY) -> None:
        self.features, self.values = [], np.zeros(0)
        self.bars.setOpts(x0=[], y=[], width=[], height=0.6)
        self.errors.setData(x=np.zeros(0), y=np.zeros(0))
        self.caption.setText(text)
        self.plot.setVisible(False)

    def apply_palette(self) -> None:
        palette = self.palette()
        theme.style_plot(self.plot, palette)
        colour = pg.mkColor(theme.series_color(palette, 0))
        self.bars.setOpts(brush=pg.mkBrush(colour), pen=pg.mkPen(None))
        self.errors.setData(pen=pg.mkPen(theme.foreground(palette), width=1.2))
        self.zero_line.setPen(pg.mkPen(theme.muted(palette), width=1, style=Qt.PenStyle.DashLine))


def with_importance(scores: QWidget, importance: ImportanceView) -> QTabWidget:
    """The Evaluation tab's two pages: the scores (confusion matrix or predicted vs actual, worst rows) and the
    feature importance."""
    pages = QTabWidget()
    pages.setDocumentMode(True)
    pages.addTab(scores, "Scores")
    pages.addTab(importance, "Feature importance")
    pages.setTabToolTip(1, "Permutation importance: the score lost when one column is shuffled")
    return pages
