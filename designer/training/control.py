"""Steering a running training from another thread: stop, pause, resume, single steps, live settings.

The trainer calls `wait_for_batch()` before every batch (it blocks while paused and returns False once
stop was asked), `epoch_done()` after every epoch, and `take_changes()` to pick up a new learning rate or
optimizer parameter, which therefore take effect at the next batch. Every public method is safe to call
from any thread (the UI's) at any time, before or during a run.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from designer.engine.registry import OPTIMIZERS
from designer.errors import ParamError


def _spec(name: str, optimizer_type: str | None):
    """The registry's spec for an optimizer parameter (of this optimizer type when known)."""
    kinds = [optimizer_type] if optimizer_type in OPTIMIZERS else list(OPTIMIZERS)
    for kind in kinds:
        for p in OPTIMIZERS[kind].params:
            if p.name == name:
                return p
    owner = optimizer_type if optimizer_type in OPTIMIZERS else "any optimizer"
    raise ParamError(f'{owner} has no parameter "{name}"', "training.optimizer")


class TrainingControl:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._stop = threading.Event()
        self._paused = False
        self._batch_budget = 0  # batches still allowed while paused (step_batches)
        self._epoch_step = False  # while paused: run to the end of the current epoch (step_epoch)
        self._lr: float | None = None
        self._params: dict[str, Any] = {}
        self._delay = 0.0  # seconds each batch waits before it runs: slows a small net down to watch it learn
        self.optimizer_type: str | None = None  # set by the trainer so changes are checked exactly

    # ------------------------------------------------------------------ called by the UI / CLI
    def stop(self) -> None:
        """Finish after the current batch (reason "stopped"); also ends a pause."""
        with self._cond:
            self._stop.set()
            self._cond.notify_all()

    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._batch_budget = 0
            self._epoch_step = False
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._batch_budget = 0
            self._epoch_step = False
            self._cond.notify_all()

    def step_batches(self, n: int = 1) -> None:
        """Run `n` more batches, then stay paused (pauses first when running)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ParamError(f"must be a positive integer, got {n!r}", "step")
        with self._cond:
            self._paused = True
            self._epoch_step = False
            self._batch_budget += n
            self._cond.notify_all()

    def step_epoch(self) -> None:
        """Run to the end of the current epoch (a whole epoch when paused between two), then pause."""
        with self._cond:
            self._paused = True
            self._batch_budget = 0
            self._epoch_step = True
            self._cond.notify_all()

    def set_learning_rate(self, lr: float) -> None:
        """Checked now (ParamError in the caller's thread); used from the next batch on."""
        value = self._check("learning_rate", lr)
        with self._cond:
            self._lr = value

    def set_optimizer_param(self, name: str, value: Any) -> None:
        if name == "learning_rate":
            self.set_learning_rate(value)
            return
        value = self._check(name, value)
        with self._cond:
            self._params[name] = value

    def set_batch_delay(self, seconds: float) -> None:
        """Let at most one batch through per `seconds` while running (0: full speed); takes effect at once,
        also on a batch already waiting. Pauses and steps are not slowed."""
        seconds = float(seconds)
        if not 0.0 <= seconds <= 60.0:  # also refuses NaN
            raise ParamError(f"must be between 0 and 60 seconds, got {seconds!r}", "speed")
        with self._cond:
            self._delay = seconds
            self._cond.notify_all()

    @property
    def batch_delay(self) -> float:
        with self._cond:
            return self._delay

    @property
    def is_paused(self) -> bool:
        # an unlocked look first: asked every batch, and nearly always False (a bool read is atomic; the lock
        # only makes the three fields agree once paused)
        if not self._paused:
            return False
        with self._cond:
            return self._paused and self._batch_budget == 0 and not self._epoch_step

    @property
    def held(self) -> bool:
        """Paused or stepping: the user waits for each result, so nothing may be skipped or held back."""
        with self._cond:
            return self._paused

    @property
    def stepping_batches(self) -> bool:
        """The user lets batches through one step at a time: each of them should be reported."""
        with self._cond:
            return self._paused and not self._epoch_step

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # ------------------------------------------------------------------ called by the trainer
    def wait_for_batch(self) -> bool:
        """Block while paused (or slowed down); False when the run should stop, True when the next batch may run."""
        start = time.monotonic()
        with self._cond:
            while True:
                if self._stop.is_set():
                    return False
                if not self._paused:
                    left = start + self._delay - time.monotonic()
                    if left <= 0:
                        return True
                    self._cond.wait(left)  # stop, pause or another speed wakes it at once
                    continue
                if self._epoch_step:
                    return True
                if self._batch_budget > 0:
                    self._batch_budget -= 1
                    return True
                self._cond.wait()

    def epoch_done(self) -> None:
        with self._cond:
            self._epoch_step = False

    def take_changes(self) -> tuple[float | None, dict[str, Any]]:
        """Pending (learning rate or None, other optimizer parameters), cleared by this call."""
        with self._cond:
            lr, params = self._lr, self._params
            self._lr, self._params = None, {}
            return lr, params

    def _check(self, name: str, value: Any) -> Any:
        try:
            return _spec(name, self.optimizer_type).coerce(value)
        except ParamError as err:
            if err.where:
                raise
            raise ParamError(err.message, f"training.optimizer.{name}") from None
