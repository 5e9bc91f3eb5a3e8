"""Everything the dashboard remembers about one training run (plain Python + NumPy, no Qt).

Long runs stay cheap: every epoch's metrics are kept, in arrays that grow by doubling so a redraw hands the
plots a view instead of converting a list each time; per-layer histograms are kept at a bounded resolution
(at most HISTOGRAM_HISTORY per layer, evenly spread over the run, the newest always among them).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SMOOTHING = 0.9  # exponential moving average of the per-batch loss, debiased like TensorBoard
EPOCH_KEYS = ("loss", "val_loss", "accuracy", "val_accuracy", "mae", "val_mae", "r2", "val_r2")
HISTOGRAM_HISTORY = 240  # per layer: more columns than the heatmap has pixels to spare, bounded memory


def _numbers(metrics: dict) -> dict:
    """The plain numbers of an epoch's metrics (histograms or norms a producer put there are not metrics)."""
    return {k: v for k, v in metrics.items()
            if isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool)}


class Column:
    """A float64 array that grows by doubling: append is O(1), `values` a view of what was appended."""

    def __init__(self, capacity: int = 64) -> None:
        self._buf = np.empty(capacity)
        self._n = 0

    def append(self, value: float) -> None:
        if self._n == len(self._buf):
            grown = np.empty(2 * len(self._buf))
            grown[: self._n] = self._buf[: self._n]
            self._buf = grown  # views handed out earlier keep the old buffer, whose values never change
        self._buf[self._n] = value
        self._n += 1

    def extend(self, values: np.ndarray) -> None:
        """Append many values at once (one copy instead of a Python call per value)."""
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        end = self._n + len(values)
        if end > len(self._buf):
            grown = np.empty(max(2 * len(self._buf), end))
            grown[: self._n] = self._buf[: self._n]
            self._buf = grown
        self._buf[self._n : end] = values
        self._n = end

    def pad(self, n: int) -> None:
        """NaN up to length n (a metric that appears late)."""
        while self._n < n:
            self.append(math.nan)

    @property
    def values(self) -> np.ndarray:
        return self._buf[: self._n]

    def __len__(self) -> int:
        return self._n


class Trace:
    """(x, y) points appended together, e.g. a layer's weight norm at the epochs that measured it."""

    def __init__(self) -> None:
        self.x, self.y = Column(), Column()

    def append(self, x: float, y: float) -> None:
        self.x.append(x)
        self.y.append(y)

    def __len__(self) -> int:
        return len(self.x)


def append_bounded(entries: list, entry: tuple, gap: float, limit: int = HISTOGRAM_HISTORY) -> float:
    """Append an (epoch, …) entry keeping at most `limit`, evenly spread; returns the new minimum gap.

    The newest entry replaces the previous newest while that one is closer than `gap` epochs to the entry
    before it, so the latest epoch is always there; when the list is full every other entry goes (first and
    newest stay) and the gap becomes the mean spacing of what is left."""
    if len(entries) >= 2 and entry[0] - entries[-2][0] < gap:
        entries[-1] = entry
    else:
        entries.append(entry)
    if len(entries) > limit:
        if len(entries) % 2 == 0:  # keep the newest: thin all but it
            newest = entries.pop()
            del entries[1::2]
            entries.append(newest)
        else:
            del entries[1::2]
        gap = (entries[-1][0] - entries[0][0]) / max(len(entries) - 1, 1)
    return gap


