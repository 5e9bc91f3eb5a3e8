"""Losses averaged over the batch (Keras conventions), their gradients, and target encoding.

A loss object caches what its gradient needs:
  value = loss.forward(pred, y_enc)   # python float
  grad  = loss.backward()             # dL/dpred, same shape as pred
  grad  = loss.backward_fused()       # dL/dlogits when pred = softmax/sigmoid(logits) (CCE/BCE only)
Categorical cross-entropy sums over the class axis and averages over rows; every other loss averages over
all output values (as Keras does: mean over the last axis, then over the batch). Probabilities are
clipped to [1e-7, 1 − 1e-7] before the logarithm, as Keras does.
"""

from __future__ import annotations

import functools

import numpy as np

from designer.engine.registry import LOSSES, coerce_choice_params
from designer.errors import ParamError, TrainingError

EPSILON = 1e-7


class Loss:
    name = ""
    #: the output activation whose pairing with this loss has the fused gradient (pred − y) / n
    fused_activation: str | None = None

    def __init__(self) -> None:
        self.pred: np.ndarray | None = None
        self.y: np.ndarray | None = None
        self._grad: np.ndarray | None = None

    def forward(self, pred: np.ndarray, y: np.ndarray) -> float:
        self._take(pred, y)
        return self._value(pred, y)

    def _take(self, pred: np.ndarray, y: np.ndarray) -> None:
        """Keep the batch for the gradient, once its shape is checked."""
        if pred.shape != y.shape:
            raise TrainingError(f"{self.name}: targets have shape {list(y.shape)}, outputs {list(pred.shape)}")
        self.pred, self.y = pred, y

    # For a caller that passes the same prediction array on every step (the Dense plan, per batch size):
    # forward and backward_fused with their buffers made once (for the tiny networks of the Playground a step
    # is mostly call overhead). The same results as forward/backward_fused, which they leave in place.
    def bound_forward(self, pred: np.ndarray):
        """`forward(pred, y)` as a call of `y`."""
        return functools.partial(self.forward, pred)

    def bound_backward_fused(self, pred: np.ndarray):
        """`backward_fused(scale)` after `bound_forward(pred)`, as a call of `scale`, into a buffer of its own."""
        self._check_fused()
        g, count = np.empty_like(pred), self._count(pred)
        return lambda scale=1.0: _fused_gradient(pred, self.y, count, g, scale)

    def backward(self) -> np.ndarray:
        return self._gradient(self.pred, self.y, self._grad_buffer())

    def backward_fused(self, scale: float = 1.0) -> np.ndarray:
        """(pred − y) / n: the gradient w.r.t. the logits of a softmax (CCE) or sigmoid (BCE) output.

        `scale` multiplies it at no extra cost (the network folds a plain SGD learning rate in here).
        """
        self._check_fused()
        return _fused_gradient(self.pred, self.y, self._count(self.pred), self._grad_buffer(), scale)

    def _check_fused(self) -> None:
        if self.fused_activation is None:
            raise TypeError(f"{self.name} has no fused gradient")

    # ------------------------------------------------------------------ per loss
    def _count(self, pred: np.ndarray) -> int:
        """How many terms the sum is averaged over."""
        return pred.size

    def _value(self, pred, y) -> float:
        raise NotImplementedError

    def _gradient(self, pred, y, out) -> np.ndarray:
        raise NotImplementedError

    def _scratch(self, like: np.ndarray) -> np.ndarray:
        """A work array shaped like the predictions, kept while the batch shape stays the same."""
        t = getattr(self, "_work", None)
        if t is None or t.shape != like.shape or t.dtype != like.dtype:
            t = self._work = np.empty_like(like)
        return t

    def _grad_buffer(self) -> np.ndarray:
        # one buffer reused while the batch shape stays the same (the common case)
        p = self.pred
        if self._grad is None or self._grad.shape != p.shape or self._grad.dtype != p.dtype:
            self._grad = np.empty_like(p)
        return self._grad


