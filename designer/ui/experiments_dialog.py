"""Train ▸ Experiments…: a sweep over settings, run in the background, with a sortable runs table (each run's
differences from the project and its best validation score), every run's validation curve overlaid, and
"Apply best" (one undoable step: graph and training settings together)."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from designer.errors import DesignerError
from designer.training.sweep import SWEEPABLE, apply_settings, parse_grid, run_sweep
from designer.ui.background import JobSlot
from designer.ui.plots import theme as plot_theme
from designer.ui.worker import snapshot

COLUMNS = ("Run", "Differences from the project", "Best validation", "Best epoch", "Best val loss", "End", "Seconds")
FIELDS = ("lr", "units", "dropout", "batch_size", "optimizer")


class _NumberItem(QTableWidgetItem):
    """Sorts by number, not by text ("10" after "9"); empty cells last."""

    def __init__(self, value, text: str | None = None) -> None:
        super().__init__(text if text is not None else ("–" if value is None else f"{value:.4g}"))
        self.value = value

    def __lt__(self, other) -> bool:
        a = self.value if self.value is not None else math.inf
        b = getattr(other, "value", None)
        return a < (b if b is not None else math.inf)


class SweepPanel(QWidget):
    """Signals: sweep_finished(result or None), applied(settings)."""

    sweep_finished = Signal(object)
    applied = Signal(dict)

    def __init__(self, window, parent=None) -> None:
        super().__init__(parent)
        self.window = window
        self.result = None
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        hints = {"lr": "e.g. 0.001, 0.01, 0.1", "units": "e.g. 8, 32, 128", "dropout": "e.g. 0, 0.2, 0.5 (needs a "
                 "Dropout layer)", "batch_size": "e.g. 16, 64", "optimizer": "e.g. sgd, adam"}
        labels = {"lr": "Learning rate", "units": "Units (hidden Dense)", "dropout": "Dropout rate",
                  "batch_size": "Batch size", "optimizer": "Optimizer"}
        for name in FIELDS:
            edit = QLineEdit()
            edit.setPlaceholderText(hints[name])
            edit.setToolTip(SWEEPABLE[name])
            self.edits[name] = edit
            form.addRow(labels[name], edit)
        self.mode = QComboBox()
        self.mode.addItem("every combination", "grid")
        self.mode.addItem("random combinations", "random")
        self.count = QSpinBox()
        self.count.setRange(1, 1000)
        self.count.setValue(8)
        self.count.setPrefix("N = ")
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.mode)
        mode_row.addWidget(self.count)
        mode_row.addStretch(1)
        form.addRow("Runs", mode_row)
        self.run_button = QPushButton("Run sweep")
        self.run_button.setObjectName("primary")
        self.run_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        self.apply_button = QPushButton("Apply best")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply_best)
        buttons = QHBoxLayout()
        for b in (self.run_button, self.stop_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        self.job = JobSlot(self, idle=(self.run_button,), busy=(self.stop_button,))
        self.status = QLabel("Every run starts from the project's initial weights, so only the settings differ.")
        self.status.setWordWrap(True)
        self.status.setObjectName("hint")

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSortingEnabled(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.setColumnWidth(1, 260)
        self.plot = plot_theme.make_plot("Validation score per epoch", self, bottom="epoch", grid=True)
        self.curves: dict[int, pg.PlotDataItem] = {}
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.plot)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)

    def grid(self) -> dict:
        items = [f"{name}={edit.text()}" for name, edit in self.edits.items() if edit.text().strip()]
        return parse_grid(items)

    def start(self) -> None:
        if self.job.isRunning():
            return
        try:
            grid = self.grid()
        except DesignerError as exc:
            self.status.setText(f"Cannot run: {exc}")
            self.sweep_finished.emit(None)
            return
        project, base_dir = snapshot(self.window.project), self.window.base_dir
        random = self.count.value() if self.mode.currentData() == "random" else None
        self.table.setSortingEnabled(False)
        self.table.setRowCount(0)
        self.table.setSortingEnabled(True)
        self.plot.getPlotItem().clear()
        self.curves.clear()
        self.result = None
        self.apply_button.setEnabled(False)
        self.status.setText("Training the first run…")

        from designer.training.control import TrainingControl

        control = TrainingControl()

        def work(report, should_stop):
            return run_sweep(project, base_dir, grid, random=random, on_run=report, should_stop=should_stop,
                             control=control)

        self.job.start(work, self._finished, self._failed, progress=self._add_run, control=control)

    def _add_run(self, run) -> None:
        changes = ", ".join(f"{k} {a} → {b}" for k, (a, b) in run.changes.items()) or "(the project's own settings)"
        self.table.setSortingEnabled(False)
        row = self.table.rowCount()
        self.table.insertRow(row)
        cells = [_NumberItem(run.index, str(run.index)), QTableWidgetItem(changes), _NumberItem(run.best_score),
                 _NumberItem(run.best_epoch, "–" if run.best_epoch is None else str(run.best_epoch)),
                 _NumberItem(run.best_val_loss), QTableWidgetItem(run.reason), _NumberItem(run.seconds,
                                                                                           f"{run.seconds:.1f}")]
        for col, item in enumerate(cells):
            item.setData(Qt.ItemDataRole.UserRole, run.index)
            self.table.setItem(row, col, item)
        self.table.setSortingEnabled(True)
        metric = next((m for m in ("val_accuracy", "val_loss", "accuracy", "loss") if run.history
                       and m in run.history[0]), None)
        if metric:
            epochs = [h["epoch"] for h in run.history]
            values = [h[metric] for h in run.history]
            pen = pg.mkPen(plot_theme.series_color(self.palette(), run.index - 1), width=1)
            self.curves[run.index] = self.plot.plot(epochs, values, pen=pen, name=f"run {run.index}")
            self.plot.getPlotItem().setLabel("left", metric)
        self.status.setText(f"{self.table.rowCount()} run(s) done…")

    def _finished(self, result) -> None:
        self.result = result
        best = result.best
        if best is not None:
            curve = self.curves.get(best.index)
            if curve is not None:
                curve.setPen(pg.mkPen(plot_theme.series_color(self.palette(), best.index - 1), width=3))
            self.apply_button.setEnabled(bool(best.changes))
            self.apply_button.setText(f"Apply best (run {best.index})")
            self.status.setText(f"Best: run {best.index}, {result.metric} {best.best_score:.4g}"
                                + ("" if best.changes else " — the project's own settings"))
        else:
            self.status.setText("No run reached a validation score.")
        self.sweep_finished.emit(result)

    def _failed(self, message: str) -> None:
        self.status.setText(f"Cannot run: {message}")
        self.sweep_finished.emit(None)

    def stop(self) -> None:
        self.job.stop()

    def apply_best(self) -> None:
        """The best run's settings into the project: layer parameters and training settings, one undo step."""
        from designer.ui.commands import SetParamCommand

        best = self.result.best if self.result is not None else None
        if best is None:
            return
        w = self.window
        variant = apply_settings(w.project, best.settings)
        graph = w.project.graph
        w.undo_stack.beginMacro(f"Apply sweep run {best.index}")
        for nid, node in variant.graph.nodes.items():
            for name in ("units", "rate"):
                if name in node.params and graph.nodes[nid].params.get(name) != node.params[name]:
                    w.undo_stack.push(SetParamCommand(graph, nid, name, node.params[name]))
        w.session.edit_training(variant.training)
        w.undo_stack.endMacro()
        self.status.setText(f"Applied run {best.index}'s settings (Edit ▸ Undo takes them back).")
        self.applied.emit(dict(best.settings))

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            plot_theme.style_plot(self.plot, self.palette())


class ExperimentsDialog(QDialog):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.setWindowTitle("Experiments")
        self.setObjectName("experiments")
        self.tabs = QTabWidget()
        self.sweep = SweepPanel(window)
        self.tabs.addTab(self.sweep, "Sweep")
        from designer.ui.overfit_lab_panel import OverfitLabPanel

        self.lab = OverfitLabPanel(window)
        self.tabs.addTab(self.lab, "Overfitting lab")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.resize(820, 720)

    def done(self, code: int) -> None:
        for i in range(self.tabs.count()):
            stop = getattr(self.tabs.widget(i), "stop", None)
            if stop is not None:
                stop()
        super().done(code)
