"""Training off the GUI thread, in a process of its own: the window's side of `designer.training.remote`.

`TrainingRunner` is the GUI-side owner of one run at a time. It snapshots the project, sends it to a training
process (`designer.training.remote`: the core's `TrainingRun`, the same run the command line uses, wrapped in
`designer.training.relay`), forwards controls to it, and re-emits the run's events as one signal per kind on
the GUI thread (what the window and the tests wait on): RunStarted, TrainingStarted, BatchEnd, an
`EpochUpdate`, the core's RunOutcome, or `RunFailed`. A thread of its own reads the process's pipe, so the
GUI thread never blocks on it; the process shares no interpreter lock with the window, so a fast run cannot
slow the window's paints, nor the window's paints slow the run.
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from designer.blas import threads_leaving_one_core
from designer.project.model import Project
from designer.training import relay, remote
from designer.training.events import BatchEnd, TrainingStarted
from designer.training.relay import EpochUpdate, RunFailed
from designer.training.run import RunOutcome, RunStarted

# How often a run sends batch and epoch updates, and computes its probes: read when a run starts (tests make
# every epoch an update by setting these to 0).
EMIT_INTERVAL_S = relay.EMIT_INTERVAL_S
PROBE_INTERVAL_S = relay.PROBE_INTERVAL_S
# How long a stopped run may take to finish its batch before its process is ended (close, new project).
STOP_GRACE_S = 10.0
# A run's first data waits this long after its start is shown: the window sets the run up (labels, then its new
# curves a dashboard stage later) and paints that, and the first epochs come after, instead of all in one stall.
FIRST_DATA_DELAY_MS = 30

__all__ = ["EpochUpdate", "RunFailed", "RunOutcome", "RunStarted", "TrainingRunner"]


def blas_threads_for_training() -> int:
    """All cores but one: the GUI keeps a core for drawing (macOS Accelerate: designer/blas.py)."""
    return threads_leaving_one_core()


def snapshot(project: Project) -> Project:
    """A private copy for a run, so GUI edits during a run never race with it."""
    return Project(
        name=project.name,
        graph=project.graph.copy(),
        data=copy.deepcopy(project.data),
        training=copy.deepcopy(project.training),
        weights={k: v.copy() for k, v in project.weights.items()},
        history=[],
        extra={},
    )


class TrainingRunner(QObject):
    """GUI-thread owner of one run at a time. Its signals are emitted on the GUI thread."""

    run_started = Signal(object)  # RunStarted (core)
    progress_started = Signal(int, int)  # total epochs, batches per epoch
    batch_ended = Signal(object)
    epoch_ended = Signal(object)  # EpochUpdate
    finished = Signal(object)  # RunOutcome (core)
    failed = Signal(str)
    state_changed = Signal(str)  # "idle" | "running" | "paused"
    # from the reading thread to the GUI thread: (run number, event)
    _arrived = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: remote.TrainingProcess | None = None
        self._reader: threading.Thread | None = None
        self._run_id = 0
        self._trained = False
        self._delay = 0.0
        self._plane_wanted = True
        self.state = "idle"
        self._start_shown = threading.Event()  # set once the window has shown the run's start (then its data)
        self._arrived.connect(self._on_event, Qt.ConnectionType.QueuedConnection)

    @property
    def run_id(self) -> int:
        """The number of the latest run started (1, 2, …): the dashboard names runs by it."""
        return self._run_id

    @property
    def is_running(self) -> bool:
        return self._process is not None

    @property
    def process_id(self) -> int | None:
        """The training process's id while a run trains (benchmarks read its CPU time)."""
        return self._process.pid if self._process is not None else None

    def start(self, project: Project, base_dir: Path | None, reset_weights: bool = False,
              paused: bool = False) -> None:
        """Train a snapshot of `project`. `paused` starts held, for stepping one batch/epoch at a time."""
        if self.is_running:
            return
        self._run_id += 1
        self._trained = False  # a run that fails before its first batch gives its number back
        request = remote.RunRequest(project=snapshot(project), base_dir=base_dir, reset_weights=reset_weights,
                                    paused=paused, batch_delay=self._delay, plane_wanted=self._plane_wanted,
                                    emit_interval=EMIT_INTERVAL_S, probe_interval=PROBE_INTERVAL_S)
        try:
            process = remote.take_process()
        except OSError as exc:  # no process can be started (out of memory, a process limit)
            self._run_id -= 1
            self.failed.emit(f"the training process could not be started: {exc}")
            return
        process.start_run(self._run_id, request)  # if the process is gone, its reader says so
        self._start_shown.clear()
        reader = threading.Thread(target=self._read, args=(process, self._run_id), daemon=True,
                                  name=f"training-{self._run_id}-events")
        self._process, self._reader = process, reader
        reader.start()
        self._set_state("paused" if paused else "running")

    # Controls: one message each to the training process, which applies it before its next batch.
    def _send(self, command: str, *args: Any) -> None:
        if self._process is not None:
            self._process.send(command, self._run_id, *args)

    def pause(self) -> None:
        if self.state == "running":
            self._send("pause")
            self._set_state("paused")

    def resume(self) -> None:
        if self.state == "paused":
            self._send("resume")
            self._set_state("running")

    def step_batch(self) -> None:
        self._send("step_batch")

    def step_epoch(self) -> None:
        self._send("step_epoch")

    def set_learning_rate(self, lr: float) -> None:
        self._send("learning_rate", float(lr))

    def set_plane_axes(self, first: int, second: int) -> None:
        """The two features the decision boundary's slice shows; from the next update of a running run on."""
        self._send("plane_axes", int(first), int(second))

    def set_plane_wanted(self, wanted: bool) -> None:
        """Whether the decision boundary and neuron maps are on screen: while they are not, a run computes them
        only for its last epoch (and when paused), not a few times a second."""
        self._plane_wanted = bool(wanted)
        self._send("plane_wanted", self._plane_wanted)

    def set_batch_delay(self, seconds: float) -> None:
        """The speed control: kept for the next runs and passed to a running one at once."""
        self._delay = float(seconds)
        self._send("batch_delay", self._delay)

    def stop(self) -> None:
        self._send("stop")

    def shutdown(self, timeout_ms: int = int(STOP_GRACE_S * 1000)) -> None:
        """Stop the run and wait for it to end (close, reset, tests' teardown). A run that does not stop in
        time (a single very long batch) has its process ended: the next run starts a new one."""
        if self._process is None:
            return
        self.stop()
        self._finish(timeout_ms / 1000)

    # -------------------------------------------------------------- internals
    def _read(self, process: remote.TrainingProcess, run_id: int) -> None:
        """The reading thread: pass the run's events on until its last (or the process's end). The history the
        outcome carries is put back together here, from the epochs as they come, off the GUI thread."""
        history = relay.HistoryCollector()
        while True:
            number, event = process.receive()
            if number not in (run_id, 0):
                continue  # left over from an earlier run in this process
            event = history.receive(event)
            self._arrived.emit(run_id, event)
            if isinstance(event, RunStarted):
                self._start_shown.wait(timeout=1.0)
            if isinstance(event, (RunOutcome, RunFailed)):
                return

    # Events of a run that was shut down (a new project was opened meanwhile) are dropped, so an old run can
    # never write its weights into another project.
    @Slot(int, object)
    def _on_event(self, run_id: int, event: Any) -> None:
        if self._process is None or run_id != self._run_id:
            return
        if isinstance(event, RunStarted):
            self.run_started.emit(event)
            QTimer.singleShot(FIRST_DATA_DELAY_MS, self._start_shown.set)
        elif isinstance(event, TrainingStarted):
            self.progress_started.emit(int(event.total_epochs), int(event.batches_per_epoch))
        elif isinstance(event, BatchEnd):
            self._trained = True
            self.batch_ended.emit(event)
        elif isinstance(event, EpochUpdate):
            self._trained = True
            self.epoch_ended.emit(event)
        elif isinstance(event, RunOutcome):
            self._finish()
            self.finished.emit(event)
        elif isinstance(event, RunFailed):
            self._finish()
            if not self._trained:  # refused before training: "run 2" must not follow a run that never was
                self._run_id -= 1
            self.failed.emit(event.message)

    def _finish(self, timeout_s: float = STOP_GRACE_S) -> None:
        """The run has ended, or was asked to: join the reader, and keep the process for the next run."""
        process, reader = self._process, self._reader
        if process is None:
            return
        self._start_shown.set()  # a reader still waiting for the start to be shown goes on
        reader.join(timeout_s)
        if reader.is_alive():  # the run ignored stop: end its process, which ends the reader
            process.kill()
            reader.join()
        self._process, self._reader = None, None
        remote.give_back(process)
        self._set_state("idle")

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