def _clipped(p: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # two ufunc calls are cheaper than np.clip's Python-level dispatch on small batches
    t = np.maximum(p, EPSILON, out=out)
    return np.minimum(t, 1.0 - EPSILON, out=t)


def _inside_clip(p: np.ndarray) -> np.ndarray:
    return (p > EPSILON) & (p < 1.0 - EPSILON)


def _fused_gradient(pred: np.ndarray, y: np.ndarray, count: int, out: np.ndarray, scale: float) -> np.ndarray:
    """scale · (pred − y) / count into `out`."""
    np.subtract(pred, y, out)
    return np.multiply(out, scale / count, out)


def _mean_log_loss(pred: np.ndarray, y: np.ndarray, work: np.ndarray, count: int) -> float:
    """−Σ y·log(clipped pred) / count, with `work` (shaped like pred) for the logarithms."""
    t = _clipped(pred, work)
    np.log(t, t)
    return -float(np.vdot(y, t)) / count


class CategoricalCrossentropy(Loss):
    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def _count(self, pred):
        return pred.size // pred.shape[-1]

    def _value(self, pred, y):
        return _mean_log_loss(pred, y, self._scratch(pred), self._count(pred))

    def bound_forward(self, pred):
        t, count = np.empty_like(pred), self._count(pred)

        def forward(y):
            self._take(pred, y)
            return _mean_log_loss(pred, y, t, count)

        return forward

    def _gradient(self, pred, y, out):
        np.divide(y, _clipped(pred), out)
        out *= -1.0 / self._count(pred)
        out *= _inside_clip(pred)  # the clip is flat outside its range
        return out


class BinaryCrossentropy(Loss):
    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def _value(self, pred, y):
        p = _clipped(pred)
        log_p = np.log(p)
        log_q = np.log1p(-p)
        # y·log p + (1 − y)·log(1 − p) = y·(log p − log q) + log q
        log_p -= log_q
        total = float(np.vdot(y, log_p)) + float(log_q.sum())
        return -total / pred.size

    def _gradient(self, pred, y, out):
        p = _clipped(pred)
        np.subtract(p, y, out)
        out /= p * (1.0 - p)
        out *= _inside_clip(pred) / pred.size
        return out


class Hinge(Loss):
    name = "hinge"

    def _value(self, pred, y):
        margin = 1.0 - y * pred
        np.maximum(margin, 0.0, out=margin)
        return float(margin.sum()) / pred.size

    def _gradient(self, pred, y, out):
        np.multiply(y, -1.0 / pred.size, out)
        out *= (y * pred) < 1.0
        return out


class MeanAbsoluteError(Loss):
    name = "mean_absolute_error"

    def _value(self, pred, y):
        return float(np.abs(pred - y).sum()) / pred.size

    def _gradient(self, pred, y, out):
        np.subtract(pred, y, out)
        np.sign(out, out)
        out *= 1.0 / pred.size
        return out


class MeanSquaredError(Loss):
    name = "mean_squared_error"

    def _value(self, pred, y):
        e = pred - y
        return float(np.vdot(e, e)) / pred.size

    def _gradient(self, pred, y, out):
        np.subtract(pred, y, out)
        out *= 2.0 / pred.size
        return out


class Huber(Loss):
    name = "huber"

    def __init__(self, delta: float = 1.0):
        super().__init__()
        self.delta = float(delta)

    def _value(self, pred, y):
        a = np.abs(pred - y)
        quad = np.minimum(a, self.delta)
        # 0.5·q² + δ·(|e| − q): quadratic inside delta, linear beyond
        lin = a - quad
        return float(0.5 * np.vdot(quad, quad) + self.delta * lin.sum()) / pred.size

    def _gradient(self, pred, y, out):
        np.subtract(pred, y, out)
        np.clip(out, -self.delta, self.delta, out=out)
        out *= 1.0 / pred.size
        return out


_CLASSES: dict[str, type[Loss]] = {
    c.name: c
    for c in (CategoricalCrossentropy, BinaryCrossentropy, Hinge, MeanAbsoluteError, MeanSquaredError, Huber)
}
assert set(_CLASSES) == set(LOSSES), "losses.py and the registry must list the same names"

CLASSIFICATION_LOSSES = ("categorical_crossentropy", "binary_crossentropy", "hinge")


def get_loss(name: str, **params) -> Loss:
    """The loss called `name`; parameters are checked against the registry (unknown keys ignored)."""
    cls = _CLASSES.get(name)
    if cls is None:
        raise ParamError(f'unknown loss "{name}"; known: {", ".join(_CLASSES)}', "training.loss")
    checked = coerce_choice_params(LOSSES, name, params, "training.loss")
    spec_names = {p.name for p in LOSSES[name].params}
    return cls(**{k: v for k, v in checked.items() if k in spec_names})


def _class_indices(loss_name: str, y: np.ndarray, n_outputs: int) -> np.ndarray:
    flat = y.reshape(-1)
    if not np.issubdtype(flat.dtype, np.integer):
        if not np.all(np.isfinite(flat)) or not np.all(flat == np.round(flat)):
            raise TrainingError(f"{loss_name} needs class labels as targets, got non-integer values")
        flat = flat.astype(np.int64)
    if flat.size and flat.min() < 0:
        raise TrainingError(f"{loss_name} needs class labels from 0 up as targets, got {int(flat.min())}")
    if flat.size and n_outputs > 1 and flat.max() >= n_outputs:
        raise TrainingError(
            f"{loss_name}: the targets have {int(flat.max()) + 1} classes but the output layer has "
            f"{n_outputs} unit{'s' if n_outputs != 1 else ''}; give it one unit per class"
        )
    return flat


def _one_hot(idx: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((idx.size, n), dtype=np.float32)
    out[np.arange(idx.size), idx] = 1.0
    return out


def encode_targets(loss_name: str, y, n_outputs: int) -> np.ndarray:
    """Targets as the loss needs them, float32 of shape (n, n_outputs).

    categorical_crossentropy: one-hot; binary_crossentropy: 0/1 (one-vs-all with several outputs);
    hinge: ±1 (one-vs-all with several outputs); regression losses: values pass through (integer class
    indices with several outputs are one-hot encoded, e.g. mean squared error on a softmax output).
    Targets already encoded as (n, n_outputs) floats pass through unchanged.
    """
    if loss_name not in _CLASSES:
        raise ParamError(f'unknown loss "{loss_name}"; known: {", ".join(_CLASSES)}', "training.loss")
    y = np.asarray(y)
    n = y.shape[0] if y.ndim else 1
    if y.ndim == 2 and y.shape[1] == n_outputs > 1 and np.issubdtype(y.dtype, np.floating):
        return np.ascontiguousarray(y, dtype=np.float32)
    if loss_name == "categorical_crossentropy":
        if n_outputs < 2:
            raise TrainingError(
                "categorical_crossentropy needs one output unit per class (with softmax); the output layer "
                "has 1 unit: use binary_crossentropy with a sigmoid for two classes"
            )
        return _one_hot(_class_indices(loss_name, y, n_outputs), n_outputs)
    if loss_name in ("binary_crossentropy", "hinge"):
        idx = _class_indices(loss_name, y, n_outputs)
        if n_outputs == 1:
            if idx.size and idx.max() > 1:
                raise TrainingError(
                    f"{loss_name} with one output unit needs two classes, the targets have {int(idx.max()) + 1}: "
                    "give the output layer one unit per class"
                )
            enc = idx.astype(np.float32).reshape(n, 1)
        else:
            enc = _one_hot(idx, n_outputs)
        if loss_name == "hinge":
            enc = enc * 2.0 - 1.0
        return enc.astype(np.float32, copy=False)
    # regression losses
    if np.issubdtype(y.dtype, np.integer) and n_outputs > 1 and y.size == n:
        return _one_hot(_class_indices(loss_name, y, n_outputs), n_outputs)
    if y.size != n * n_outputs:
        per_row = y.size // n if n else 0
        raise TrainingError(
            f"{loss_name}: the targets have {per_row} value{'s' if per_row != 1 else ''} per sample but the output "
            f"layer has {n_outputs} unit{'s' if n_outputs != 1 else ''}"
        )
    return np.ascontiguousarray(y.reshape(n, n_outputs), dtype=np.float32)
