"""Quality measures for predictions, and `evaluate` with exactly the CLI's keys.

Classification: class indices come from the network output by argmax, or — for a single output unit —
by a threshold (0.5 for probabilities, 0 for hinge's ±1 scores). Confusion matrices have one row per true
class and one column per predicted class.
"""

from __future__ import annotations

import numpy as np

from designer.errors import DataError


def predicted_classes(output: np.ndarray, loss_name: str = "") -> np.ndarray:
    out = output.reshape(output.shape[0], -1)
    if out.shape[1] == 1:
        threshold = 0.0 if loss_name == "hinge" else 0.5
        return (out[:, 0] > threshold).astype(np.int64)
    return out.argmax(axis=1).astype(np.int64)


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_true = np.asarray(y_true).reshape(-1)
    if y_true.size == 0:
        return float("nan")
    return float(np.mean(y_true == np.asarray(y_pred).reshape(-1)))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """int64 (n_classes, n_classes): [i, j] counts rows of true class i predicted as class j."""
    t = np.asarray(y_true, dtype=np.int64).reshape(-1)
    p = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    if t.size:  # a label beyond n_classes would silently land in another cell
        n_classes = max(n_classes, int(t.max()) + 1, int(p.max()) + 1)
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def precision_recall_f1(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Per class; 0 where a ratio is undefined (no predictions, or no rows of that class)."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted = cm.sum(axis=0)
    actual = cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": actual.astype(np.int64)}


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    # (n, outputs) with the width spelled out: reshape(0, -1) cannot infer it for zero rows
    return (t.reshape(t.shape[0], int(np.prod(t.shape[1:]))), p.reshape(p.shape[0], int(np.prod(p.shape[1:]))))


def mae(y_true, y_pred) -> float:
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(t - p))) if t.size else float("nan")


def rmse(y_true, y_pred) -> float:
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((t - p) ** 2))) if t.size else float("nan")


def r2(y_true, y_pred) -> float:
    """Coefficient of determination, averaged over outputs; a constant target scores 1 when predicted
    exactly and 0 otherwise (as scikit-learn)."""
    t, p = _pair(y_true, y_pred)
    if t.shape[0] == 0:
        return float("nan")
    ss_res = ((t - p) ** 2).sum(axis=0)
    ss_tot = ((t - t.mean(axis=0)) ** 2).sum(axis=0)
    scores = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0), np.where(ss_res == 0, 1.0, 0.0))
    return float(scores.mean())


def reshape_inputs(x: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
    """Flat float32 rows → (n, *input_shape) in C order (spec "Data"); a view when possible."""
    x = np.asarray(x, dtype=np.float32)
    shape = tuple(input_shape)
    if x.shape[1:] == shape:
        return x
    per_row = int(np.prod(x.shape[1:])) if x.ndim > 1 else 1
    if per_row != int(np.prod(shape)):
        raise DataError(
            f"the data has {per_row} values per row but the network's input has shape {list(shape)} "
            f"({int(np.prod(shape))} values)"
        )
    return np.ascontiguousarray(x.reshape((x.shape[0],) + shape))


def evaluate(network, x: np.ndarray, y: np.ndarray, loss, task: str, classes: list[str] | None = None,
             pred: np.ndarray | None = None) -> dict:
    """The CLI's `evaluate` object: `loss`, then `accuracy` and `confusion_matrix` (classification) or
    `mae`, `rmse`, `r2` (regression), and `samples`. `loss` is a loss object or a loss name; `pred` is the
    network's output on `x` when the caller has it already."""
    from designer.engine.losses import encode_targets, get_loss

    if isinstance(loss, str):
        loss = get_loss(loss)
    n = int(np.asarray(x).shape[0])
    if n == 0:
        raise DataError("there are no rows to evaluate: the chosen split is empty")
    if pred is None:
        pred = network.predict(reshape_inputs(x, network.input_shape))
    n_out = int(np.prod(pred.shape[1:]))
    y_enc = encode_targets(loss.name, y, n_out)
    out: dict = {"loss": float(loss.forward(pred.reshape(n, n_out), y_enc))}
    if task == "classification":
        n_classes = len(classes) if classes else max(n_out, 2)
        y_idx = np.asarray(y).reshape(-1).astype(np.int64)
        y_hat = predicted_classes(pred, loss.name)
        out["accuracy"] = accuracy(y_idx, y_hat)
        out["confusion_matrix"] = confusion_matrix(y_idx, y_hat, n_classes).tolist()
    else:
        out["mae"] = mae(y, pred)
        out["rmse"] = rmse(y, pred)
        out["r2"] = r2(y, pred)
    out["samples"] = n
    return out
