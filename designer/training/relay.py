"""What a training run sends to a window, and how often: the run's events, throttled for a screen.

`RelayedRun` wraps the core's `TrainingRun` (the one the command line uses) and hands each event to `send`:
RunStarted, TrainingStarted, BatchEnd, an `EpochUpdate` (one or more finished epochs), then the RunOutcome
(its history left to be rebuilt from the updates by a `HistoryCollector`) or a `RunFailed`. A fast model
(thousands of epochs a second on iris) must not flood what shows it: batch events go at most ~4 times a
second, epochs are gathered and sent together, and the decision boundary and neuron maps of 2-feature data
are computed only as often as they are shown. The training process
(`designer.training.remote`) runs one of these per run; nothing here knows about Qt or processes.
"""

from __future__ import annotations

import dataclasses
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from designer.errors import DesignerError
from designer.training.events import BatchEnd, EpochEnd, TrainingStarted
from designer.training.run import RunOutcome, RunStarted, TrainingRun

# At most four updates a second per kind: what shows them (dashboard, progress bar) refreshes at most four
# times a second.
EMIT_INTERVAL_S = 1 / 4
# Histograms, norms, the boundary grid and the neuron maps: the dashboard repaints them at most four times a
# second, so a fast run computes them at that rate, not per epoch (a millisecond iris epoch would pay more for
# its probes than for its training).
PROBE_INTERVAL_S = 0.25


@dataclass
class EpochUpdate:
    """One or more finished epochs, gathered while the window was being spared. The last one's `extras` carry
    the decision-boundary grid ("boundary"), neuron maps ("neurons") and, once per run, the data ("points")."""

    events: list = field(default_factory=list)


@dataclass
class RunFailed:
    message: str


@dataclass
class HistoryInUpdates:
    """Stands for an outcome's `result.history` when it is sent: the history is one entry per EpochEnd, each
    {"epoch", **metrics, "lr"}, and every EpochEnd has already been sent, so it is rebuilt from those
    (`HistoryCollector`) instead of being sent twice. At 20,000 epochs the list took ~30 ms to unpickle in one
    piece, holding the receiving process's interpreter lock, and so its window, for all of it."""

    epochs: int


def outcome_for_sending(outcome: RunOutcome) -> RunOutcome:
    result = dataclasses.replace(outcome.result, history=HistoryInUpdates(len(outcome.result.history)))
    return dataclasses.replace(outcome, result=result)


class HistoryCollector:
    """The receiving side: keeps each EpochEnd's history entry as the updates arrive (a few hundred at a time)
    and puts the whole history back into the outcome."""

    def __init__(self) -> None:
        self.history: list[dict] = []

    def receive(self, event: Any) -> Any:
        if isinstance(event, EpochUpdate):
            self.history.extend({"epoch": e.epoch, **e.metrics, "lr": e.lr} for e in event.events)
        elif isinstance(event, RunOutcome) and isinstance(event.result.history, HistoryInUpdates):
            expected = event.result.history.epochs
            if expected != len(self.history):
                return RunFailed(f"the training process sent {len(self.history)} of the run's {expected} epochs; "
                                 "train again")
            event.result.history = self.history
        return event


class _FlushBeforeHold:
    """The run's control as the trainer sees it. Epochs held back by the 4/s throttle are sent before the
    trainer blocks on a pause: otherwise a paused run shows an epoch or two less than it has done, and the
    next step then reports several epochs at once.

    The trainer asks its control something every batch: the calls it makes are bound here once (a lookup
    through __getattr__ per call was 3-4 % of a small net's training thread)."""

    def __init__(self, control: Any, flush) -> None:
        self.__dict__.update(_control=control, _flush=flush, take_changes=control.take_changes,
                             epoch_done=control.epoch_done)

    def wait_for_batch(self) -> bool:
        control = self._control
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


class RelayedRun:
    """One TrainingRun whose events reach `send` at a pace a window can show."""

    def __init__(self, project, base_dir: Path | None, control: Any, send: Callable[[Any], None], *,
                 reset_weights: bool = False, emit_interval: float = EMIT_INTERVAL_S,
                 probe_interval: float = PROBE_INTERVAL_S) -> None:
        self._send = send
        self._control = control
        self._emit_interval = emit_interval
        self._probe_interval = probe_interval
        seen_by_run = _FlushBeforeHold(control, self._flush_epochs) if control is not None else None
        self.run = TrainingRun(project, base_dir, reset=reset_weights, control=seen_by_run, on_event=self._on_event,
                               evaluate=True, probes=True, probe_interval=probe_interval)
        self._points_axes: tuple | None = None
        self._pending: list = []
        self._last_batch_emit = 0.0
        self._last_epoch_emit = 0.0
        self._last_probe = -probe_interval
        self._total_epochs = 0
        self._axes: tuple[int, int] | None = None
        # Whether the decision-boundary tab is shown (set from another thread: one bool). Hidden, the grids are
        # computed only for the last epoch and the epochs the user pauses on, which the tab shows when opened.
        self.plane_wanted = True

    def set_plane_axes(self, first: int, second: int) -> None:
        """The two features the boundary's slice shows, from the next update on (also before the probe exists)."""
        self._axes = (int(first), int(second))
        probe = self.run.probe
        if probe is not None:
            probe.set_axes(*self._axes)

    def execute(self) -> None:
        """Train, then send the outcome, or a RunFailed with a readable message."""
        try:
            outcome = self.run.run()
            self._flush_epochs()
            self._send(outcome_for_sending(outcome))
        except DesignerError as exc:
            self._send(RunFailed(str(exc)))
        except Exception as exc:  # a bug: keep the window alive and say what happened
            if sys.stderr is not None:  # None in a windowed program on Windows
                traceback.print_exc()
            self._send(RunFailed(f"training stopped by an internal error: {type(exc).__name__}: {exc}"))

    # Called on the training thread by the run.
    def _on_event(self, event: Any) -> None:
        now = time.perf_counter()
        if isinstance(event, BatchEnd):
            if now - self._last_batch_emit >= self._emit_interval or self._control_paused():
                self._last_batch_emit = now
                self._send(event)
        elif isinstance(event, EpochEnd):
            self._pending.append(event)
            last = event.epoch >= self._total_epochs > 0
            if last or now - self._last_epoch_emit >= self._emit_interval or self._control_paused():
                self._flush_epochs()
        elif isinstance(event, TrainingStarted):
            self._total_epochs = int(event.total_epochs)
            self._send(event)
        elif isinstance(event, RunStarted):
            if self._axes is not None and self.run.probe is not None:  # chosen before the probe was ready
                self.run.probe.set_axes(*self._axes)
            self._send(event)

    def _control_paused(self) -> bool:
        # While stepping or paused the user waits for each result: do not hold anything back.
        paused = getattr(self._control, "is_paused", None)
        return bool(paused() if callable(paused) else paused)

    def _flush_epochs(self) -> None:
        if not self._pending:
            return
        now = self._last_epoch_emit = time.perf_counter()
        last = self._pending[-1]
        due = (now - self._last_probe >= self._probe_interval or last.epoch >= self._total_epochs
               or self._control_paused())
        probe = self.run.probe
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
        self._send(update)
