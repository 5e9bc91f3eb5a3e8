"""Training off the GUI thread.

`TrainingWorker` lives on a QThread and runs `Trainer.run()`; the trainer's callback runs on that thread and
is re-emitted as Qt signals (queued to the GUI thread, which only draws). Events are throttled so a fast
model (thousands of epochs a second on iris) cannot flood the event loop: batch events at most ~30 per
second, epoch events gathered and sent together. For 2-feature data the decision-boundary grid is computed
here, on the training thread, with each epoch update.

`TrainingRunner` is the GUI-side owner: it snapshots the project, starts the thread, forwards controls to
the thread-safe `TrainingControl`, re-emits the worker's signals from the GUI thread (what tests wait on)
and always joins the thread (`quit()` + `wait()`) on stop and close.
"""

from __future__ import annotations

import copy
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from designer.blas import threads_leaving_one_core
from designer.errors import DesignerError
from designer.project.model import Project

EMIT_INTERVAL_S = 1 / 30  # at most ~30 GUI updates per second per kind
# Histograms, norms, the boundary grid and the neuron maps: the dashboard repaints them at most four times a
# second, so a fast run computes them at that rate, not per epoch (a millisecond iris epoch would pay more for
# its probes than for its training, and share the interpreter with the GUI while doing so).
PROBE_INTERVAL_S = 0.25
BOUNDARY_RESOLUTION = 60
WORST_ROWS = 20
WORST_FEATURE_COLUMNS = 12  # wider inputs (images) list only row, labels, confidence and loss


@dataclass
class EpochUpdate:
    """One or more finished epochs (gathered while the GUI was being spared) and, for 2-D data,
    the decision-boundary grid after the last of them: (xs, ys, values) or None."""

    events: list = field(default_factory=list)
    boundary: tuple | None = None
    neurons: tuple | None = None  # (xs, ys, {layer id: (units, ny, nx) maps in [-1, 1]}) for small 2-D nets


@dataclass
class RunStarted:
    run_id: int
    total_epochs: int
    batches_per_epoch: int
    task: str
    class_names: list[str]
    layer_ids: list[str]
    layer_kinds: dict[str, str] = field(default_factory=dict)
    x2d: Any = None  # training inputs when there are exactly 2 features (for the boundary plot), else None
    y2d: Any = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunOutcome:
    """What the GUI stores after a run: weights and history go into the project."""

    run_id: int
    result: Any  # TrainingResult
    weights: dict
    settings: dict
    evaluation: dict | None
    reason: str
    message: str


def blas_threads_for_training() -> int:
    """All cores but one: the GUI thread keeps a core for drawing (macOS Accelerate: designer/blas.py)."""
    return threads_leaving_one_core()


def snapshot(project: Project) -> Project:
    """A private copy for the training thread, so GUI edits during a run never race with it."""
    return Project(
        name=project.name,
        graph=project.graph.copy(),
        data=copy.deepcopy(project.data),
        training=copy.deepcopy(project.training),
        weights={k: v.copy() for k, v in project.weights.items()},
        history=[],
        extra={},
    )


