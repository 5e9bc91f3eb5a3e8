"""Training off the GUI thread: a thin adapter around the core's `TrainingRun`.

`TrainingWorker` lives on a QThread, runs `designer.training.run.TrainingRun` (the same run the command line
uses) and passes what happens on as one typed signal, `event(object)`: the core's RunStarted, TrainingStarted,
BatchEnd, an `EpochUpdate`, the core's RunOutcome, or `RunFailed`. Events are throttled so a fast model
(thousands of epochs a second on iris) cannot flood the event loop: batch events at most ~30 per second, epoch
events gathered and sent together; with each epoch update the run's probe (2-feature data) adds the decision
boundary and neuron maps to the last event's `extras`, computed here, on the training thread.

`TrainingRunner` is the GUI-side owner: it snapshots the project, starts the thread, forwards controls to
the thread-safe `TrainingControl`, re-emits the worker's events as one signal per kind from the GUI thread
(what tests wait on) and always joins the thread (`quit()` + `wait()`) on stop and close.
"""

from __future__ import annotations

import copy
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from designer.blas import threads_leaving_one_core
from designer.errors import DesignerError
from designer.project.model import Project
from designer.training.events import BatchEnd, EpochEnd, TrainingStarted
from designer.training.run import RunOutcome, RunStarted, TrainingRun
from designer.ui.gui_turn import GuiTurn

# At most four GUI updates a second per kind: what shows them (dashboard, progress bar) refreshes at most four
# times a second, and every update the GUI thread handles takes the interpreter from the training thread.
EMIT_INTERVAL_S = 1 / 4
# Histograms, norms, the boundary grid and the neuron maps: the dashboard repaints them at most four times a
# second, so a fast run computes them at that rate, not per epoch (a millisecond iris epoch would pay more for
# its probes than for its training, and share the interpreter with the GUI while doing so).
PROBE_INTERVAL_S = 0.25

__all__ = ["EpochUpdate", "RunFailed", "RunOutcome", "RunStarted", "TrainingRunner", "TrainingWorker"]


@dataclass
class EpochUpdate:
    """One or more finished epochs, gathered while the GUI was being spared. The last one's `extras` carry
    the decision-boundary grid ("boundary"), neuron maps ("neurons") and, once per run, the data ("points")."""

    events: list = field(default_factory=list)


@dataclass
class RunFailed:
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


class _FlushBeforeHold:
    """The run's control as the trainer sees it. Epochs held back by the 4/s throttle are sent before the
    trainer blocks on a pause: otherwise a paused run shows an epoch or two less than it has done, and the
    next step then reports several epochs at once.

    The trainer asks its control something every batch: the calls it makes are bound here once (a lookup
    through __getattr__ per call was 3-4 % of a small net's training thread in the window)."""

    def __init__(self, control: Any, flush, wait_for_gui=None) -> None:
        self.__dict__.update(_control=control, _flush=flush, take_changes=control.take_changes,
                             epoch_done=control.epoch_done, _wait_for_gui=wait_for_gui)

    def wait_for_batch(self) -> bool:
        control = self._control
        if self._wait_for_gui is not None:  # the window is redrawing: let it have the interpreter
            self._wait_for_gui()
        if control.is_paused:
            self._flush()
        return control.wait_for_batch()

    @property
    def stepping_batches(self) -> bool:
        return self._control.stepping_batches

    def __getattr__(self, name: str) -> Any:
        return getattr(self._control, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._control, name, value)


class TrainingWorker(QObject):
    """Runs one TrainingRun on whatever thread it is moved to; `event` carries plain Python objects."""

    event = Signal(object)

    def __init__(self, project: Project, base_dir: Path | None, control: Any, reset_weights: bool = False,
                 gui_turn: GuiTurn | None = None) -> None:
        super().__init__()
        wait_for_gui = gui_turn.wait if gui_turn is not None else None
        seen_by_run = _FlushBeforeHold(control, self._flush_epochs, wait_for_gui) if control is not None else None
        self._run = TrainingRun(project, base_dir, reset=reset_weights, control=seen_by_run,
                                on_event=self._on_event, evaluate=True, probes=True, probe_interval=PROBE_INTERVAL_S)
        self._control = control
        self._points_axes: tuple | None = None
        self._pending: list = []
        self._last_batch_emit = 0.0
        self._last_epoch_emit = 0.0
        self._last_probe = -PROBE_INTERVAL_S
        self._total_epochs = 0
        # Whether the decision-boundary tab is shown (set from the GUI thread: one bool). Hidden, the grids are
        # computed only for the last epoch and the epochs the user pauses on, which the tab shows when opened.
        self.plane_wanted = True

    @Slot()
    def run(self) -> None:
        from threadpoolctl import threadpool_limits

        # Leave a core to the GUI thread: BLAS threads spinning on every core starve the event loop
        # (measured on 2 cores: 99th-percentile GUI gap 240 ms → 40 ms, and training itself got faster).
        try:
            with threadpool_limits(limits=blas_threads_for_training(), user_api="blas"):
                outcome = self._run.run()
            self._flush_epochs()
            self.event.emit(outcome)
        except DesignerError as exc:
            self.event.emit(RunFailed(str(exc)))
        except Exception as exc:  # a bug: keep the app alive and say what happened
            traceback.print_exc()
            self.event.emit(RunFailed(f"training stopped by an internal error: {type(exc).__name__}: {exc}"))

    # Called on the training thread by the run.
    def _on_event(self, event: Any) -> None:
        now = time.perf_counter()
        if isinstance(event, BatchEnd):
            if now - self._last_batch_emit >= EMIT_INTERVAL_S or self._control_paused():
                self._last_batch_emit = now
                self.event.emit(event)
        elif isinstance(event, EpochEnd):
            self._pending.append(event)
            last = event.epoch >= self._total_epochs > 0
            if last or now - self._last_epoch_emit >= EMIT_INTERVAL_S or self._control_paused():
                self._flush_epochs()
        elif isinstance(event, TrainingStarted):
            self._total_epochs = int(event.total_epochs)
            self.event.emit(event)
        elif isinstance(event, RunStarted):
            self.event.emit(event)

    def _control_paused(self) -> bool:
        # While stepping or paused the user waits for each result: do not hold anything back.
        paused = getattr(self._control, "is_paused", None)
        return bool(paused() if callable(paused) else paused)

    def _flush_epochs(self) -> None:
        if not self._pending:
            return
        now = self._last_epoch_emit = time.perf_counter()
        last = self._pending[-1]
        due = (now - self._last_probe >= PROBE_INTERVAL_S or last.epoch >= self._total_epochs
               or self._control_paused())
        probe = self._run.probe
        if due and not self.plane_wanted:
            due = last.epoch >= self._total_epochs or self._control_paused()
        if probe is not None and due:  # the dashboard reads the grids (and, once, the points) from the last extras
            self._last_probe = now
            extras = last.extras
            extras["boundary"] = probe.boundary()
            neurons = probe.neurons()
            if neurons is not None:
                extras["neurons"] = neurons
            if self._points_axes != probe.axes:  # once, and again after the plane's features were changed
                self._points_axes = probe.axes
                extras["points"] = probe.points
                extras["plane"] = probe.describe()
        update = EpochUpdate(events=self._pending)
        self._pending = []
        self.event.emit(update)


