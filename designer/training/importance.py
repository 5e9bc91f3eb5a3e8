"""Permutation importance of a tabular model's input columns (Breiman 2001; scikit-learn's
`sklearn.inspection.permutation_importance`, whose permutation order this reproduces exactly).

A column's importance is how much the model's score drops when that column's values are shuffled between
rows of the evaluation split, breaking its link with the target while keeping its distribution. A text
column one-hot encoded into several inputs is shuffled as one (its inputs move together), so the answer is
per column of the user's table, not per encoded input. Scores: accuracy for classification (importance in
accuracy points), MAE in the target's own units for regression (importance = how much the mean absolute error
grows). Qt-free: the CLI (`evaluate --importance`) and the Evaluation view call the same function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from designer.errors import DataError
from designer.training.metrics import accuracy, mae, predicted_classes, reshape_inputs

MAX_COLUMNS = 200  # beyond this (784 pixels) shuffling one column at a time says little and costs much
DEFAULT_REPEATS = 5


@dataclass
class Importance:
    """Per feature column: mean and standard deviation of the score drop over the repeats, largest first."""

    metric: str  # "accuracy" or "mae"
    unit: str  # how to read a value, e.g. "accuracy points lost" or "MAE increase (target units)"
    baseline: float  # the score with nothing shuffled
    features: list[str]
    mean: np.ndarray
    std: np.ndarray
    repeats: int
    samples: int

    def to_dict(self) -> dict:
        """The CLI's `importance` object (plain floats, strict-JSON safe)."""
        return {"metric": self.metric, "meaning": self.unit, "baseline": float(self.baseline),
                "repeats": self.repeats, "samples": self.samples,
                "features": [{"feature": f, "mean": float(m), "std": float(s)}
                             for f, m, s in zip(self.features, self.mean, self.std)]}


def column_groups(preprocessor) -> list[tuple[str, list[int]]]:
    """Each table column with the indices of the network inputs it becomes (one-hot columns together)."""
    groups, j = [], 0
    for col in preprocessor.features:
        width = len(preprocessor.categories[col]) if preprocessor.kinds[col] == "categorical" else 1
        groups.append((col, list(range(j, j + width))))
        j += width
    return groups


def permutation_scores(score: Callable[[np.ndarray], float], x: np.ndarray,
                       groups: list[tuple[str, list[int]]], repeats: int = DEFAULT_REPEATS,
                       seed: int = 0) -> tuple[float, np.ndarray]:
    """(baseline score, drops of shape (groups, repeats)); `score(x)` is higher-is-better. The row order of
    each repeat follows scikit-learn: one seed drawn from RandomState(seed), then per group a fresh
    RandomState(that seed) shuffling an index vector in place, each repeat shuffling the column again."""
    if repeats < 1:
        raise DataError("permutation importance needs at least one repeat")
    x = np.asarray(x)
    if len(x) < 2:
        raise DataError("permutation importance needs at least two rows to shuffle")
    baseline = float(score(x))
    group_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    drops = np.zeros((len(groups), repeats))
    for g, (_name, cols) in enumerate(groups):
        rng = np.random.RandomState(group_seed)
        shuffled = x.copy()
        order = np.arange(len(x))
        for r in range(repeats):
            rng.shuffle(order)
            shuffled[:, cols] = shuffled[order][:, cols]
            drops[g, r] = baseline - float(score(shuffled))
    return baseline, drops


def model_score(network, task: str, loss_name: str, y: np.ndarray) -> tuple[str, str, Callable[[np.ndarray], float]]:
    """(metric, how to read an importance, score function) for a trained network on targets `y`."""
    def predict(x: np.ndarray) -> np.ndarray:
        return network.predict(reshape_inputs(x, network.input_shape))

    if task == "classification":
        y_idx = np.asarray(y).reshape(-1).astype(np.int64)
        return "accuracy", "accuracy lost when the column is shuffled", \
            lambda x: accuracy(y_idx, predicted_classes(predict(x), loss_name))
    return "mae", "increase of the mean absolute error, in the target's units", lambda x: -mae(y, predict(x))


def feature_importance(network, x: np.ndarray, y: np.ndarray, preprocessor, task: str, loss_name: str,
                       repeats: int = DEFAULT_REPEATS, seed: int = 0) -> Importance:
    """Permutation importance of every feature column on the rows `x`, `y` (prepared inputs and targets, as
    `PreparedData.split("validation")` gives them)."""
    if len(x) == 0:
        raise DataError("the validation split is empty: permutation importance needs rows to shuffle "
                        "(set data.split.validation above 0)")
    groups = column_groups(preprocessor)
    if len(groups) > MAX_COLUMNS:
        raise DataError(f"permutation importance is for tables of up to {MAX_COLUMNS} columns; this data has "
                        f"{len(groups)} (for images, a per-pixel ranking says little)")
    x = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    metric, unit, score = model_score(network, task, loss_name, y)
    baseline, drops = permutation_scores(score, x, groups, repeats, seed)
    if metric == "mae":
        baseline = -baseline
    mean, std = drops.mean(axis=1), drops.std(axis=1)
    order = np.argsort(-mean, kind="stable")
    return Importance(metric, unit, baseline, [groups[i][0] for i in order], mean[order], std[order],
                      repeats, len(x))


ROW_BUDGET = 1_000_000  # rows × columns × repeats predicted at the end of a run in the window (≈ a second)


def importance_for_run(network, prepared, training: dict) -> dict | None:
    """The Evaluation view's importance after a run: on the validation split, at most ROW_BUDGET row
    predictions (a random subset of the rows beyond that, said in `samples`); None for image data,
    {"error": …} when it cannot be computed."""
    groups = column_groups(prepared.preprocessor) if prepared.preprocessor is not None else []
    if not groups or len(groups) > MAX_COLUMNS or len(prepared.input_shape) > 1 \
            or getattr(prepared, "image_shape", None):
        return None
    x, y = prepared.split("validation")
    if len(x) < 2:
        return {"error": "Feature importance needs a validation split: set Validation above 0 in the Data view."}
    seed = int(training.get("seed", 0) or 0)
    limit = max(200, ROW_BUDGET // (len(groups) * DEFAULT_REPEATS))
    if len(x) > limit:
        rows = np.sort(np.random.RandomState(seed).choice(len(x), limit, replace=False))
        x, y = x[rows], y[rows]
    try:
        found = feature_importance(network, x, y, prepared.preprocessor, prepared.task,
                                   training.get("loss", "categorical_crossentropy"), seed=seed)
    except DataError as e:
        return {"error": str(e)}
    return found.to_dict()
