"""The fit loop: shuffled mini-batches, per-batch and per-epoch events, pause/step/stop, schedules, early
stopping and a NaN guard. Plain Python + NumPy; the window runs `Trainer.run()` in its training process
(designer/training/remote.py).

Cheap by design: data is float32 and reshaped once; each epoch shuffles into preallocated buffers with
`np.take(..., out=buf, mode="clip")` (the default mode silently copies everything once more); training
metrics come from the outputs the batches computed anyway (as Keras reports them); the per-layer probes
(activation histograms on a fixed sample of at most 256 training rows, weight and gradient norms) are computed
only when someone will look at them: every epoch by default, at most once per `probe_interval` seconds of
wall time and of training CPU time when a window shows them a few times a second, never for the command line,
which reports neither.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from designer.engine.losses import encode_targets, get_loss
from designer.engine.optimizers import make_optimizer
from designer.errors import ParamError, TrainingError
from designer.maths.distributions import layer_distributions
from designer.training import metrics as M
from designer.training.augmentation import EpochAugmenter
from designer.training.control import TrainingControl
from designer.training.events import BatchEnd, EpochEnd, TrainingFinished, TrainingResult, TrainingStarted
from designer.training.memory import check_memory
from designer.training.schedules import improved, make_schedule, monitor_mode
from designer.training.settings import TRAINING_SPECS

HISTOGRAM_ROWS = 256
HISTOGRAM_BINS = 30
BATCH_EVENT_INTERVAL = 0.05  # seconds: at most ~20 BatchEnd events per second
# The NaN guard copies the weights every few batches (a copy costs 2-5% of a batch step on an MLP), so
# the weights it restores are the last ones that gave a finite loss, at most this many batches old.
SNAPSHOT_EVERY = 8

_SPECS = TRAINING_SPECS  # one table: validator, defaults and panel read the same specs


def _setting(section: dict, name: str, where: str, spec_name: str | None = None):
    spec = _SPECS[spec_name or name]
    value = section.get(name)
    if value is None:
        return spec.default
    try:
        return spec.coerce(value)
    except ParamError as err:
        raise ParamError(err.message, f"{where}.{name}") from None


class Trainer:
    def __init__(
        self,
        network,
        prepared,
        training_cfg: dict,
        control: TrainingControl | None = None,
        on_event: Callable | None = None,
        probe_interval: float | None = 0.0,
    ):
        """probe_interval: seconds between two epochs whose EpochEnd carries histograms and norms, of wall time
        and of this thread's CPU time (0: every epoch; None: never). With probes on, the first and last epochs
        and every epoch the user pauses or steps through carry them too."""
        self.net = network
        self.probe_interval = probe_interval
        self._last_probe = self._last_probe_cpu = -math.inf
        self.data = prepared
        self.cfg = dict(training_cfg or {})
        self.control = control or TrainingControl()
        self.on_event = on_event
        self._read_settings()

    # ------------------------------------------------------------------ settings
    def _read_settings(self) -> None:
        cfg, w = self.cfg, "training"
        self.epochs = _setting(cfg, "epochs", w)
        self.batch_size = _setting(cfg, "batch_size", w)
        self.shuffle = _setting(cfg, "shuffle", w)
        self.seed = _setting(cfg, "seed", w)
        reg = cfg.get("regularization") or {}
        if not isinstance(reg, dict):
            raise ParamError(f"must be an object with l1 and l2, got {reg!r}", f"{w}.regularization")
        self.l1 = _setting(reg, "l1", f"{w}.regularization")
        self.l2 = _setting(reg, "l2", f"{w}.regularization")
        loss_params = dict(cfg.get("loss_params") or {})
        self.loss = get_loss(cfg.get("loss", "categorical_crossentropy"), **loss_params)
        self.optimizer = make_optimizer(cfg.get("optimizer") or {"type": "sgd"})
        self.schedule = make_schedule(cfg.get("schedule"), self.optimizer.learning_rate, self.epochs)
        self.task = getattr(self.data, "task", "classification")
        es = cfg.get("early_stopping")
        self.early = None
        if es:
            if not isinstance(es, dict):
                raise ParamError(f"must be an object or null, got {es!r}", f"{w}.early_stopping")
            where = f"{w}.early_stopping"
            self.early = {
                "monitor": es.get("monitor") or "val_loss",
                "patience": _setting(es, "patience", where),
                "min_delta": _setting(es, "min_delta", where),
                "restore_best_weights": _setting(es, "restore_best_weights", where),
            }

    def _metric_names(self, has_val: bool) -> set[str]:
        base = ["loss"] + (["accuracy"] if self.task == "classification" else ["mae", "r2"])
        return set(base) | ({f"val_{m}" for m in base} if has_val else set())

    def _check_monitor(self, monitor: str, has_val: bool, where: str) -> None:
        if monitor in self._metric_names(has_val):
            return
        if monitor.startswith("val_") and not has_val:
            raise TrainingError(f"{where} watches {monitor}, but the data has no validation rows: "
                                "set a validation fraction or monitor the training loss")
        raise TrainingError(f'{where} watches "{monitor}", which a {self.task} run does not report; '
                            f"choose one of {', '.join(sorted(self._metric_names(has_val)))}")

    # ------------------------------------------------------------------ helpers
    def _emit(self, event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _weight_items(self):
        for nid, layer in self.net.layers.items():
            for name, arr in layer.weight_arrays().items():
                yield f"{nid}/{name}", arr

    def _copy_weights_into(self, snapshot: dict[str, np.ndarray]) -> None:
        for key, arr in self._weight_items():
            np.copyto(snapshot[key], arr)

    def _locate_nonfinite(self, pre_step: dict[str, np.ndarray] | None) -> str:
        """Where a non-finite value first appeared, walking the layers in topological order."""
        acts = self.net.activations
        for nid in self.net.order:
            layer = self.net.layers[nid]
            for name in layer.weight_arrays():
                arr = pre_step.get(f"{nid}/{name}") if pre_step else None
                if arr is not None and not np.isfinite(arr).all():
                    return f"the {name} weights of {nid} became NaN/Inf in the previous update"
            act = acts.get(nid)
            if act is not None and not np.isfinite(act).all():
                return f"the layer {nid} produced NaN/Inf values"
        for nid in self.net.order:
            for name, arr in self.net.layers[nid].weight_arrays().items():
                if not np.isfinite(arr).all():
                    return f"the {name} weights of {nid} became NaN/Inf after an update (exploding gradients)"
        return f"the loss ({self.loss.name}) became NaN/Inf at the output {self.net.output_id}"

    def _norms(self, items) -> dict[str, float]:
        sq: dict[str, float] = {}
        for key, arr in items:
            nid = key.rsplit("/", 1)[0]
            flat = arr.reshape(-1).astype(np.float64)  # float32 squares overflow past 1.8e19
            sq[nid] = sq.get(nid, 0.0) + float(np.dot(flat, flat))
        return {nid: math.sqrt(v) for nid, v in sq.items()}

    def _histograms(self, sample: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        self.net.forward(sample, training=False)
        out = {}
        for nid in self.net.order:
            if getattr(self.net.layers[nid], "type_name", "") == "Input":
                continue
            act = self.net.activations.get(nid)
            if act is None:
                continue
            values = act.reshape(-1)
            values = values[np.isfinite(values)]
            if values.size == 0:
                continue
            counts, edges = np.histogram(values, bins=HISTOGRAM_BINS)
            out[nid] = (counts, edges.astype(np.float32))
        # the same forward pass gives each Dense layer's pre-activation and kernel histograms (function lab)
        self._distributions = layer_distributions(self.net)
        return out

    def _split_metrics(self, pred: np.ndarray, y_enc: np.ndarray, y_idx: np.ndarray | None) -> dict[str, float]:
        if self.task == "classification":
            return {"accuracy": M.accuracy(y_idx, M.predicted_classes(pred, self.loss.name))}
        y_true, y_pred = self._target_units(y_enc), self._target_units(pred)
        return {"mae": M.mae(y_true, y_pred), "r2": M.r2(y_true, y_pred)}

    def _target_units(self, values: np.ndarray) -> np.ndarray:
        """Standard-unit regression values back in the target's units (the metrics a person reads)."""
        if self.net.target_scaling is None:
            return values
        mean, scale = self.net.target_scaling
        return values * scale + mean

    def _standard_units(self, y: np.ndarray) -> np.ndarray:
        """Regression targets in the units the network trains in (data.target_scaling)."""
        y = np.asarray(y, dtype=np.float32)
        if self.task == "classification" or self.net.target_scaling is None:
            return y
        mean, scale = self.net.target_scaling
        return ((y.reshape(len(y), -1) - mean) / scale).astype(np.float32)

    # ------------------------------------------------------------------ the loop
    def run(self) -> TrainingResult:
        # overflow is expected when training diverges: the NaN guard reports it, NumPy need not warn
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            data = self.data
            n_val = 0 if data.x_val is None else len(data.x_val)
            check_memory(self.net, len(data.x_train), n_val, self.batch_size, self.optimizer.name)
            self._prepare()
            try:
                return self._loop()
            except MemoryError:
                # the estimate fitted, but something else took the memory: keep the last good weights
                if getattr(self, "_good", None) is not None:
                    self.net.set_weights(self._good)
                raise TrainingError(
                    "the computer ran out of memory during training; the last good weights were kept. Use a "
                    f"smaller batch size (now {self.batch_size}) or fewer units, or close other programs") from None

    def _prepare(self) -> None:
        """Arrays in the engine's layout, buffers, the histogram sample and the weight snapshots."""
        net, data = self.net, self.data
        self.control.optimizer_type = self.optimizer.name
        in_shape = tuple(net.input_shape)
        self._n_out = n_out = int(np.prod(net.output_shape))
        self._x = x = M.reshape_inputs(data.x_train, in_shape)
        n = x.shape[0]
        if n == 0:
            raise TrainingError("the training split has no rows: lower the validation and test fractions")
        classif = self.task == "classification"
        pre = getattr(data, "preprocessor", None)
        if not classif and net.target_scaling is None and getattr(pre, "target_mean", None) is not None:
            # it trains in standard units, so it must answer in the target's own
            net.set_target_scaling(pre.target_mean, pre.target_scale)
        y_train = data.y_train if classif else self._standard_units(data.y_train)
        self._y_enc = encode_targets(self.loss.name, y_train, n_out)
        self._y_idx = np.asarray(data.y_train).reshape(-1).astype(np.int64) if classif else None
        self._val = None  # (x, y encoded, y class indices)
        if data.x_val is not None and len(data.x_val):
            y_val = data.y_val if classif else self._standard_units(data.y_val)
            self._val = (M.reshape_inputs(data.x_val, in_shape), encode_targets(self.loss.name, y_val, n_out),
                         np.asarray(data.y_val).reshape(-1).astype(np.int64) if classif else None)
        has_val = self._val is not None
        self.monitor = self.early["monitor"] if self.early else ("val_loss" if has_val else "loss")
        if self.early:
            self._check_monitor(self.monitor, has_val, "early stopping")
        plateau_monitor = getattr(self.schedule, "monitor", None)
        if plateau_monitor:
            self._check_monitor(plateau_monitor, has_val, "the reduce_on_plateau schedule")

        self._rng = np.random.default_rng(self.seed)
        sample_rng = np.random.default_rng(None if self.seed is None else self.seed + 1)
        self._sample = x[np.sort(sample_rng.choice(n, size=min(n, HISTOGRAM_ROWS), replace=False))]
        if self.shuffle:
            self._xb, self._yb = np.empty_like(x), np.empty_like(self._y_enc)
            self._ib = np.empty_like(self._y_idx) if classif else None
        else:
            self._xb, self._yb, self._ib = x, self._y_enc, self._y_idx
        self._preds = np.empty((n, n_out), dtype=np.float32)  # the batches' outputs, for training metrics
        self._augmenter = EpochAugmenter.for_data(data)  # None unless an image folder asks for it
        self._bs = min(self.batch_size, n)
        self._n_batches = -(-n // self._bs)
        # two snapshots: the weights before a batch (until its loss is seen), and the last ones that gave a
        # finite loss
        self._good = {k: np.empty_like(a) for k, a in self._weight_items()}
        self._pending = {k: np.empty_like(a) for k, a in self._good.items()}
        self._copy_weights_into(self._good)

    def _loop(self) -> TrainingResult:
        history: list[dict] = []
        self.best_value: float | None = None
        self.best_epoch: int | None = None
        self._best_weights: dict | None = None
        self._wait = 0
        reason, message = "completed", ""
        self._emit(TrainingStarted(self.epochs, self._n_batches))
        for epoch in range(1, self.epochs + 1):
            self.optimizer.learning_rate = self.schedule.lr_for_epoch(epoch - 1)
            stop = self._train_epoch(epoch)
            if stop is None:
                m = self._epoch_metrics()
                stop = self._check_finite(epoch, m)
            if stop is not None:
                reason, message = stop
                break
            lr = float(self.optimizer.learning_rate)
            history.append({"epoch": epoch, **m, "lr": lr})
            probe = self._probe_due(epoch)
            histograms = self._histograms(self._sample) if probe else {}
            self._emit(EpochEnd(epoch, m, histograms, lr, self._extras(probe)))
            self.control.epoch_done()
            self.schedule.after_epoch(epoch - 1, m)
            stop = self._early_stopping(epoch, m)
            if stop is not None:
                reason, message = stop
                break
        if reason == "completed":
            message = f"completed {len(history)} epoch{'s' if len(history) != 1 else ''}"
            if history:
                message += f"; {self.monitor} {history[-1][self.monitor]:.4g}"
        self._emit(TrainingFinished(reason, message, self.best_epoch))
        return TrainingResult(history, reason, self.best_epoch, message)

    def _train_epoch(self, epoch: int) -> tuple[str, str] | None:
        """Shuffle, then run the batches; (reason, message) when the run must end here."""
        net, ctl, n, bs, n_out = self.net, self.control, self._x.shape[0], self._bs, self._n_out
        xb, yb = self._xb, self._yb
        if self.shuffle:
            perm = self._rng.permutation(n)
            np.take(self._x, perm, axis=0, out=xb, mode="clip")
            np.take(self._y_enc, perm, axis=0, out=yb, mode="clip")
            if self._ib is not None:
                np.take(self._y_idx, perm, axis=0, out=self._ib, mode="clip")
        if self._augmenter is not None:
            xb = self._augmenter.epoch(xb)
        self._loss_sum = 0.0
        self._active = 0.0  # seconds spent training this epoch (pauses excluded)
        window_rows, window_time, last_emit = 0, 0.0, time.perf_counter()
        for b in range(self._n_batches):
            t_wait = time.perf_counter()
            if not ctl.wait_for_batch():
                # Counted like the epoch counter and the curves (complete epochs), so "epoch 2469" on the
                # dashboard is not followed by "stopped in epoch 2470".
                part = f"{b} of {self._n_batches} batches of epoch {epoch}"
                if epoch == 1:
                    when = f"after {part}" if b else "before the first batch"
                else:
                    when = f"after epoch {epoch - 1}" + (f" and {part}" if b else "")
                return "stopped", f"stopped by the user {when}"
            t0 = time.perf_counter()
            if t0 - t_wait > 0.01:  # it was paused: start the speed window afresh
                window_rows, window_time, last_emit = 0, 0.0, t0
            self._apply_changes(epoch)
            lo, hi = b * bs, min(n, (b + 1) * bs)
            snapshot = b % SNAPSHOT_EVERY == 0
            if snapshot:
                self._copy_weights_into(self._pending)
            value = net.train_batch(xb[lo:hi], yb[lo:hi], self.loss, self.optimizer, self.l1, self.l2)
            if not math.isfinite(value):
                where = self._locate_nonfinite(self._pending if snapshot else None)
                net.set_weights(self._good)
                return "nan", (f"training stopped at epoch {epoch}, batch {b + 1}: {where}; the last good weights "
                               "were restored. Try a lower learning rate or scaled inputs")
            if snapshot:  # these weights just gave a finite loss: they are the new last good ones
                self._good, self._pending = self._pending, self._good
            self._loss_sum += value * (hi - lo)
            self._preds[lo:hi] = net.activations[net.output_id].reshape(hi - lo, n_out)
            t1 = time.perf_counter()
            self._active += t1 - t0
            window_rows += hi - lo
            window_time += t1 - t0
            # Every batch let through by "Step batch" is reported, so a step visibly does something.
            if t1 - last_emit >= BATCH_EVENT_INTERVAL or b == self._n_batches - 1 or ctl.stepping_batches:
                speed = window_rows / window_time if window_time > 0 else 0.0
                self._emit(BatchEnd(epoch, b + 1, float(value), speed))
                window_rows, window_time, last_emit = 0, 0.0, t1
        return None

    def _epoch_metrics(self) -> dict[str, float]:
        m: dict[str, float] = {"loss": self._loss_sum / self._x.shape[0]}
        m.update(self._split_metrics(self._preds, self._yb, self._ib))
        if self._val is not None:
            x_val, y_val_enc, y_val_idx = self._val
            pv = self.net.predict_raw(x_val).reshape(x_val.shape[0], self._n_out)  # standard units, as the loss
            # with the L1/L2 penalty, as the training loss has it (Keras does the same)
            penalty = self.net.penalty(self.l1, self.l2) if (self.l1 or self.l2) else 0.0
            m["val_loss"] = float(self.loss.forward(pv, y_val_enc)) + penalty
            m.update({f"val_{k}": v for k, v in self._split_metrics(pv, y_val_enc, y_val_idx).items()})
        return m

    def _check_finite(self, epoch: int, m: dict[str, float]) -> tuple[str, str] | None:
        """The last step may have broken the weights without a loss to show it yet."""
        weights_finite = all(np.isfinite(a).all() for _, a in self._weight_items())
        if weights_finite and all(math.isfinite(v) for v in m.values()):
            return None
        self.net.forward(self._sample, training=False)
        where = self._locate_nonfinite(None)
        self.net.set_weights(self._good)
        return "nan", (f"training stopped at the end of epoch {epoch}: {where}; the last good weights were "
                       "restored. Try a lower learning rate or scaled inputs")

    def _probe_due(self, epoch: int) -> bool:
        """Histograms and norms for this epoch? A millisecond epoch must not pay for a forward pass and a
        histogram per layer that nobody sees: the window repaints a few times a second, whatever the rate."""
        if self.probe_interval is None:
            return False
        now, cpu = time.perf_counter(), time.thread_time()
        # Also apart by the CPU time training got: on a busy machine, where this thread waits for a core, four
        # probes a second of wall time were a larger share of its work (iris at a seventh of a core: +7 %). A run
        # slowed down on purpose (the speed control) sleeps instead: wall time alone counts there.
        spaced = now - self._last_probe >= self.probe_interval and (
            cpu - self._last_probe_cpu >= self.probe_interval or getattr(self.control, "batch_delay", 0) > 0)
        if epoch == 1 or epoch == self.epochs or spaced or getattr(self.control, "held", False):
            self._last_probe, self._last_probe_cpu = now, cpu
            return True
        return False

    def _extras(self, probe: bool = True) -> dict:
        if not probe:
            return {"seconds": self._active}
        return {
            "weight_norms": self._norms(self.net.parameters()),
            "grad_norms": self._norms(self.net.gradients()),
            "seconds": self._active,
            **getattr(self, "_distributions", {}),
        }

    def _early_stopping(self, epoch: int, m: dict[str, float]) -> tuple[str, str] | None:
        """Track the best epoch (always) and stop when early stopping's patience has run out."""
        es = self.early
        value = m[self.monitor]
        if improved(value, self.best_value, monitor_mode(self.monitor), es["min_delta"] if es else 0.0):
            self.best_value, self.best_epoch, self._wait = value, epoch, 0
            if es and es["restore_best_weights"]:
                self._best_weights = self.net.get_weights()
            return None
        if not es:
            return None
        self._wait += 1
        if self._wait < es["patience"]:
            return None
        message = (f"early stopping after epoch {epoch}: {self.monitor} did not improve for {self._wait} "
                   f"epoch{'s' if self._wait != 1 else ''} (best {self.best_value:.4g} at epoch {self.best_epoch})")
        if self._best_weights is not None:
            self.net.set_weights(self._best_weights)
            message += "; the best weights were restored"
        return "early_stopping", message

    def _apply_changes(self, epoch: int) -> None:
        lr, params = self.control.take_changes()
        for name, value in params.items():
            self.optimizer.set_param(name, value)
        if lr is not None:
            self.optimizer.learning_rate = lr
            self.schedule.rebase(lr, epoch - 1)