class TrainingWorker(QObject):
    """Runs one training run on whatever thread it is moved to. Signals carry plain Python objects."""

    run_started = Signal(object)  # RunStarted
    progress_started = Signal(int, int)  # total epochs, batches per epoch (the trainer's start event)
    batch_ended = Signal(object)  # BatchEnd (throttled)
    epoch_ended = Signal(object)  # EpochUpdate
    finished = Signal(object)  # RunOutcome
    failed = Signal(str)

    def __init__(self, project: Project, base_dir: Path | None, control: Any, run_id: int,
                 reset_weights: bool = False) -> None:
        super().__init__()
        self._project = project
        self._base_dir = base_dir
        self._control = control
        self._run_id = run_id
        self._reset = reset_weights
        self._network = None
        self._neuron_layers: list[str] = []
        self._neuron_plane: tuple | None = None
        self._x2d = None
        self._y2d = None
        self._points_sent = False
        self._pending: list = []
        self._last_batch_emit = 0.0
        self._last_epoch_emit = 0.0
        self._last_probe = -PROBE_INTERVAL_S
        self._total_epochs = 0

    @Slot()
    def run(self) -> None:
        from threadpoolctl import threadpool_limits

        # Leave a core to the GUI thread: BLAS threads spinning on every core starve the event loop
        # (measured on 2 cores: 99th-percentile GUI gap 240 ms → 40 ms, and training itself got faster).
        try:
            with threadpool_limits(limits=blas_threads_for_training(), user_api="blas"):
                self._run()
        except DesignerError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug: keep the app alive and say what happened
            traceback.print_exc()
            self.failed.emit(f"training stopped by an internal error: {type(exc).__name__}: {exc}")

    def _run(self) -> None:
        from designer.engine.losses import get_loss
        from designer.training import Trainer
        from designer.training.metrics import evaluate, precision_recall_f1, reshape_inputs
        from designer.training.run import build_and_prepare

        project = self._project
        if self._reset:
            project.weights = {}
        warnings: list[str] = []
        # Loads the project's weights when they fit (continue training); misfits come back as warnings.
        network, prepared = build_and_prepare(project, self._base_dir, warnings_out=warnings)
        self._network = network
        if prepared.x_train.ndim == 2 and prepared.x_train.shape[1] == 2:
            self._x2d, self._y2d = prepared.x_train, prepared.y_train
            from designer.ui.plots.neuron_grid import NEURON_RESOLUTION, neuron_layers, plane_grid

            self._neuron_layers = neuron_layers(project.graph, network)
            if self._neuron_layers:
                self._neuron_plane = plane_grid(self._x2d, NEURON_RESOLUTION)
        self.run_started.emit(RunStarted(
            run_id=self._run_id,
            total_epochs=int(project.training.get("epochs", 1)),
            batches_per_epoch=0,
            task=prepared.task,
            class_names=list(prepared.classes),
            layer_ids=list(network.order),
            layer_kinds={nid: str(n.params["activation"]) for nid, n in project.graph.nodes.items()
                         if n.params.get("activation")},
            x2d=self._x2d,
            y2d=prepared.y_train if self._x2d is not None else None,
            warnings=warnings,
        ))
        trainer = Trainer(network, prepared, project.training, control=self._control, on_event=self._on_event,
                          probe_interval=PROBE_INTERVAL_S)
        result = trainer.run()
        self._flush_epochs()
        evaluation = None
        split = "test" if len(prepared.x_test) else ("validation" if len(prepared.x_val) else "train")
        try:
            x, y = prepared.split(split)
            loss = get_loss(project.training.get("loss", "categorical_crossentropy"),
                            **(project.training.get("loss_params") or {}))
            evaluation = evaluate(network, x, y, loss, prepared.task, list(prepared.classes))
            evaluation["split"] = split
            evaluation["classes"] = list(prepared.classes)
            evaluation["worst"] = worst_rows(network, x, y, loss, prepared, WORST_ROWS)
            if prepared.task == "classification":
                evaluation.update(precision_recall_f1(np.asarray(evaluation["confusion_matrix"])))
            else:
                evaluation["y_true"] = np.asarray(y, dtype=np.float64).reshape(-1)
                evaluation["y_pred"] = np.asarray(network.predict(reshape_inputs(x, network.input_shape)),
                                                  dtype=np.float64).reshape(-1)
        except DesignerError as exc:
            warnings.append(f"evaluation skipped: {exc}")
        self.finished.emit(RunOutcome(
            run_id=self._run_id,
            result=result,
            weights=network.get_weights(),
            settings=copy.deepcopy(project.training),
            evaluation=evaluation,
            reason=getattr(result, "reason", "completed"),
            message=getattr(result, "message", ""),
        ))

    # Called on the training thread by the trainer.
    def _on_event(self, event: Any) -> None:
        kind = type(event).__name__
        now = time.perf_counter()
        if kind == "BatchEnd":
            if now - self._last_batch_emit >= EMIT_INTERVAL_S or self._control_paused():
                self._last_batch_emit = now
                self.batch_ended.emit(event)
        elif kind == "EpochEnd":
            self._pending.append(event)
            last = event.epoch >= self._total_epochs > 0
            if last or now - self._last_epoch_emit >= EMIT_INTERVAL_S or self._control_paused():
                self._flush_epochs()
        elif kind == "TrainingStarted":
            self._total_epochs = int(event.total_epochs)
            self.progress_started.emit(int(event.total_epochs), int(event.batches_per_epoch))

    def _control_paused(self) -> bool:
        # While stepping or paused the user waits for each result: do not hold anything back.
        paused = getattr(self._control, "is_paused", None)
        return bool(paused() if callable(paused) else paused)

    def _flush_epochs(self) -> None:
        if not self._pending:
            return
        now = self._last_epoch_emit = time.perf_counter()
        last = self._pending[-1]
        probe = (now - self._last_probe >= PROBE_INTERVAL_S or last.epoch >= self._total_epochs
                 or self._control_paused())
        if probe:
            self._last_probe = now
        update = EpochUpdate(events=self._pending, boundary=self._boundary() if probe else None,
                             neurons=self._neurons() if probe else None)
        # The dashboard reads the grid (and, once, the points) from the last event's extras.
        if update.neurons is not None:
            last.extras["neurons"] = update.neurons
        if update.boundary is not None:
            last.extras["boundary"] = update.boundary
            if not self._points_sent:
                last.extras["points"] = (self._x2d, self._y2d)
                self._points_sent = True
        self._pending = []
        self.epoch_ended.emit(update)

    def _boundary(self) -> tuple | None:
        if self._x2d is None or self._network is None:
            return None
        from designer.ui.plots.boundary import boundary_grid

        return boundary_grid(self._network.predict, self._x2d, BOUNDARY_RESOLUTION)

    def _neurons(self) -> tuple | None:
        if not self._neuron_layers or self._neuron_plane is None or self._network is None:
            return None
        from designer.ui.plots.neuron_grid import NEURON_RESOLUTION, neuron_maps

        xs, ys, points = self._neuron_plane
        return xs, ys, neuron_maps(self._network, self._neuron_layers, points, NEURON_RESOLUTION)


