"""What a run looks at besides its loss: the final evaluation with the rows it gets most wrong, and, for
2-feature data, the decision-boundary grid and per-neuron maps over the input plane.

Pure NumPy, no Qt: the window's training process calls these as it trains, the CLI and tests call them
directly. Grids cover the data range plus MARGIN, the same window for the boundary and the neuron maps.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from designer.engine.losses import encode_targets, get_loss
from designer.training.cell_rows import cell_rows
from designer.training.importance import importance_for_run
from designer.training.metrics import evaluate, precision_recall_f1, predicted_classes, reshape_inputs

BOUNDARY_RESOLUTION = 60
WORST_ROWS = 20
WORST_FEATURE_COLUMNS = 12  # wider inputs (images) list only row, labels, confidence and loss
MARGIN = 0.1  # fraction of the data range added on each side, so points never sit on the edge


def boundary_grid(
    predict_fn: Callable[[np.ndarray], np.ndarray], x2d: np.ndarray, resolution: int = 60
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate `predict_fn` on a grid over the 2-D data range plus a margin.

    Returns ``(xs, ys, values)`` with ``xs`` (resolution,), ``ys`` (resolution,) and ``values``
    (resolution, resolution) indexed ``[iy, ix]``. Values: the output itself for one output column
    (regression prediction or binary sigmoid probability), probability of class 1 for two columns,
    the arg-max class index for more.
    """
    x2d = np.asarray(x2d, dtype=np.float64)
    if x2d.ndim != 2 or x2d.shape[1] != 2 or len(x2d) == 0:
        raise ValueError(f"boundary_grid needs points of shape (n, 2), got {x2d.shape}")
    resolution = max(2, int(resolution))
    lo, hi = x2d.min(axis=0), x2d.max(axis=0)
    span = hi - lo
    span = np.where(span > 0, span, 1.0)  # a single point or a flat axis still gets a visible window
    lo, hi = lo - MARGIN * span, hi + MARGIN * span
    xs = np.linspace(lo[0], hi[0], resolution)
    ys = np.linspace(lo[1], hi[1], resolution)
    gx, gy = np.meshgrid(xs, ys)  # (ny, nx)
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)
    out = np.asarray(predict_fn(grid), dtype=np.float64)
    if out.ndim == 1:
        out = out[:, None]
    out = out.reshape(len(grid), -1)
    if out.shape[1] == 1:
        values = out[:, 0]
    elif out.shape[1] == 2:
        values = out[:, 1]
    else:
        values = np.argmax(out, axis=1).astype(np.float64)
    return xs, ys, values.reshape(gx.shape)


MAX_UNITS = 16  # a new Dense layer's default (16 units) gets its maps; more stop being readable at dashboard size
MAX_MAPS = 48  # all layers together
NEURON_RESOLUTION = 30
MAP_LAYER_TYPES = {"Dense", "Activation"}


def neuron_layers(graph, network) -> list[str]:
    """The hidden layers to map, in network order: Dense/Activation layers of a 2-input network with a flat
    output of at most MAX_UNITS units (the output layer is the decision boundary's job). [] when none fit."""
    if tuple(getattr(network, "input_shape", ()) or ()) != (2,):
        return []
    output_id = getattr(network, "output_id", None)
    chosen: list[str] = []
    total = 0
    for nid in network.order:
        node = graph.nodes.get(nid)
        if node is None or node.type not in MAP_LAYER_TYPES or nid == output_id:
            continue
        shape = tuple(getattr(network.layers[nid], "output_shape", ()) or ())
        units = int(shape[0]) if len(shape) == 1 else 0
        if not 0 < units <= MAX_UNITS or total + units > MAX_MAPS:
            continue
        chosen.append(nid)
        total += units
    return chosen


