"""What the trainer reports, as plain dataclasses passed to `on_event` on the training thread.

Numbering: `epoch` counts from 1 over the run; `batch` counts from 1 within its epoch. The UI worker
re-emits these as Qt signals; the CLI prints progress from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class TrainingStarted:
    total_epochs: int
    batches_per_epoch: int


@dataclass
class BatchEnd:
    """Throttled to about 20 per second of wall time; the last batch of an epoch is always reported."""

    epoch: int
    batch: int
    loss: float
    samples_per_s: float


@dataclass
class EpochEnd:
    """metrics: `loss`, `val_loss` (when there is validation data) and `accuracy`/`val_accuracy`
    (classification) or `mae`/`val_mae`/`r2`/`val_r2` (regression).
    histograms: node id → (counts, edges) of that layer's outputs on a fixed sample of training rows.
    extras: `weight_norms` and `grad_norms` (node id → L2 norm over the layer's parameters/last gradients),
    `seconds` (wall time of the epoch without pauses), `preactivations` and `kernels` (Dense layer id →
    (counts, edges) of z = x·W + b on the histogram sample, and of the kernel's values: the mathematics views).
    Histograms and norms are probes: an epoch the trainer did not probe (see `Trainer(probe_interval=…)`)
    has empty `histograms` and no norms in `extras`; metrics, lr and `seconds` are always there."""

    epoch: int
    metrics: dict[str, float]
    histograms: dict[str, tuple[np.ndarray, np.ndarray]]
    lr: float
    extras: dict = field(default_factory=dict)


@dataclass
class TrainingFinished:
    reason: str  # "completed" | "stopped" | "early_stopping" | "nan"
    message: str
    best_epoch: int | None


@dataclass
class TrainingResult:
    """history: one metrics dict per completed epoch ({"epoch": 1, "loss": …, "lr": …}); best_epoch is
    the epoch with the best monitored value (early stopping's monitor, else val_loss, else loss)."""

    history: list[dict]
    reason: str
    best_epoch: int | None
    message: str


Event = TrainingStarted | BatchEnd | EpochEnd | TrainingFinished