@dataclass
class RunData:
    run_id: str
    task: str = "classification"
    class_names: list[str] = field(default_factory=list)
    layer_ids: list[str] = field(default_factory=list)
    # per batch: epoch, batch index, smoothed loss
    batch_epoch: Column = field(default_factory=Column)
    batch_index: Column = field(default_factory=Column)
    batch_smoothed: Column = field(default_factory=Column)
    batches_per_epoch: dict[int, int] = field(default_factory=dict)
    expected_batches: int | None = None  # from TrainingStarted, when the caller passes it on
    _ema: float = 0.0
    _ema_weight: float = 0.0
    # per epoch
    epochs: list[int] = field(default_factory=list)
    histograms: dict[str, list[tuple[int, np.ndarray, np.ndarray]]] = field(default_factory=dict)
    weight_norms: dict[str, Trace] = field(default_factory=dict)
    grad_norms: dict[str, Trace] = field(default_factory=dict)
    # per-epoch metrics and learning rate as growing arrays; `version` counts changes (the plots skip a run
    # whose data did not change since they were last fed)
    _epoch_axis: Column = field(default_factory=Column)
    _lr_column: Column = field(default_factory=Column)
    _columns: dict[str, Column] = field(default_factory=dict)
    _histogram_gap: dict[str, float] = field(default_factory=dict)
    _batches_known: int = 0
    _first_batch: int = 1
    version: int = 0
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
        if len(self.batch_epoch):
            last_e, last_b = int(self.batch_epoch.values[-1]), int(self.batch_index.values[-1])
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
        self._batches_known = max(self._batches_known, batch)
        self._first_batch = min(self._first_batch, batch)
        self.version += 1

    def batch_curve(self) -> tuple[np.ndarray, np.ndarray]:
        """x in epoch units: batch b of N in epoch e sits at e - 1 + b/N, so an epoch's batches end at its point.

        Batches count from 1 (designer.training.events); a producer counting from 0 is shifted by one.
        """
        if not len(self.batch_epoch):
            return np.empty(0), np.empty(0)
        ep = self.batch_epoch.values
        shift = 1.0 if self._first_batch == 0 else 0.0
        idx = self.batch_index.values + shift
        # every epoch is spread over the largest batch count seen so far (or the announced one): an epoch
        # still running, or one whose last batch went unreported, then still ends at its point
        nb = max(self.expected_batches or 0, self._batches_known) + shift
        return ep - 1 + idx / max(nb, 1.0), self.batch_smoothed.values

    def add_epoch(self, epoch: int, metrics: dict, lr: float | None) -> None:
        """One epoch's numbers (anything else in `metrics` is skipped); a key missing here is NaN."""
        self.epochs.append(int(epoch))
        self._epoch_axis.append(epoch)
        n = len(self.epochs)
        columns = self._columns
        for key, value in _numbers(metrics).items():
            column = columns.get(key)
            if column is None:
                column = columns[key] = Column()
                column.pad(n - 1)  # a key that appears late
            column.append(value)
        for column in columns.values():
            if len(column) < n:
                column.pad(n)  # a key missing from this epoch
        self._lr_column.append(float(lr) if lr is not None else math.nan)
        self.version += 1

    def add_epochs(self, rows: list[tuple[int, dict, float | None]]) -> None:
        """Many (epoch, metrics, lr) at once, as add_epoch would one by one. When every row reports the run's
        known metrics (all but the first epochs), each column takes them in one copy: the GUI thread's cost of
        a thousand epochs a second is then a few array operations, not a thousand Python calls."""
        columns = self._columns
        keys = set(columns)
        if not rows or not keys or any(set(_numbers(metrics)) != keys for _epoch, metrics, _lr in rows):
            for epoch, metrics, lr in rows:
                self.add_epoch(epoch, metrics, lr)
            return
        epochs = [int(epoch) for epoch, _metrics, _lr in rows]
        self.epochs.extend(epochs)
        self._epoch_axis.extend(np.array(epochs, dtype=np.float64))
        for key, column in columns.items():
            column.extend(np.fromiter((metrics[key] for _e, metrics, _lr in rows), np.float64, len(rows)))
        self._lr_column.extend(np.fromiter((math.nan if lr is None else float(lr) for _e, _m, lr in rows),
                                           np.float64, len(rows)))
        self.version += 1

    @property
    def metrics(self) -> dict[str, np.ndarray]:
        """metric name → its value per epoch (views; NaN where an epoch did not report it)."""
        return {key: column.values for key, column in self._columns.items()}

    @property
    def lr(self) -> np.ndarray:
        return self._lr_column.values

    def epoch_axis(self) -> np.ndarray:
        """The epochs as float64 (a view: the plots' x values)."""
        return self._epoch_axis.values

    def lr_series(self) -> np.ndarray:
        return self._lr_column.values

    def series(self, key: str) -> np.ndarray:
        """One metric per epoch (NaN where an epoch did not report it); a view, do not write to it."""
        column = self._columns.get(key)
        return column.values if column is not None else np.full(len(self.epochs), np.nan)

    def add_histograms(self, epoch: int, histograms: dict) -> None:
        for layer_id, pair in (histograms or {}).items():
            counts, edges = pair
            counts = np.asarray(counts, dtype=np.float64).ravel()
            edges = np.asarray(edges, dtype=np.float64).ravel()
            if len(edges) != len(counts) + 1 or len(counts) == 0:
                continue
            lid = str(layer_id)
            entries = self.histograms.setdefault(lid, [])
            self._histogram_gap[lid] = append_bounded(entries, (int(epoch), counts, edges),
                                                      self._histogram_gap.get(lid, 0.0))
            if lid not in self.layer_ids:
                self.layer_ids.append(lid)

    def add_norms(self, epoch: int, weight_norms: dict | None, grad_norms: dict | None) -> None:
        for target, source in ((self.weight_norms, weight_norms), (self.grad_norms, grad_norms)):
            for layer_id, value in (source or {}).items():
                trace = target.get(str(layer_id))
                if trace is None:
                    trace = target[str(layer_id)] = Trace()
                trace.append(int(epoch), float(value))


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
