"""The training dashboard: live metrics, layer health, decision boundary, evaluation and run comparison.

Events arrive on the GUI thread (the worker re-emits them as signals). Each handler only appends to the
run's data and marks what changed; a timer redraws a few times per second with setData on existing items.
Work is per unit of time, not per epoch: the status line, the layer health checks and every plot are
brought up to date by that timer, however fast epochs come (a thousand a second on iris).
A redraw is split into stages, one plot section per event-loop turn, so the window keeps answering (and the
probe in benchmarks/bench_gui_stall.py stays under 50 ms) even when several sections changed at once, as at
the end of a run.
"""

from __future__ import annotations

import math
import time
from collections import deque
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from designer.ui.elided_label import ElidedLabel
from designer.ui.paths import default_save_path
from designer.ui.plots import health, theme
from designer.ui.plots.boundary_plot import BoundaryPlot
from designer.ui.plots.confusion import ConfusionView
from designer.ui.plots.export import export_plot_png
from designer.ui.plots.histograms import HistogramPanel
from designer.ui.plots.importance_plot import ImportanceView, with_importance
from designer.ui.plots.metrics_plot import MetricsPanel
from designer.ui.plots.neuron_maps import NeuronMapsView
from designer.ui.plots.norms import NormsPanel
from designer.ui.plots.overfitting import OverfittingView
from designer.ui.plots.regression_plots import RegressionView
from designer.ui.plots.run_data import RunData, write_runs_csv
from designer.ui.plots.runs import RunsList

REDRAW_MS = 250  # at most four redraws a second, however fast batches arrive
# While a run trains, the GUI thread's own CPU time (redraws, the paints they cause, the run's updates) is kept
# to this share of the time, so a heavy view (many layers' histograms, a 20,000-epoch curve) on a slow machine
# redraws less often, up to MAX_REDRAW_MS apart, instead of taking a core from the training process.
GUI_SHARE = 0.05
MAX_REDRAW_MS = 1000
TAB_TRAINING, TAB_ACTIVATIONS, TAB_NORMS, TAB_BOUNDARY, TAB_EVALUATION, TAB_OVERFITTING = range(6)
# Redraw order within one pass: what the user most likely looks at first.
SECTIONS = ("curves", "status", "metrics_epoch", "metrics_batch", "metrics_accuracy", "metrics_r2", "metrics_lr",
            "metrics_legend", "boundary", "neurons", "health", "layers", "norms", "overfitting")
# The epoch curves are fed one plot per stage ("metrics_epoch" is the loss plot), so each plot repaints alone;
# the loss plot's legend (rebuilt when a new run appears: ~5 ms) has a stage of its own too.
EPOCH_PLOT_OF = {"metrics_epoch": "loss", "metrics_accuracy": "metric", "metrics_r2": "r2", "metrics_lr": "lr",
                 "metrics_legend": "legend"}
# While a run trains, stages are this far apart: more than the 5 ms Qt waits between an update request and the
# paint, so each stage's repaint happens before the next stage, in a frame of its own.
STAGE_SPACING_MS = 8
# … and for this long after a run ends, while the whole dashboard is redrawn with the final state.
END_SPACED_S = 1.0


