"""Learning-rate schedules, chosen by `training.schedule`:

    {"type": "step", "step_size": 10, "gamma": 0.5}          lr = base·gamma^⌊e / step_size⌋
    {"type": "exponential", "gamma": 0.95}                    lr = base·gamma^e
    {"type": "cosine", "t_max": 50, "min_lr": 0.0}
                                            lr = min_lr + (base − min_lr)·(1 + cos(π·min(e, t_max)/t_max))/2
    {"type": "reduce_on_plateau", "monitor": "val_loss", "factor": 0.5, "patience": 3, "min_lr": 0.0,
     "min_delta": 1e-4}                                        lr ·= factor after `patience` epochs without improvement
    {"type": "constant"} or null                              lr = base

`min_learning_rate` (the project validator's name) is accepted for `min_lr`; cosine's `t_max` defaults to
the run's number of epochs.

`e` counts epochs from 0 since the schedule's base was set: the run's start, or the epoch in which a
learning rate set by hand took effect (the schedule then restarts from that value). `lr_for_epoch` is asked before each
epoch; `after_epoch` sees each epoch's metrics (only reduce_on_plateau uses them).
"""

from __future__ import annotations

import math

from designer.engine.registry import ParamSpec
from designer.errors import ParamError

MONITORS = ("val_loss", "loss", "val_accuracy", "accuracy", "val_mae", "mae", "val_r2", "r2")

# The one table of schedules: this module applies them, the project validator checks files against them and
# the training panel builds its fields from them.
SCHEDULE_PARAMS: dict[str, tuple[ParamSpec, ...]] = {
    "step": (
        ParamSpec("step_size", "int", 10, 1, 1_000_000, doc="epochs between drops"),
        ParamSpec("gamma", "float", 0.5, 0.0, 1.0, exclusive_min=True, doc="factor applied at each drop"),
    ),
    "exponential": (ParamSpec("gamma", "float", 0.95, 0.0, 1.0, exclusive_min=True, doc="factor per epoch"),),
    "cosine": (
        ParamSpec("t_max", "int", None, 1, 1_000_000, doc="epochs of one half cosine (default: the run's)"),
        ParamSpec("min_lr", "float", 0.0, 0.0, None),
    ),
    "reduce_on_plateau": (
        ParamSpec("monitor", "choice", "val_loss", choices=MONITORS),
        ParamSpec("factor", "float", 0.5, 0.0, 1.0, exclusive_min=True, exclusive_max=True),
        ParamSpec("patience", "int", 3, 0, 1_000_000),
        ParamSpec("min_lr", "float", 0.0, 0.0, None),
        ParamSpec("min_delta", "float", 1e-4, 0.0, None),
    ),
}
SCHEDULE_TYPES = tuple(SCHEDULE_PARAMS)


def monitor_mode(monitor: str) -> str:
    """"max" for metrics that grow when better (accuracy, R²), "min" for losses and errors."""
    return "max" if monitor.removeprefix("val_") in ("accuracy", "r2") else "min"


def improved(value: float, best: float | None, mode: str, min_delta: float) -> bool:
    if best is None:
        return True
    return value < best - min_delta if mode == "min" else value > best + min_delta


class Schedule:
    """No schedule: the learning rate stays what it was set to."""

    def __init__(self, **params) -> None:
        self.__dict__.update(params)
        self.base_lr = 0.0
        self.start_epoch = 0

    def rebase(self, lr: float, epoch: int) -> None:
        """Continue from `lr`, counting `e` from `epoch` (0-based)."""
        self.base_lr, self.start_epoch = float(lr), epoch

    def lr_for_epoch(self, epoch: int) -> float:
        return self.base_lr * self._factor(epoch - self.start_epoch)

    def _factor(self, e: int) -> float:
        return 1.0

    def after_epoch(self, epoch: int, metrics: dict[str, float]) -> None:
        pass


class StepSchedule(Schedule):
    step_size: int
    gamma: float

    def _factor(self, e):
        return self.gamma ** (e // self.step_size)


class ExponentialSchedule(Schedule):
    gamma: float

    def _factor(self, e):
        return self.gamma**e


class CosineSchedule(Schedule):
    t_max: int
    min_lr: float

    def lr_for_epoch(self, epoch):
        e = min(epoch - self.start_epoch, self.t_max)
        low = min(self.min_lr, self.base_lr)
        return low + (self.base_lr - low) * (1.0 + math.cos(math.pi * e / self.t_max)) / 2.0


class ReduceOnPlateau(Schedule):
    monitor: str
    factor: float
    patience: int
    min_lr: float
    min_delta: float

    def rebase(self, lr, epoch):
        super().rebase(lr, epoch)
        self._best: float | None = None
        self._wait = 0

    def lr_for_epoch(self, epoch):
        return self.base_lr

    def after_epoch(self, epoch, metrics):
        value = metrics.get(self.monitor)
        if value is None or not math.isfinite(value):
            return
        if improved(value, self._best, monitor_mode(self.monitor), self.min_delta):
            self._best, self._wait = value, 0
            return
        self._wait += 1
        if self._wait >= self.patience:  # Keras: reduce once `patience` epochs passed without improvement
            self.base_lr = max(self.base_lr * self.factor, self.min_lr)
            self._wait = 0


_CLASSES = {
    "step": StepSchedule,
    "exponential": ExponentialSchedule,
    "cosine": CosineSchedule,
    "reduce_on_plateau": ReduceOnPlateau,
}


def make_schedule(cfg: dict | None, base_lr: float, total_epochs: int = 1) -> Schedule:
    """The schedule `training.schedule` describes (None or {"type": "constant"}: constant)."""
    where = "training.schedule"
    if cfg is None:
        kind, params = "none", {}
    elif isinstance(cfg, dict):
        kind = cfg.get("type", "none")
        params = {k: v for k, v in cfg.items() if k != "type"}
        if params.get("min_lr") is None and params.get("min_learning_rate") is not None:
            params["min_lr"] = params["min_learning_rate"]
        if kind == "cosine" and params.get("t_max") is None:
            params["t_max"] = max(int(total_epochs), 1)
    else:
        raise ParamError(f"must be an object with a type or null, got {cfg!r}", where)
    if kind in (None, "none", "constant"):
        sched = Schedule()
    elif kind in SCHEDULE_PARAMS:
        checked = {}
        for spec in SCHEDULE_PARAMS[kind]:
            value = params.get(spec.name)
            try:
                checked[spec.name] = spec.default if value is None else spec.coerce(value)
            except ParamError as err:
                raise ParamError(err.message, f"{where}.{spec.name}") from None
        sched = _CLASSES[kind](**checked)
    else:
        raise ParamError(f"type must be one of constant, {', '.join(SCHEDULE_TYPES)}, got {kind!r}", where)
    sched.rebase(base_lr, 0)
    return sched
