"""The Experiments window's Overfitting lab tab: a learning curve (more data?) and the remedies A/B, each
remedy's validation loss overlaid on the base run's, all trained from the same start in the background."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.training.overfit_lab import REMEDIES, compare_remedies, learning_curve
from designer.ui.background import JobSlot
from designer.ui.plots import theme as plot_theme
from designer.ui.worker import snapshot

LABELS = {"base": "base run", "dropout": "dropout 0.5", "smaller": "half the units", "batchnorm": "batch norm",
          "l2": "L2 0.001", "early_stopping": "early stopping"}


class OverfitLabPanel(QWidget):
    """Signals: curve_done(points or None), remedies_done(runs or None)."""

    curve_done = Signal(object)
    remedies_done = Signal(object)

    def __init__(self, window, parent=None) -> None:
        super().__init__(parent)
        self.window = window
        intro = QLabel("Is the network short of data, or learning the noise? The learning curve trains on 10 %, "
                       "20 % … 100 % of the training rows; the remedies each train once from the base run's "
                       "start: " + "; ".join(REMEDIES.values()) + ".")
        intro.setWordWrap(True)
        intro.setObjectName("hint")
        self.curve_button = QPushButton("Learning curve")
        self.curve_button.clicked.connect(self.run_curve)
        self.remedies_button = QPushButton("Compare remedies")
        self.remedies_button.setObjectName("primary")
        self.remedies_button.clicked.connect(self.run_remedies)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        for b in (self.curve_button, self.remedies_button, self.stop_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.job = JobSlot(self, idle=(self.curve_button, self.remedies_button), busy=(self.stop_button,))
        self.status = QLabel("")
        self.status.setWordWrap(True)

        self.curve_plot = plot_theme.make_plot("Learning curve", self, left="best validation score",
                                               bottom="% of the training rows", grid=True)
        self.curve_line = self.curve_plot.plot([], [], symbol="o", symbolSize=6,
                                               pen=pg.mkPen(plot_theme.series_color(self.palette(), 0), width=2))
        self.remedy_plot = plot_theme.make_plot("Validation loss: base run and remedies", self, left="val loss",
                                                bottom="epoch", legend=(-10, 10), grid=True)
        self.remedy_curves: dict[str, pg.PlotDataItem] = {}
        plots = QHBoxLayout()
        plots.addWidget(self.curve_plot, 2)
        plots.addWidget(self.remedy_plot, 3)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(("Run", "Best validation", "Final val loss", "Gap (val − train)"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setMaximumHeight(210)
        self.table.setColumnWidth(0, 150)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addLayout(plots, 1)
        layout.addWidget(self.table)

    def _start(self, work, progress, done, signal) -> None:
        from designer.training.control import TrainingControl

        if self.job.isRunning():
            return
        self.control = TrainingControl()
        self.job.start(work, lambda result: (done(result), signal.emit(result)),
                       lambda message: (self.status.setText(f"Cannot run: {message}"), signal.emit(None)),
                       progress=progress, control=self.control)

    # ------------------------------------------------------------------ learning curve
    def run_curve(self) -> None:
        project, base_dir = snapshot(self.window.project), self.window.base_dir
        self.points: list[dict] = []
        self.curve_line.setData([], [])
        self.status.setText("Training on 10 % of the rows…")
        self._start(lambda report, stop: learning_curve(project, base_dir, on_point=report, should_stop=stop,
                                                        control=self.control),
                    self._point, self._curve_finished, self.curve_done)

    def _point(self, point: dict) -> None:
        self.points.append(point)
        xs = [100 * p["fraction"] for p in self.points]
        ys = [p["best_score"] if p["best_score"] is not None else float("nan") for p in self.points]
        self.curve_line.setData(xs, ys)
        self.curve_plot.getPlotItem().setLabel("left", f"best {point['metric']}")
        self.status.setText(f"{point['rows']} rows: best {point['metric']} {point['best_score']:.4g}")

    def _curve_finished(self, points) -> None:
        if len(points) >= 2:
            first, last = points[0]["best_score"], points[-1]["best_score"]
            tail = points[-3:]
            still = tail[-1]["best_score"] - tail[0]["best_score"]
            higher = points[0]["metric"] != "val_loss"
            rising = still > 0.01 if higher else still < -0.01 * abs(tail[0]["best_score"])
            verdict = ("still improving at 100 %: more data would likely help" if rising
                       else "flat at the end: more of the same data would not help much")
            self.status.setText(f"From {first:.3g} ({points[0]['rows']} rows) to {last:.3g} ({points[-1]['rows']} "
                                f"rows); {verdict}.")

    # ------------------------------------------------------------------ remedies
    def run_remedies(self) -> None:
        project, base_dir = snapshot(self.window.project), self.window.base_dir
        for curve in self.remedy_curves.values():
            self.remedy_plot.removeItem(curve)
        self.remedy_curves.clear()
        self.table.setRowCount(0)
        self.status.setText("Training the base run…")

        def work(report, stop):
            return compare_remedies(project, base_dir, on_run=lambda name, run: report((name, run)), should_stop=stop,
                                    control=self.control)

        self._start(work, self._remedy, self._remedies_finished, self.remedies_done)

    def _remedy(self, item) -> None:
        name, run = item
        pal = self.palette()
        index = {"dropout": 0, "smaller": 1, "batchnorm": 2, "l2": 3, "early_stopping": 5}.get(name, 0)
        epochs = [h["epoch"] for h in run["history"]]
        values = [h.get("val_loss", float("nan")) for h in run["history"]]
        pen = pg.mkPen(plot_theme.foreground(pal) if name == "base" else plot_theme.series_color(pal, index),
                       width=3 if name == "base" else 1.5,
                       style=Qt.PenStyle.DashLine if name == "early_stopping" else Qt.PenStyle.SolidLine)
        self.remedy_curves[name] = self.remedy_plot.plot(epochs, values, pen=pen, name=LABELS[name])
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col, text in enumerate((LABELS[name], _num(run["best_score"]), _num(run["final_val_loss"]),
                                    _num(run["gap"]))):
            self.table.setItem(row, col, QTableWidgetItem(text))
        self.status.setText(f"{LABELS[name]} done…")

    def _remedies_finished(self, runs) -> None:
        base = runs.get("base")
        others = {k: v for k, v in runs.items() if k != "base" and v["gap"] is not None}
        if base is not None and others:
            best = min(others, key=lambda k: others[k]["final_val_loss"])
            self.status.setText(f"Lowest final validation loss: {LABELS[best]} ({others[best]['final_val_loss']:.3g}, "
                                f"base {base['final_val_loss']:.3g}).")

    def stop(self) -> None:
        self.job.stop()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            for plot in (self.curve_plot, self.remedy_plot):
                plot_theme.style_plot(plot, self.palette())


def _num(value) -> str:
    return "–" if value is None else f"{value:.4g}"