def plane_grid(x2d: np.ndarray, resolution: int = NEURON_RESOLUTION) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, points): the same window as the decision boundary (data range plus MARGIN), points (r*r, 2)
    in row-major [iy, ix] order."""
    x2d = np.asarray(x2d, dtype=np.float64)
    lo, hi = x2d.min(axis=0), x2d.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    lo, hi = lo - MARGIN * span, hi + MARGIN * span
    xs = np.linspace(lo[0], hi[0], resolution)
    ys = np.linspace(lo[1], hi[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)


def neuron_maps(network, layer_ids: list[str], points: np.ndarray, resolution: int) -> dict[str, np.ndarray]:
    """layer id → float32 (units, resolution, resolution) indexed [unit, iy, ix], each unit scaled by its own
    largest |value| into [-1, 1] (sign and shape matter, not the scale; 0 stays 0)."""
    network.forward(points, training=False)
    out: dict[str, np.ndarray] = {}
    for lid in layer_ids:
        act = network.activations.get(lid)
        if act is None:
            continue
        values = np.asarray(act, dtype=np.float32).reshape(len(points), -1).T  # (units, r*r)
        values = np.where(np.isfinite(values), values, 0.0)
        peak = np.abs(values).max(axis=1, keepdims=True)
        values = np.divide(values, peak, out=np.zeros_like(values), where=peak > 0)
        out[lid] = values.reshape(-1, resolution, resolution)
    return out


def worst_rows(network, x: np.ndarray, y: np.ndarray, loss, prepared, count: int = WORST_ROWS,
               split: str | None = None, pred: np.ndarray | None = None) -> list[dict]:
    """The `count` rows of (x, y) the network gets most wrong, worst first: per-row loss (classification) or
    absolute error (regression), with the row's feature values when there are few features — as they were
    read (text categories, missing cells, original units) and numbered by data row when `split` names a
    split whose raw rows the prepared data kept, else the prepared (scaled, encoded) values."""
    n = int(len(x))
    if n == 0:
        return []
    if pred is None:
        pred = network.predict(reshape_inputs(x, network.input_shape))
    pred = np.asarray(pred, dtype=np.float64).reshape(n, -1)
    flat = np.asarray(x).reshape(n, -1)
    raw = (getattr(prepared, "raw_rows", None) or {}).get(split)
    if raw is not None and len(raw) != n:
        raw = None
    names = list(prepared.feature_names or [])
    if len(names) != flat.shape[1]:
        names = [f"x{i + 1}" for i in range(flat.shape[1])]
    show_features = (raw.shape[1] if raw is not None else flat.shape[1]) <= WORST_FEATURE_COLUMNS
    if prepared.task == "classification":
        y_enc = encode_targets(loss.name, y, pred.shape[1]).reshape(n, -1)
        # Per-row loss with the run's own loss function: a handful of hundred tiny calls, on this thread.
        per_row = np.array([float(loss.forward(pred[i:i + 1].astype(np.float32), y_enc[i:i + 1])) for i in range(n)])
        y_hat = predicted_classes(pred, loss.name)
        if pred.shape[1] == 1:
            confidence = np.where(y_hat == 1, pred[:, 0], 1.0 - pred[:, 0])
        else:
            confidence = pred[np.arange(n), y_hat]
        classes = [str(c) for c in prepared.classes]
        y_idx = np.asarray(y).reshape(-1).astype(np.int64)
    else:
        y_true = np.asarray(y, dtype=np.float64).reshape(n, -1)
        per_row = np.abs(pred - y_true).mean(axis=1)
    order = np.argsort(-np.where(np.isfinite(per_row), per_row, np.inf), kind="stable")[:count]
    rows: list[dict] = []
    for i in order:
        if raw is not None:
            label = raw.index[i]
            row: dict = {"row": int(label) + 1 if isinstance(label, (int, np.integer)) else str(label)}
            if show_features:
                row.update({str(c): _raw_value(v) for c, v in raw.iloc[i].items()})
        else:
            row = {"row": int(i)}
            if show_features:
                row.update({name: float(flat[i, j]) for j, name in enumerate(names)})
        if prepared.task == "classification":
            row["true"] = _label(classes, int(y_idx[i]))
            row["predicted"] = _label(classes, int(y_hat[i]))
            row["confidence"] = float(confidence[i])
            row["loss"] = float(per_row[i])
        else:
            row["true"] = float(y_true[i, 0])
            row["predicted"] = float(pred[i, 0])
            row["abs error"] = float(per_row[i])
        rows.append(row)
    return rows


def _raw_value(value):
    """A cell as read: numbers as floats, text as text, a missing cell as "missing"."""
    import pandas as pd

    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "missing"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return str(value)


def _label(classes: list[str], index: int) -> str:
    return classes[index] if 0 <= index < len(classes) else str(index)


def evaluate_run(network, prepared, training: dict) -> dict:
    """The trained network on the test split (validation, then train, when that is empty): the metrics, the
    confusion matrix with precision/recall/F1 or the regression pairs, and the worst rows. DesignerError
    when the split cannot be evaluated."""
    split = "test" if len(prepared.x_test) else ("validation" if len(prepared.x_val) else "train")
    x, y = prepared.split(split)
    loss = get_loss(training.get("loss", "categorical_crossentropy"), **(training.get("loss_params") or {}))
    # one forward pass over the split serves the metrics, the worst rows, the cells and the scatter
    pred = network.predict(reshape_inputs(x, network.input_shape)) if len(x) else None
    evaluation = evaluate(network, x, y, loss, prepared.task, list(prepared.classes), pred=pred)
    evaluation["split"] = split
    evaluation["classes"] = list(prepared.classes)
    evaluation["worst"] = worst_rows(network, x, y, loss, prepared, WORST_ROWS, split, pred=pred)
    evaluation["cells"] = cell_rows(network, x, y, loss.name, prepared, split, pred=pred)  # a cell's rows
    evaluation["importance"] = importance_for_run(network, prepared, training)
    if prepared.task == "classification":
        evaluation.update(precision_recall_f1(np.asarray(evaluation["confusion_matrix"])))
    else:
        evaluation["y_true"] = np.asarray(y, dtype=np.float64).reshape(-1)
        evaluation["y_pred"] = np.asarray(pred, dtype=np.float64).reshape(-1)
    return evaluation


class PlaneProbe:
    """The training points, and on request the decision-boundary grid and the hidden neurons' maps of the
    network's current weights, over a plane of the input space. `for_run` gives None for image data.

    With two features the plane is the whole input. With more it is a slice: two chosen features vary over
    their range while every other one is held at its median on the training rows (the centre of the data
    and, for a one-hot column, its most common value). A slice keeps the axes in the features' own units, so
    the person can read "longer bills → Gentoo" straight off it; a projection on principal components would
    show all rows but on axes that mean nothing to them. The axes default to the two features with the most
    distinct values (measurements rather than one-hot flags) and can be changed while the run goes
    (`set_axes`, from any thread: one tuple assignment)."""

    def __init__(self, graph, network, prepared) -> None:
        self.network = network
        x = np.asarray(prepared.x_train)
        self._x, self._y = x, prepared.y_train
        names = list(getattr(prepared, "feature_names", None) or [])
        self.feature_names = names if len(names) == x.shape[1] else [f"feature {i + 1}" for i in range(x.shape[1])]
        self.centre = np.median(x, axis=0).astype(np.float32) if len(x) else np.zeros(x.shape[1], np.float32)
        self.layers = neuron_layers(graph, network)
        self.axes = default_axes(x)
        self._plane: tuple | None = None  # (axes, plane grid) for the neuron maps

    @classmethod
    def for_run(cls, graph, network, prepared) -> PlaneProbe | None:
        x, shape = prepared.x_train, tuple(getattr(prepared, "input_shape", ()) or ())
        if x.ndim == 2 and x.shape[1] >= 2 and len(shape) <= 1 and len(x):
            return cls(graph, network, prepared)
        return None

    def set_axes(self, first: int, second: int) -> None:
        n = self._x.shape[1]
        if not (0 <= first < n and 0 <= second < n) or first == second:
            raise ValueError(f"two different features between 0 and {n - 1} are needed, got {first} and {second}")
        self.axes = (int(first), int(second))

    @property
    def points(self) -> tuple[np.ndarray, np.ndarray]:
        i, j = self.axes
        return self._x[:, [i, j]], self._y

    def describe(self) -> dict:
        """What the plane is, for its labels: the axes' names and what the other features are held at."""
        i, j = self.axes
        return {"features": list(self.feature_names), "axes": (i, j), "held": len(self.feature_names) - 2}

    def _lift(self, axes: tuple[int, int], grid: np.ndarray) -> np.ndarray:
        """Plane points (n, 2) → full input rows: the other features at their median."""
        full = np.repeat(self.centre[None, :], len(grid), axis=0)
        full[:, axes[0]] = grid[:, 0]
        full[:, axes[1]] = grid[:, 1]
        return full

    def boundary(self) -> tuple:
        axes = self.axes  # one read: a change from the GUI thread applies to the next grid as a whole
        return boundary_grid(lambda grid: self.network.predict(self._lift(axes, grid)),
                             self._x[:, list(axes)], BOUNDARY_RESOLUTION)

    def neurons(self) -> tuple | None:
        """(xs, ys, {layer id: (units, ny, nx) maps in [-1, 1]}) for small dense nets, else None."""
        if not self.layers:
            return None
        axes = self.axes
        if self._plane is None or self._plane[0] != axes:
            self._plane = (axes, plane_grid(self._x[:, list(axes)], NEURON_RESOLUTION))
        xs, ys, points = self._plane[1]
        return xs, ys, neuron_maps(self.network, self.layers, self._lift(axes, points), NEURON_RESOLUTION)


def default_axes(x: np.ndarray) -> tuple[int, int]:
    """The two features with the most distinct values on the first 2,000 rows (ties: the earlier one), in
    column order: measurements rather than one-hot flags."""
    sample = np.asarray(x[:2000])
    counts = [len(np.unique(sample[:, k])) for k in range(sample.shape[1])]
    first, second = sorted(sorted(range(len(counts)), key=lambda k: (-counts[k], k))[:2])
    return first, second
