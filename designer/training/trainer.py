"""The fit loop: shuffled mini-batches, per-batch and per-epoch events, pause/step/stop, schedules, early
stopping and a NaN guard. Plain Python + NumPy; the UI runs `Trainer.run()` on a worker thread.

Cheap by design: data is float32 and reshaped once; each epoch shuffles into preallocated buffers with
`np.take(..., out=buf, mode="clip")` (the default mode silently copies everything once more); training
metrics come from the outputs the batches computed anyway (as Keras reports them); histograms use a fixed
sample of at most 256 training rows, once per epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from designer.engine.losses import encode_targets, get_loss
from designer.engine.optimizers import make_optimizer
from designer.engine.registry import ParamSpec
from designer.errors import ParamError, TrainingError
from designer.training import metrics as M
from designer.training.control import TrainingControl
from designer.training.events import BatchEnd, EpochEnd, TrainingFinished, TrainingResult, TrainingStarted
from designer.training.schedules import improved, make_schedule, monitor_mode

HISTOGRAM_ROWS = 256
HISTOGRAM_BINS = 30
BATCH_EVENT_INTERVAL = 0.05  # seconds: at most ~20 BatchEnd events per second

_SPECS = {
    "epochs": ParamSpec("epochs", "int", 50, 1, 1_000_000),
    "batch_size": ParamSpec("batch_size", "int", 32, 1, 1_000_000),
    "shuffle": ParamSpec("shuffle", "bool", True),
    "seed": ParamSpec("seed", "int", None, 0, 2**32 - 1),
    "l1": ParamSpec("l1", "float", 0.0, 0.0, None),
    "l2": ParamSpec("l2", "float", 0.0, 0.0, None),
    "patience": ParamSpec("patience", "int", 5, 0, 1_000_000),
    "min_delta": ParamSpec("min_delta", "float", 0.0, 0.0, None),
    "restore_best_weights": ParamSpec("restore_best_weights", "bool", True),
}


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
    ):
        self.net = network
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
        return out

    def _split_metrics(self, pred: np.ndarray, y_enc: np.ndarray, y_idx: np.ndarray | None) -> dict[str, float]:
        if self.task == "classification":
            return {"accuracy": M.accuracy(y_idx, M.predicted_classes(pred, self.loss.name))}
        return {"mae": M.mae(y_enc, pred), "r2": M.r2(y_enc, pred)}

    # ------------------------------------------------------------------ the loop
    def run(self) -> TrainingResult:
        # overflow is expected when training diverges: the NaN guard reports it, NumPy need not warn
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._run()

    def _run(self) -> TrainingResult:
        net, data, ctl = self.net, self.data, self.control
        ctl.optimizer_type = self.optimizer.name
        in_shape = tuple(net.input_shape)
        n_out = int(np.prod(net.output_shape))
        x = M.reshape_inputs(data.x_train, in_shape)
        n = x.shape[0]
        if n == 0:
            raise TrainingError("the training split has no rows: lower the validation and test fractions")
        y_enc = encode_targets(self.loss.name, data.y_train, n_out)
        classif = self.task == "classification"
        y_idx = np.asarray(data.y_train).reshape(-1).astype(np.int64) if classif else None
        x_val = M.reshape_inputs(data.x_val, in_shape) if data.x_val is not None else None
        has_val = x_val is not None and x_val.shape[0] > 0
        if has_val:
            y_val_enc = encode_targets(self.loss.name, data.y_val, n_out)
            y_val_idx = np.asarray(data.y_val).reshape(-1).astype(np.int64) if classif else None
        monitor = self.early["monitor"] if self.early else ("val_loss" if has_val else "loss")
        if self.early:
            self._check_monitor(monitor, has_val, "early stopping")
        plateau_monitor = getattr(self.schedule, "monitor", None)
        if plateau_monitor:
            self._check_monitor(plateau_monitor, has_val, "the reduce_on_plateau schedule")
        mode = monitor_mode(monitor)

        rng = np.random.default_rng(self.seed)
        sample_rng = np.random.default_rng(None if self.seed is None else self.seed + 1)
        sample = x[np.sort(sample_rng.choice(n, size=min(n, HISTOGRAM_ROWS), replace=False))]
        if self.shuffle:
            xb, yb = np.empty_like(x), np.empty_like(y_enc)
            ib = np.empty_like(y_idx) if classif else None
        else:
            xb, yb, ib = x, y_enc, y_idx
        preds = np.empty((n, n_out), dtype=np.float32)
        bs = min(self.batch_size, n)
        n_batches = -(-n // bs)
        # two snapshots: the weights of the batch about to run, and the last ones that gave a finite loss
        good = {k: np.empty_like(a) for k, a in self._weight_items()}
        pending = {k: np.empty_like(a) for k, a in good.items()}
        self._copy_weights_into(good)

        history: list[dict] = []
        best_value: float | None = None
        best_epoch: int | None = None
        best_weights: dict | None = None
        wait = 0
        reason, message = "completed", ""
        self._emit(TrainingStarted(self.epochs, n_batches))

        for epoch in range(1, self.epochs + 1):
            self.optimizer.learning_rate = self.schedule.lr_for_epoch(epoch - 1)
            if self.shuffle:
                perm = rng.permutation(n)
                np.take(x, perm, axis=0, out=xb, mode="clip")
                np.take(y_enc, perm, axis=0, out=yb, mode="clip")
                if classif:
                    np.take(y_idx, perm, axis=0, out=ib, mode="clip")
            loss_sum = 0.0
            active = 0.0  # seconds spent training this epoch (pauses excluded)
            window_rows, window_time, last_emit = 0, 0.0, time.perf_counter()
            for b in range(n_batches):
                t_wait = time.perf_counter()
                if not ctl.wait_for_batch():
                    reason = "stopped"
                    message = f"stopped by the user during epoch {epoch} (after {b} of {n_batches} batches)"
                    break
                t0 = time.perf_counter()
                if t0 - t_wait > 0.01:  # paused: start the speed window afresh
                    window_rows, window_time, last_emit = 0, 0.0, t0
                self._apply_changes(epoch)
                lo, hi = b * bs, min(n, (b + 1) * bs)
                self._copy_weights_into(pending)
                value = net.train_batch(xb[lo:hi], yb[lo:hi], self.loss, self.optimizer, self.l1, self.l2)
                if not math.isfinite(value):
                    where = self._locate_nonfinite(pending)
                    net.set_weights(good)
                    reason = "nan"
                    message = (f"training stopped at epoch {epoch}, batch {b + 1}: {where}; the last good weights "
                               "were restored. Try a lower learning rate or scaled inputs")
                    break
                good, pending = pending, good
                loss_sum += value * (hi - lo)
                out = net.activations.get(net.output_id)
                preds[lo:hi] = out.reshape(hi - lo, n_out)
                t1 = time.perf_counter()
                active += t1 - t0
                window_rows += hi - lo
                window_time += t1 - t0
                if t1 - last_emit >= BATCH_EVENT_INTERVAL or b == n_batches - 1:
                    speed = window_rows / window_time if window_time > 0 else 0.0
                    self._emit(BatchEnd(epoch, b + 1, float(value), speed))
                    window_rows, window_time, last_emit = 0, 0.0, t1
            if reason != "completed":
                break

            # ---- end of epoch: metrics, guard, events
            m: dict[str, float] = {"loss": loss_sum / n}
            m.update(self._split_metrics(preds, yb, ib))
            if has_val:
                pv = net.predict(x_val).reshape(x_val.shape[0], n_out)
                m["val_loss"] = float(self.loss.forward(pv, y_val_enc))
                m.update({f"val_{k}": v for k, v in self._split_metrics(pv, y_val_enc, y_val_idx).items()})
            weights_finite = all(np.isfinite(a).all() for _, a in self._weight_items())
            if not weights_finite or not all(math.isfinite(v) for v in m.values()):
                self.net.forward(sample, training=False)
                where = self._locate_nonfinite(None)
                net.set_weights(good)
                reason = "nan"
                message = (f"training stopped at the end of epoch {epoch}: {where}; the last good weights were "
                           "restored. Try a lower learning rate or scaled inputs")
                break
            lr = float(self.optimizer.learning_rate)
            extras = {
                "weight_norms": self._norms(net.parameters()),
                "grad_norms": self._norms(net.gradients()),
                "seconds": active,
            }
            hist = self._histograms(sample)
            history.append({"epoch": epoch, **m, "lr": lr})
            self._emit(EpochEnd(epoch, m, hist, lr, extras))
            ctl.epoch_done()
            self.schedule.after_epoch(epoch - 1, m)

            value = m[monitor]
            if improved(value, best_value, mode, self.early["min_delta"] if self.early else 0.0):
                best_value, best_epoch, wait = value, epoch, 0
                if self.early and self.early["restore_best_weights"]:
                    best_weights = net.get_weights()
            elif self.early:
                wait += 1
                if wait >= self.early["patience"]:
                    reason = "early_stopping"
                    message = (f"early stopping after epoch {epoch}: {monitor} did not improve for {wait} "
                               f"epoch{'s' if wait != 1 else ''} (best {best_value:.4g} at epoch {best_epoch})")
                    if best_weights is not None:
                        net.set_weights(best_weights)
                        message += "; the best weights were restored"
                    break

        if reason == "completed":
            message = f"completed {len(history)} epoch{'s' if len(history) != 1 else ''}"
            if history:
                message += f"; {monitor} {history[-1][monitor]:.4g}"
        self._emit(TrainingFinished(reason, message, best_epoch))
        return TrainingResult(history, reason, best_epoch, message)

    def _apply_changes(self, epoch: int) -> None:
        lr, params = self.control.take_changes()
        for name, value in params.items():
            self.optimizer.set_param(name, value)
        if lr is not None:
            self.optimizer.learning_rate = lr
            self.schedule.rebase(lr, epoch - 1)