class TrainingRunner(QObject):
    """GUI-thread owner of one training thread at a time. Its signals are emitted on the GUI thread."""

    run_started = Signal(object)  # RunStarted (core)
    progress_started = Signal(int, int)  # total epochs, batches per epoch
    batch_ended = Signal(object)
    epoch_ended = Signal(object)  # EpochUpdate
    finished = Signal(object)  # RunOutcome (core)
    failed = Signal(str)
    state_changed = Signal(str)  # "idle" | "running" | "paused"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._control = None
        self._run_id = 0
        self._trained = False
        self._delay = 0.0
        self._plane_wanted = True
        self.state = "idle"
        # The dashboard takes this turn for its redraws; the training thread waits for it before each batch.
        self.gui_turn = GuiTurn(self)

    @property
    def run_id(self) -> int:
        """The number of the latest run started (1, 2, …): the dashboard names runs by it."""
        return self._run_id

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
        self._trained = False  # a run that fails before its first batch gives its number back
        self._control = TrainingControl()
        self._control.set_batch_delay(self._delay)
        if paused:
            self._control.pause()
        thread = QThread()
        thread.setObjectName(f"training-{self._run_id}")
        worker = TrainingWorker(snapshot(project), base_dir, self._control, reset_weights, self.gui_turn)
        worker.plane_wanted = self._plane_wanted
        worker.moveToThread(thread)
        # A queued connection to this GUI-thread object: the slot below runs on the GUI thread.
        worker.event.connect(self._on_event)
        thread.started.connect(worker.run)
        self._thread, self._worker = thread, worker
        self.gui_turn.active = True
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

    def set_plane_axes(self, first: int, second: int) -> None:
        """The two features the decision boundary's slice shows; from the next update of a running run on."""
        probe = getattr(self._worker._run, "probe", None) if self._worker is not None else None
        if probe is not None:
            probe.set_axes(first, second)

    def set_plane_wanted(self, wanted: bool) -> None:
        """Whether the decision boundary and neuron maps are on screen: while they are not, a run computes them
        only for its last epoch (and when paused), not a few times a second."""
        self._plane_wanted = bool(wanted)
        if self._worker is not None:
            self._worker.plane_wanted = self._plane_wanted

    def set_batch_delay(self, seconds: float) -> None:
        """The speed control: kept for the next runs and passed to a running one at once."""
        self._delay = float(seconds)
        if self._control is not None:
            self._control.set_batch_delay(self._delay)

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
    def _on_event(self, event: Any) -> None:
        self.gui_turn.take()  # first: what the event updates (labels, curves) is drawn before the next batch
        if not self._current():
            return
        if isinstance(event, RunStarted):
            self.run_started.emit(event)
        elif isinstance(event, TrainingStarted):
            self.progress_started.emit(int(event.total_epochs), int(event.batches_per_epoch))
        elif isinstance(event, BatchEnd):
            self._trained = True
            self.batch_ended.emit(event)
        elif isinstance(event, EpochUpdate):
            self._trained = True
            self.epoch_ended.emit(event)
        elif isinstance(event, RunOutcome):
            self._join()
            self.finished.emit(event)
        elif isinstance(event, RunFailed):
            self._join()
            if not self._trained:  # refused before training: "run 2" must not follow a run that never was
                self._run_id -= 1
            self.failed.emit(event.message)

    def _join(self, timeout_ms: int = 10_000) -> None:
        thread = self._thread
        if thread is None:
            return
        self.gui_turn.active = False
        self.gui_turn.give_back()  # this thread blocks below: the run must not wait for its redraws
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