def worst_rows(network, x: np.ndarray, y: np.ndarray, loss, prepared, count: int = WORST_ROWS) -> list[dict]:
    """The `count` rows of (x, y) the network gets most wrong, worst first: per-row loss (classification) or
    absolute error (regression), with the row's prepared feature values when there are few features."""
    from designer.engine.losses import encode_targets
    from designer.training.metrics import predicted_classes, reshape_inputs

    n = int(len(x))
    if n == 0:
        return []
    pred = np.asarray(network.predict(reshape_inputs(x, network.input_shape)), dtype=np.float64).reshape(n, -1)
    flat = np.asarray(x).reshape(n, -1)
    names = list(prepared.feature_names or [])
    if len(names) != flat.shape[1]:
        names = [f"x{i + 1}" for i in range(flat.shape[1])]
    show_features = flat.shape[1] <= WORST_FEATURE_COLUMNS
    if prepared.task == "classification":
        y_enc = encode_targets(loss.name, y, pred.shape[1]).reshape(n, -1)
        # Per-row loss with the run's own loss function: a handful of hundred tiny calls, on this thread.
        per_row = np.array([float(loss.forward(pred[i:i + 1].astype(np.float32), y_enc[i:i + 1])) for i in range(n)])
        y_hat = predicted_classes(pred, loss.name)
        if pred.shape[1] == 1:
            confidence = np.where(y_hat == 1, pred[:, 0], 1.0 - pred[:, 0])
        else:
            confidence = pred[np.arange(n), y_hat]
        classes = [str(c) for c in prepared.classes]
        y_idx = np.asarray(y).reshape(-1).astype(np.int64)
    else:
        y_true = np.asarray(y, dtype=np.float64).reshape(n, -1)
        per_row = np.abs(pred - y_true).mean(axis=1)
    order = np.argsort(-np.where(np.isfinite(per_row), per_row, np.inf), kind="stable")[:count]
    rows: list[dict] = []
    for i in order:
        row: dict = {"row": int(i)}
        if show_features:
            row.update({name: float(flat[i, j]) for j, name in enumerate(names)})
        if prepared.task == "classification":
            row["true"] = _label(classes, int(y_idx[i]))
            row["predicted"] = _label(classes, int(y_hat[i]))
            row["confidence"] = float(confidence[i])
            row["loss"] = float(per_row[i])
        else:
            row["true"] = float(y_true[i, 0])
            row["predicted"] = float(pred[i, 0])
            row["abs error"] = float(per_row[i])
        rows.append(row)
    return rows