class TrainingDashboard(QWidget):
    # the decision-boundary tab came into view (True) or left it: a run computes its grids only while shown
    plane_shown = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: dict[str, RunData] = {}
        self.current: RunData | None = None
        self._layer_kinds: dict[str, str] = {}
        self._warnings: list[health.HealthWarning] = []
        self._dirty: set[str] = set()
        self._pending_boundary: tuple | None = None
        self._pending_points: tuple | None = None
        self._pending_plane: dict | None = None
        self._pending_neurons: tuple | None = None
        self._boundary_config: tuple | None = None
        self._boundary_todo: tuple | None = None  # (task, n_classes, names) still to apply to the plot
        self._stages: deque[str] = deque()
        self._focus_plot = None
        # Whether a run is training (the main window sets it from its runner): redraw stages are then spaced.
        self.training_active = lambda: False
        self._spaced_until = 0.0

        self.metrics = MetricsPanel()
        self.runs_list = RunsList()
        self.histograms = HistogramPanel()
        self.norms = NormsPanel()
        self.warnings_list = QListWidget()
        self.boundary = BoundaryPlot()
        self.neuron_maps = NeuronMapsView()
        self.confusion = ConfusionView()
        self.regression = RegressionView()
        self.importance = ImportanceView()
        self.overfitting = OverfittingView()
        self.worst_table = QTableWidget(0, 0)
        self.worst_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.worst_table.verticalHeader().setVisible(False)  # the "row" column says which data row it is
        self.worst_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.worst_caption = QLabel()
        self.worst_caption.setWordWrap(True)  # a long caption must not claim the confusion matrix's width
        self.status = ElidedLabel("No run yet.")  # a long stop message must not widen the window
        self.export_png_button = QPushButton("Export PNG…")
        self.export_csv_button = QPushButton("Export CSV…")
        self.tabs = QTabWidget()
        self._build_layout()

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._on_timer)
        self._paced: float | None = None  # the GUI thread's CPU time at the last redraw while a run trains
        self._stage_timer = QTimer(self)  # 0 ms: the next stage runs once the events queued meanwhile did
        self._stage_timer.setSingleShot(True)
        self._stage_timer.setInterval(0)
        self._stage_timer.timeout.connect(self._run_stage)
        self.runs_list.visible_runs_changed.connect(lambda: self._mark("metrics_batch", "metrics_epoch"))
        self.tabs.currentChanged.connect(lambda _i: self._redraw(visible_only=True))
        self.tabs.currentChanged.connect(lambda _i: self.plane_shown.emit(self.plane_is_shown()))
        self.export_png_button.clicked.connect(self._ask_export_png)
        self.export_csv_button.clicked.connect(self._ask_export_csv)
        for widget in self._all_plots():
            widget.scene().sigMouseClicked.connect(lambda _ev, w=widget: setattr(self, "_focus_plot", w))
        self._show_warnings()

    def _build_layout(self) -> None:
        training = QSplitter(Qt.Orientation.Horizontal)
        training.addWidget(self.metrics)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel("Runs (tick to compare)"))
        side_layout.addWidget(self.runs_list)
        training.addWidget(side)
        training.setStretchFactor(0, 5)
        training.setStretchFactor(1, 1)
        training.setSizes([900, 170])

        # Activations: histograms over time, and the health verdicts in a short list under them
        activations = QWidget()
        act_layout = QVBoxLayout(activations)
        act_layout.setContentsMargins(0, 0, 0, 0)
        act_layout.addWidget(self.histograms, 1)
        self.warnings_list.setWordWrap(True)
        self.warnings_list.setMaximumHeight(72)
        self.warnings_list.setToolTip("Layer health: dying ReLUs, saturating sigmoid/tanh, exploding or "
                                      "vanishing gradients")
        act_layout.addWidget(self.warnings_list)

        self.eval_stack = QStackedWidget()
        self.eval_stack.addWidget(self.confusion)
        self.eval_stack.addWidget(self.regression)
        evaluation = QSplitter(Qt.Orientation.Horizontal)  # the dock is wide and short: side by side
        evaluation.addWidget(self.eval_stack)
        self.worst_panel = QWidget()  # hidden as a whole when there are no rows: no blank third of the tab
        worst_layout = QVBoxLayout(self.worst_panel)
        worst_layout.setContentsMargins(0, 2, 0, 0)
        worst_layout.addWidget(self.worst_caption)
        worst_layout.addWidget(self.worst_table, 1)
        evaluation.addWidget(self.worst_panel)
        evaluation.setStretchFactor(0, 5)
        evaluation.setStretchFactor(1, 2)
        evaluation.setSizes([700, 280])
        self.worst_table.setVisible(False)
        self.worst_caption.setVisible(False)
        self.worst_panel.setVisible(False)

        self.tabs.addTab(training, "Training")
        self.tabs.addTab(activations, "Activations")
        self.tabs.addTab(self.norms, "Weights && gradients")
        boundary = QSplitter(Qt.Orientation.Horizontal)  # the whole network's answer beside each neuron's
        boundary.addWidget(self.boundary)
        boundary.addWidget(self.neuron_maps)
        boundary.setStretchFactor(0, 1)
        boundary.setStretchFactor(1, 1)
        self.tabs.addTab(boundary, "Decision boundary")
        self.evaluation_pages = with_importance(evaluation, self.importance)
        self.tabs.addTab(self.evaluation_pages, "Evaluation")
        self.tabs.addTab(self.overfitting, "Overfitting")
        self._tab_of = {"metrics_batch": TAB_TRAINING, **dict.fromkeys(EPOCH_PLOT_OF, TAB_TRAINING),
                        "layers": TAB_ACTIVATIONS,
                        "norms": TAB_NORMS, "boundary": TAB_BOUNDARY, "neurons": TAB_BOUNDARY,
                        "overfitting": TAB_OVERFITTING}

        header = QHBoxLayout()
        header.addWidget(self.status, 1)
        header.addWidget(self.export_png_button)
        header.addWidget(self.export_csv_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)

    # the API the main window calls ---------------------------------------------------------------
    def start_run(self, run_id: str, task: str, class_names: list[str], layer_ids: list[str],
                  layer_kinds: dict[str, str] | None = None, loss_units: str = "") -> None:
        """Begin a new run; earlier runs stay in the runs list for comparison.

        `loss_units`: what the loss is measured in when that is not the target's own units (RunStarted).

        `layer_kinds` (optional) maps layer id → activation name, which sharpens the health checks.
        """
        run_id = str(run_id)
        if run_id.isdigit():  # the worker numbers its runs: "run 3" reads better in the list and legends
            run_id = f"run {run_id}"
        base, n = run_id, 2
        while run_id in self.runs:  # the same name twice would merge two runs' curves
            run_id, n = f"{base} ({n})", n + 1
        run = RunData(run_id, task=task, class_names=[str(c) for c in class_names],
                      layer_ids=[str(lid) for lid in layer_ids])
        self.runs[run_id] = run
        self.current = run
        self._set_pacing(True)  # until on_finished (a failed run's GUI is idle: the pacing then costs nothing)
        self._layer_kinds = dict(layer_kinds or {})
        self._warnings = []
        regression = run.is_regression
        if regression != self.metrics.is_regression():  # re-laying out four plots is not free: only on change
            self.metrics.set_regression(regression)
        self.metrics.set_loss_units(loss_units)
        self.metrics.show_best(None)
        self.histograms.set_entries(run.histograms, run.layer_ids)
        self.norms.clear_data()
        self.boundary.clear_data()
        self.neuron_maps.clear_data()
        self._pending_boundary = self._pending_points = self._pending_neurons = self._pending_plane = None
        config = (task, max(len(class_names), 1), tuple(str(c) for c in class_names))
        # The legend is rebuilt only for another task or other classes, and only once a grid arrives (never
        # for image data): with everything else a new run sets up, it made the first turn of a run stall.
        self._boundary_todo = config if config != self._boundary_config else None
        self.eval_stack.setCurrentWidget(self.regression if regression else self.confusion)
        self.runs_list.add_run(run_id, len(self.runs) - 1, checked=True)
        self.status.setText(f"{run_id}: starting…")
        self._show_warnings()
        self._mark("metrics_batch", "metrics_epoch", "layers", "norms", "overfitting")
        # The new run's curves are made a stage later, apart from the first data and the paints this causes.
        if "curves" not in self._stages:
            self._stages.appendleft("curves")
        self._stage_timer.start(STAGE_SPACING_MS)

    def plane_is_shown(self) -> bool:
        """The decision boundary and neuron maps are the tab in front."""
        return self.tabs.currentIndex() == TAB_BOUNDARY

    def load_history(self, history: list[dict]) -> list[str]:
        """Show a project's saved runs (each {"settings", "epochs": [per-epoch metric dicts], "reason",
        "best_epoch"}) in the runs list, the newest ticked, so new runs can be overlaid on them.
        Returns the run names given to them ("saved run 1", …)."""
        names: list[str] = []
        for index, entry in enumerate(history or [], start=1):
            epochs = [e for e in (entry.get("epochs") or []) if isinstance(e, dict)]
            if not epochs:
                continue
            keys = {k for e in epochs for k in e}
            task = "regression" if keys & {"mae", "val_mae", "r2", "val_r2"} else "classification"
            run_id = f"saved run {index}"
            if entry.get("start") in ("scratch", "continued"):  # how the run began, when the file says
                run_id += " · from scratch" if entry["start"] == "scratch" else " · continued"
            while run_id in self.runs:
                run_id += "+"
            run = RunData(run_id, task=task)
            for position, epoch in enumerate(epochs, start=1):
                lr = epoch.get("lr")
                run.add_epoch(int(epoch.get("epoch", position)),
                              {k: v for k, v in epoch.items() if k not in ("epoch", "lr")},
                              float(lr) if isinstance(lr, (int, float)) else None)
            run.finished_reason = entry.get("reason")
            best = entry.get("best_epoch")
            run.best_epoch = int(best) if isinstance(best, (int, float)) else None
            run.message = str(entry.get("message") or "")
            self.runs[run_id] = run
            self.runs_list.add_run(run_id, len(self.runs) - 1, checked=True)  # each add ticks only itself
            names.append(run_id)
        if names:
            self.status.setText(f"{len(names)} saved run{'s' if len(names) != 1 else ''}: "
                                "tick them to compare with new runs")
            self._mark("metrics_batch", "metrics_epoch")
        return names

    def clear_runs(self) -> None:
        """Forget every run (another project was opened)."""
        self._stage_timer.stop()
        self._stages.clear()
        self._dirty.clear()
        self.runs.clear()
        self.current = None
        self.runs_list.clear()
        self.metrics.clear_runs()
        self.metrics.show_best(None)
        self.norms.clear_data()
        self.boundary.clear_data()
        self.neuron_maps.clear_data()
        self.histograms.set_entries({}, [])
        self.histograms.refresh()
        self._pending_boundary = self._pending_points = self._pending_neurons = self._pending_plane = None
        self._warnings = []
        self._show_warnings()
        self._show_worst(None)
        self.status.setText("No run yet.")

    def forget_results(self, reason: str) -> None:
        """The data changed: every view computed on the old data is cleared (evaluation, worst rows, boundary,
        neuron maps), not left looking current. The runs' curves stay: they are the history of earlier runs."""
        self._pending_boundary = self._pending_points = self._pending_neurons = self._pending_plane = None
        self._boundary_config = None  # the next run configures the map afresh
        self.confusion.clear()
        self.regression.clear()
        self.importance.clear()
        self._show_worst(None)
        self.boundary.clear_data()
        self.neuron_maps.clear_data()
        if self.runs:
            self.status.setText(f"{reason}: the results shown were of the old data — train again to see new ones")

    def discard_empty_run(self) -> None:
        """The current run failed before its first batch: it leaves no row, curve or number behind."""
        run = self.current
        if run is None or run.epochs or len(run.batch_epoch):
            return
        self.runs.pop(run.run_id, None)
        self.runs_list.remove_run(run.run_id)
        self.metrics.remove_run(run.run_id)
        self.current = list(self.runs.values())[-1] if self.runs else None
        self.status.setText("No run yet." if self.current is None else f"{run.run_id} did not start")

    def on_started(self, event) -> None:
        """Optional: `TrainingStarted(total_epochs, batches_per_epoch)` places the first epoch's batches exactly."""
        self._run_for_event().expected_batches = int(getattr(event, "batches_per_epoch", 0) or 0) or None

    def on_batch(self, event) -> None:
        run = self._run_for_event()
        run.add_batch(event.epoch, event.batch, event.loss)
        self._mark("metrics_batch")

    def on_epoch(self, event) -> None:
        self.on_epochs([event])

    def on_epochs(self, events) -> None:
        """Finished epochs (the worker sends them gathered): each is appended to the run's data, the redraw
        is marked once. Nothing here grows with the run's length: a fast run sends a thousand a second."""
        run = self._run_for_event()
        rows = []
        for event in events:
            metrics = getattr(event, "metrics", None) or {}
            lr = getattr(event, "lr", None)
            if lr is None:
                lr = metrics.get("lr")
            if "lr" in metrics:  # a plain dict of an older producer: the rate is not a metric
                metrics = {k: v for k, v in metrics.items() if k != "lr"}
            rows.append((event.epoch, metrics, lr))
        run.add_epochs(rows)  # non-numbers (histograms, norms in metrics) are skipped
        for event, (_epoch, metrics, _lr) in zip(events, rows, strict=True):
            extras = getattr(event, "extras", None) or {}
            if getattr(event, "histograms", None) or set(extras) - {"seconds"} or "histograms" in metrics:
                self._add_probes(run, event, metrics)  # only the epochs the trainer probed carry these
        self._mark("status", "metrics_epoch", "overfitting")

    def _add_probes(self, run: RunData, event, metrics: dict) -> None:
        extras = getattr(event, "extras", None) or {}
        histograms = getattr(event, "histograms", None) or metrics.get("histograms") or {}
        if histograms:  # only the epochs the trainer probed carry them
            run.add_histograms(event.epoch, histograms)
            new_layers = [lid for lid in run.histograms if self.histograms.layer_box.findText(lid) < 0]
            if new_layers:
                self.histograms.add_layers(new_layers)
            self._mark("layers", "health")
        weight_norms = extras.get("weight_norms") or metrics.get("weight_norms")
        grad_norms = extras.get("grad_norms") or metrics.get("grad_norms")
        if weight_norms or grad_norms:
            run.add_norms(event.epoch, weight_norms, grad_norms)
            self._mark("norms", "health")
        if extras.get("points") is not None:
            self._pending_points = tuple(extras["points"])
            self._pending_plane = extras.get("plane")
        if extras.get("boundary") is not None:
            self._pending_boundary = tuple(extras["boundary"])
            self._mark("boundary")
        if extras.get("neurons") is not None:
            self._pending_neurons = tuple(extras["neurons"])
            self._mark("neurons")

    def on_finished(self, event) -> None:
        self._set_pacing(False)
        self._spaced_until = time.perf_counter() + END_SPACED_S
        run = self._run_for_event()
        run.finished_reason = getattr(event, "reason", None)
        run.best_epoch = getattr(event, "best_epoch", None)
        run.message = getattr(event, "message", "") or ""
        label = "best"
        if run.finished_reason == "early_stopping":
            label = "best (early stopping)"
        self.metrics.show_best(run.best_epoch, label)
        self._update_status(run)
        self._mark(*(s for s in SECTIONS if s != "status"))
        self._redraw(visible_only=False)  # queued in stages: the evaluation arriving next is not held up

    def show_evaluation(self, result: dict) -> None:
        """Confusion matrix + per-class scores, or predicted-vs-actual and residuals; optional worst rows."""
        if result.get("confusion_matrix") is not None:
            classes = list(result.get("classes") or (self.current.class_names if self.current else []))
            self.confusion.show_matrix(result["confusion_matrix"], classes, result.get("precision"),
                                       result.get("recall"), result.get("f1"))
            self.confusion.set_caption(result.get("split"), result.get("accuracy"))
            self.confusion.set_cell_rows(result.get("cells"))  # a click on a cell lists its rows
            self.eval_stack.setCurrentWidget(self.confusion)
        elif result.get("y_true") is not None and result.get("y_pred") is not None:
            self.regression.show_predictions(result["y_true"], result["y_pred"])
            self.eval_stack.setCurrentWidget(self.regression)
        self._show_worst(result.get("worst"), result.get("split"))
        self.importance.show_importance(result.get("importance"))
        if self.tabs.currentIndex() == TAB_TRAINING:  # bring it forward, unless the user looks elsewhere
            self.tabs.setCurrentIndex(TAB_EVALUATION)

    # redraw --------------------------------------------------------------------------------------
    def flush(self) -> None:
        """Redraw everything that changed now (tests, export); normally the timer and the stages do this."""
        self._timer.stop()
        self._redraw(visible_only=False)
        self._stage_timer.stop()
        while self._stages:
            self._draw_section(self._stages.popleft())

    def _mark(self, *sections: str) -> None:
        self._dirty.update(sections)
        if "metrics_epoch" in sections:  # the epoch curves of every plot
            self._dirty.update(EPOCH_PLOT_OF)
        if not self._timer.isActive():
            self._timer.start()

    def _on_timer(self) -> None:
        if self._paced is not None:
            self._pace()
        self._redraw(visible_only=True)

    def _pace(self) -> None:
        """The next redraw interval: REDRAW_MS, stretched so that the GUI thread's CPU time since the last
        redraw is at most GUI_SHARE of the interval."""
        now = (time.thread_time(), time.perf_counter())
        (gui0, _), self._paced = self._paced, now
        wanted = (now[0] - gui0) / GUI_SHARE
        self._timer.setInterval(int(min(MAX_REDRAW_MS, max(REDRAW_MS, 1000 * wanted))))

    def _set_pacing(self, training: bool) -> None:
        self._paced = (time.thread_time(), time.perf_counter()) if training else None
        self._timer.setInterval(REDRAW_MS)

    def _redraw(self, visible_only: bool) -> None:
        if not self._dirty or (visible_only and not self.isVisible()):
            return  # a hidden dashboard keeps its dirty marks and catches up in showEvent
        shown = self.tabs.currentIndex()
        # sections of no tab (the status line, the health verdicts in a tab's title) are always brought up to date
        todo = {s for s in self._dirty if not visible_only or self._tab_of.get(s, shown) == shown}
        self._dirty -= todo
        for section in SECTIONS:
            if section in todo and section not in self._stages:
                self._stages.append(section)
        if self._stages and not self._stage_timer.isActive():
            self._stage_timer.start(0)

    def _run_stage(self) -> None:
        """One section per event-loop turn; input, paint and the run's events get in between."""
        if self._stages:
            self._draw_section(self._stages.popleft())
        if self._stages:
            spaced = self.training_active() or time.perf_counter() < self._spaced_until
            self._stage_timer.start(STAGE_SPACING_MS if spaced else 0)

    def _draw_section(self, section: str) -> None:
        run = self.current
        if section == "curves" and run is not None:
            self.metrics.prepare_run(run, list(self.runs.values()).index(run))
        elif section == "status" and run is not None:
            self._update_status(run)
        elif section == "health" and run is not None:
            self._update_health(run)
        elif section == "metrics_batch" or section in EPOCH_PLOT_OF:
            # the batch curve is on the loss plot, whose epoch stage feeds it too: one repaint, not two
            plot = EPOCH_PLOT_OF.get(section, "loss")
            self.metrics.update_runs(list(self.runs.values()), self.runs_list.checked_runs(),
                                     batches=plot == "loss", epochs=section != "metrics_batch", plots=(plot,))
        elif section == "layers" and run is not None:
            self.histograms.refresh()
        elif section == "norms" and run is not None:
            self.norms.update_norms(run.weight_norms, run.grad_norms)
        elif section == "overfitting" and run is not None:
            self.overfitting.update_losses(run.epochs, run.series("loss"), run.series("val_loss"))
        elif section == "boundary":
            if self._boundary_todo is not None:
                self._boundary_config, self._boundary_todo = self._boundary_todo, None
                task, n_classes, names = self._boundary_config
                self.boundary.configure(task, n_classes, list(names))
            if self._pending_boundary is not None:
                self.boundary.set_boundary(*self._pending_boundary)
                self._pending_boundary = None
            if self._pending_plane is not None:
                self.boundary.set_plane(self._pending_plane)
                # neuron maps exist for two-feature input only: a slice gets the tab's whole width
                self.neuron_maps.setVisible(not self._pending_plane.get("held"))
                self._pending_plane = None
            if self._pending_points is not None:  # once per run: hundreds of brushes are not free
                self.boundary.set_points(*self._pending_points)
                self._pending_points = None
        elif section == "neurons" and self._pending_neurons is not None:
            self.neuron_maps.set_maps(*self._pending_neurons)
            self._pending_neurons = None

    # health --------------------------------------------------------------------------------------
    def _update_health(self, run: RunData) -> None:
        """The verdicts on the newest histograms and norms: once per redraw, not once per epoch."""
        found: list[health.HealthWarning] = []
        for layer_id in run.layer_ids:
            entries = run.histograms.get(layer_id)
            if not entries:
                continue
            _epoch, counts, edges = entries[-1]
            warning = health.check_activation(layer_id, counts, edges, self._layer_kinds.get(layer_id))
            if warning:
                found.append(warning)
        empty = np.empty(0)
        for layer_id in sorted(set(run.weight_norms) | set(run.grad_norms)):
            weights, grads = run.weight_norms.get(layer_id), run.grad_norms.get(layer_id)
            warning = health.check_norms(layer_id, weights.y.values if weights else empty,
                                         grads.y.values if grads else empty, self._layer_kinds.get(layer_id))
            if warning:
                found.append(warning)
        if [w.message for w in found] != [w.message for w in self._warnings]:
            self._warnings = found
            self._show_warnings()

    def _show_warnings(self) -> None:
        self.warnings_list.clear()
        palette = self.palette()
        if not self._warnings:
            item = QListWidgetItem("No layer problems detected.")
            item.setForeground(theme.foreground(palette))
            self.warnings_list.addItem(item)
        for warning in self._warnings:
            item = QListWidgetItem(f"⚠ {warning.message}")
            item.setForeground(theme.warning_color(palette))
            self.warnings_list.addItem(item)
        count = len(self._warnings)
        self.tabs.setTabText(TAB_ACTIVATIONS, f"Activations ⚠ {count}" if count else "Activations")

    def _show_worst(self, rows, split: str | None = None) -> None:
        if not rows:
            self.worst_table.setVisible(False)
            self.worst_caption.setVisible(False)
            self.worst_panel.setVisible(False)
            return
        self.worst_panel.setVisible(True)
        measure = "absolute error" if rows and isinstance(rows[0], dict) and "abs error" in rows[0] else "loss"
        where = f"{split} rows" if split else "rows"
        self.worst_caption.setText(f"The {len(rows)} worst-predicted {where}, highest {measure} first, "
                                   "as in the data file")
        self.worst_caption.setVisible(True)
        if isinstance(rows[0], dict):
            columns = list(dict.fromkeys(k for row in rows for k in row))
            cells = [[row.get(c, "") for c in columns] for row in rows]
        else:
            width = max(len(row) for row in rows)
            columns = [f"column {i + 1}" for i in range(width)]
            cells = [list(row) + [""] * (width - len(row)) for row in rows]
        self.worst_table.setColumnCount(len(columns))
        self.worst_table.setHorizontalHeaderLabels([str(c) for c in columns])
        self.worst_table.setRowCount(len(cells))
        for r, row in enumerate(cells):
            for c, value in enumerate(row):
                text = f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)
                self.worst_table.setItem(r, c, QTableWidgetItem(text))
        self.worst_table.resizeColumnsToContents()
        self.worst_table.setVisible(True)

    # status --------------------------------------------------------------------------------------
    def _run_for_event(self) -> RunData:
        if self.current is None:  # events before start_run: keep them rather than drop them
            self.start_run("run 1", "classification", [], [])
        return self.current

    def _update_status(self, run: RunData) -> None:
        parts = [run.run_id]
        if run.epochs:
            parts.append(f"epoch {run.epochs[-1]}")
            for key, label in (("loss", "loss"), ("val_loss", "val loss"), ("val_accuracy", "val acc"),
                               ("val_mae", "val MAE"), ("val_r2", "val R²")):
                value = run.series(key)[-1] if key in run.metrics else math.nan
                if math.isfinite(value):
                    parts.append(f"{label} {value:.4g}")
        if run.best_epoch is not None:
            parts.append(f"best epoch {run.best_epoch}")
        if run.finished_reason:
            parts.append(run.finished_reason.replace("_", " "))
        text = " · ".join(parts)
        if run.message and run.finished_reason in ("nan", "stopped"):
            text += f" — {run.message}"
        self.status.setText(text)

    # export --------------------------------------------------------------------------------------
    def _all_plots(self):
        return [*self.metrics.plots(), self.histograms.heatmap_plot, self.histograms.epoch_plot,
                *self.norms.plots(), *self.boundary.plots(), *self.confusion.plots(),
                *self.regression.plots(), *self.overfitting.plots()]

    def current_plot(self):
        """The plot last clicked on the shown tab, else that tab's main plot."""
        index = self.tabs.currentIndex()
        candidates = {
            TAB_TRAINING: self.metrics.plots(),
            TAB_ACTIVATIONS: [self.histograms.heatmap_plot, self.histograms.epoch_plot],
            TAB_NORMS: self.norms.plots(),
            TAB_BOUNDARY: self.boundary.plots(),
            TAB_EVALUATION: self.importance.plots() if self.evaluation_pages.currentWidget() is self.importance
            else (self.confusion if self.eval_stack.currentWidget() is self.confusion else self.regression).plots(),
            TAB_OVERFITTING: self.overfitting.plots(),
        }[index]
        return self._focus_plot if self._focus_plot in candidates else candidates[0]

    def export_png(self, path: str | Path) -> Path:
        self.flush()
        return export_plot_png(self.current_plot(), path)

    def export_csv(self, path: str | Path) -> Path:
        """Per-epoch metrics of every run shown on the plots (the current run at least)."""
        shown = self.runs_list.checked_runs()
        runs = [r for r in self.runs.values() if r.run_id in shown or r is self.current]
        write_runs_csv(runs, path)
        return Path(path)

    def _ask_export_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plot as PNG", default_save_path("plot.png"),
                                              "PNG image (*.png)",
                                              options=QFileDialog.Option.DontUseNativeDialog)
        if path:
            self._export_safely(self.export_png, path)

    def _ask_export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export metrics as CSV", default_save_path("metrics.csv"),
                                              "CSV (*.csv)",
                                              options=QFileDialog.Option.DontUseNativeDialog)
        if path:
            self._export_safely(self.export_csv, path)

    def _export_safely(self, action, path: str) -> None:
        try:
            written = action(path)
        except OSError as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {path}: {exc.strerror or exc}")
            return
        self.status.setText(f"Saved {written}")

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self._mark()

    # palette -------------------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            # children have their new palette by then; `self` as context drops the call if the dashboard goes first
            QTimer.singleShot(0, self, self.apply_palette)
        super().changeEvent(event)

    def apply_palette(self) -> None:
        for panel in (self.metrics, self.histograms, self.norms, self.boundary, self.neuron_maps, self.confusion,
                      self.regression, self.importance, self.overfitting, self.runs_list):
            panel.apply_palette()
        self._show_warnings()
