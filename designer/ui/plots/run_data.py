"""Everything the dashboard remembers about one training run (plain Python + NumPy, no Qt)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SMOOTHING = 0.9  # exponential moving average of the per-batch loss, debiased like TensorBoard
EPOCH_KEYS = ("loss", "val_loss", "accuracy", "val_accuracy", "mae", "val_mae", "r2", "val_r2")


@dataclass
class RunData:
    run_id: str
    task: str = "classification"
    class_names: list[str] = field(default_factory=list)
    layer_ids: list[str] = field(default_factory=list)
    # per batch: epoch, batch index, smoothed loss
    batch_epoch: list[int] = field(default_factory=list)
    batch_index: list[int] = field(default_factory=list)
    batch_smoothed: list[float] = field(default_factory=list)
    batches_per_epoch: dict[int, int] = field(default_factory=dict)
    expected_batches: int | None = None  # from TrainingStarted, when the caller passes it on
    _ema: float = 0.0
    _ema_weight: float = 0.0
    # per epoch
    epochs: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    lr: list[float] = field(default_factory=list)
    histograms: dict[str, list[tuple[int, np.ndarray, np.ndarray]]] = field(default_factory=dict)
    weight_norms: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    grad_norms: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    # end of run
    finished_reason: str | None = None
    best_epoch: int | None = None
    message: str = ""

    @property
    def is_regression(self) -> bool:
        return self.task == "regression"

    def add_batch(self, epoch: int, batch: int, loss: float) -> None:
        """Exponential moving average over *batches*, not events: the trainer reports only some batches
        (about 20 a second), so an event standing for k batches gets the weight of k batches."""
        loss, epoch, batch = float(loss), int(epoch), int(batch)
        if self.batch_epoch:
            last_e, last_b = self.batch_epoch[-1], self.batch_index[-1]
            per_epoch = self.expected_batches or self.batches_per_epoch.get(last_e, last_b)
            steps = batch - last_b if epoch == last_e else max(per_epoch - last_b, 0) + batch
        else:
            steps = 1
        steps = max(steps, 1)
        if np.isfinite(loss):
            keep = SMOOTHING**steps
            self._ema = keep * self._ema + (1 - keep) * loss
            self._ema_weight = keep * self._ema_weight + (1 - keep)  # debiasing, as TensorBoard does
        smoothed = self._ema / self._ema_weight if self._ema_weight > 0 else float("nan")
        self.batch_epoch.append(epoch)
        self.batch_index.append(batch)
        self.batch_smoothed.append(smoothed)
        self.batches_per_epoch[epoch] = max(self.batches_per_epoch.get(epoch, 0), batch)

    def batch_curve(self) -> tuple[np.ndarray, np.ndarray]:
        """x in epoch units: batch b of N in epoch e sits at e - 1 + b/N, so an epoch's batches end at its point.

        Batches count from 1 (designer.training.events); a producer counting from 0 is shifted by one.
        """
        if not self.batch_epoch:
            return np.empty(0), np.empty(0)
        ep = np.asarray(self.batch_epoch, dtype=np.float64)
        shift = 1.0 if min(self.batch_index) == 0 else 0.0
        idx = np.asarray(self.batch_index, dtype=np.float64) + shift
        # an epoch still running is spread over the largest batch count seen so far (or the announced one)
        known = max([self.expected_batches or 0, *self.batches_per_epoch.values()])
        nb = np.array([max(self.batches_per_epoch[int(e)], known) for e in ep]) + shift
        return ep - 1 + idx / np.maximum(nb, 1.0), np.asarray(self.batch_smoothed, dtype=np.float64)

    def add_epoch(self, epoch: int, metrics: dict, lr: float | None) -> None:
        self.epochs.append(int(epoch))
        n = len(self.epochs)
        for key, value in metrics.items():
            if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
                series = self.metrics.setdefault(key, [])
                series.extend([float("nan")] * (n - 1 - len(series)))  # a key that appears late
                series.append(float(value))
        self.lr.append(float(lr) if lr is not None else float("nan"))

    def series(self, key: str) -> np.ndarray:
        values = self.metrics.get(key, [])
        out = np.full(len(self.epochs), np.nan)
        out[: len(values)] = values
        return out

    def add_histograms(self, epoch: int, histograms: dict) -> None:
        for layer_id, pair in (histograms or {}).items():
            counts, edges = pair
            counts = np.asarray(counts, dtype=np.float64).ravel()
            edges = np.asarray(edges, dtype=np.float64).ravel()
            if len(edges) != len(counts) + 1 or len(counts) == 0:
                continue
            self.histograms.setdefault(str(layer_id), []).append((int(epoch), counts, edges))
            if str(layer_id) not in self.layer_ids:
                self.layer_ids.append(str(layer_id))

    def add_norms(self, epoch: int, weight_norms: dict | None, grad_norms: dict | None) -> None:
        for target, source in ((self.weight_norms, weight_norms), (self.grad_norms, grad_norms)):
            for layer_id, value in (source or {}).items():
                target.setdefault(str(layer_id), []).append((int(epoch), float(value)))


def write_runs_csv(runs: list[RunData], path: str | Path) -> None:
    """One row per run and epoch: run, epoch, every metric any of the runs recorded, lr."""
    seen = {k for run in runs for k in run.metrics}
    keys = [k for k in EPOCH_KEYS if k in seen] + sorted(seen - set(EPOCH_KEYS))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["run", "epoch", *keys, "lr"])
        for run in runs:
            columns = [run.series(k) for k in keys]
            for i, epoch in enumerate(run.epochs):
                writer.writerow([run.run_id, epoch, *(_fmt(c[i]) for c in columns), _fmt(run.lr[i])])


def _fmt(value: float) -> str:
    return "" if not np.isfinite(value) else repr(float(value))