def _label(classes: list[str], index: int) -> str:
    return classes[index] if 0 <= index < len(classes) else str(index)


class TrainingRunner(QObject):
    """GUI-thread owner of one training thread at a time. Its signals are emitted on the GUI thread."""

    run_started = Signal(object)  # RunStarted
    progress_started = Signal(int, int)  # total epochs, batches per epoch
    batch_ended = Signal(object)
    epoch_ended = Signal(object)  # EpochUpdate
    finished = Signal(object)  # RunOutcome
    failed = Signal(str)
    state_changed = Signal(str)  # "idle" | "running" | "paused"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._control = None
        self._run_id = 0
        self.state = "idle"

    @property
    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, project: Project, base_dir: Path | None, reset_weights: bool = False,
              paused: bool = False) -> None:
        """Train a snapshot of `project`. `paused` starts held, for stepping one batch/epoch at a time."""
        from designer.training import TrainingControl

        if self.is_running:
            return
        self._run_id += 1
        self._control = TrainingControl()
        if paused:
            self._control.pause()
        thread = QThread()
        thread.setObjectName(f"training-{self._run_id}")
        worker = TrainingWorker(snapshot(project), base_dir, self._control, self._run_id, reset_weights)
        worker.moveToThread(thread)
        # Queued connections to this GUI-thread object: the slots below run on the GUI thread.
        worker.run_started.connect(self._on_run_started)
        worker.progress_started.connect(self._on_progress_started)
        worker.batch_ended.connect(self._on_batch_ended)
        worker.epoch_ended.connect(self._on_epoch_ended)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        thread.started.connect(worker.run)
        self._thread, self._worker = thread, worker
        thread.start()
        self._set_state("paused" if paused else "running")

    # Controls (thread-safe: TrainingControl is the only thing shared with the training thread).
    def pause(self) -> None:
        if self._control is not None and self.state == "running":
            self._control.pause()
            self._set_state("paused")

    def resume(self) -> None:
        if self._control is not None and self.state == "paused":
            self._control.resume()
            self._set_state("running")

    def step_batch(self) -> None:
        if self._control is not None:
            self._control.step_batches(1)

    def step_epoch(self) -> None:
        if self._control is not None:
            self._control.step_epoch()

    def set_learning_rate(self, lr: float) -> None:
        if self._control is not None:
            self._control.set_learning_rate(float(lr))

    def stop(self) -> None:
        if self._control is not None:
            self._control.stop()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Stop the run and join the thread (close, reset, tests' teardown)."""
        self.stop()
        self._join(timeout_ms)

    # -------------------------------------------------------------- internals
    # Events still queued from a run that was shut down (a new project was opened meanwhile) are dropped,
    # so an old run can never write its weights into another project.
    def _current(self) -> bool:
        return self._worker is not None and self.sender() is self._worker

    @Slot(object)
    def _on_run_started(self, info: RunStarted) -> None:
        if self._current():
            self.run_started.emit(info)

    @Slot(int, int)
    def _on_progress_started(self, epochs: int, batches: int) -> None:
        if self._current():
            self.progress_started.emit(epochs, batches)

    @Slot(object)
    def _on_batch_ended(self, event: Any) -> None:
        if self._current():
            self.batch_ended.emit(event)

    @Slot(object)
    def _on_epoch_ended(self, update: EpochUpdate) -> None:
        if self._current():
            self.epoch_ended.emit(update)

    @Slot(object)
    def _on_finished(self, outcome: RunOutcome) -> None:
        if not self._current():
            return
        self._join()
        self.finished.emit(outcome)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if not self._current():
            return
        self._join()
        self.failed.emit(message)

    def _join(self, timeout_ms: int = 10_000) -> None:
        thread = self._thread
        if thread is None:
            return
        thread.quit()
        if not thread.wait(timeout_ms):
            # The run ignored stop (a single very long batch): wait for good rather than leak a live thread.
            thread.wait()
        self._thread, self._worker, self._control = None, None, None
        self._set_state("idle")

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
