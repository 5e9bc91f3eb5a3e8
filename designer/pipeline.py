"""Whole-project operations behind `summary`, `evaluate` and `predict` (CLI and UI share them).

Each replays the project's data preparation exactly (refitted from its `data` section, on the same split
and seed), so the numbers match what training saw.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from designer.data import load_table, prepare_data
from designer.engine.losses import get_loss
from designer.errors import DataError, DesignerError, TrainingError
from designer.training.metrics import evaluate, predicted_classes, reshape_inputs
from designer.training.run import build_and_prepare


def resolve_input_shape(project, base_dir: Path | None, required: bool = True) -> tuple[int, ...] | None:
    """The Input layer's shape: its own when set, else the prepared data's feature count.

    With `required=False` a data problem is not fatal (summary still shows what it can) and gives None.
    """
    inputs = project.graph.input_nodes()
    if len(inputs) == 1:
        shape = project.graph.nodes[inputs[0]].params.get("shape")
        if shape:
            return tuple(int(d) for d in shape)
    try:
        return tuple(prepare_data(project.data, base_dir).input_shape)
    except DesignerError:
        if required:
            raise
        return None


def _require_weights(project) -> None:
    if not project.weights:
        raise TrainingError("the project has no trained weights yet: run `nn-designer train` first")


def _loss(project):
    training = project.training or {}
    return get_loss(training.get("loss", "categorical_crossentropy"), **(training.get("loss_params") or {}))


def evaluate_project(project, base_dir: Path | None, split: str = "test", data_csv: str | None = None,
                     importance: bool = False) -> dict:
    """The CLI `evaluate` object for a split of the project's data, or for a CSV with the same columns.
    `importance`: add permutation importance per feature column, on the validation split (or the CSV's rows)."""
    _require_weights(project)
    network, prepared = build_and_prepare(project, base_dir)
    loss = _loss(project)
    if data_csv is not None:
        df = load_table(_new_data_source(project, data_csv), Path.cwd())
        x = prepared.preprocessor.transform(df)
        y = prepared.preprocessor.encode_target(df)
    else:
        x, y = prepared.split(split)
        if len(x) == 0:
            raise DataError(f"the {split} split is empty: set data.split.{split} above 0 "
                            "or choose another --split")
    result = evaluate(network, x, y, loss, prepared.task, prepared.classes)
    if importance:
        from designer.training.importance import feature_importance

        rows = "data" if data_csv is not None else "validation"
        if data_csv is None:
            x, y = prepared.split("validation")
        found = feature_importance(network, x, y, prepared.preprocessor, prepared.task, loss.name,
                                   seed=int((project.training or {}).get("seed", 0) or 0))
        result["importance"] = dict(found.to_dict(), split=rows)
    return result



def predict_frame(project, base_dir: Path | None, df: pd.DataFrame) -> pd.DataFrame:
    """Predictions for new rows: the class and one probability column per class, or the regression value."""
    _require_weights(project)
    network, prepared = build_and_prepare(project, base_dir)
    x = reshape_inputs(prepared.preprocessor.transform(df), network.input_shape)
    out = network.predict(x)
    n = out.shape[0]
    out = out.reshape(n, math.prod(out.shape[1:]))
    target = prepared.target_name or "target"
    if prepared.task == "regression":
        return pd.DataFrame({f"{target}_predicted" if out.shape[1] == 1 else f"{target}_{i}": out[:, i]
                             for i in range(out.shape[1])})
    classes = prepared.classes
    loss_name = (project.training or {}).get("loss", "")
    probs = _class_probabilities(out, loss_name)
    result = {target: [classes[i] for i in predicted_classes(out, loss_name)]}
    for j, cls in enumerate(classes):
        result[f"p_{cls}"] = np.round(probs[:, j], 6)
    return pd.DataFrame(result)


def _class_probabilities(out: np.ndarray, loss_name: str) -> np.ndarray:
    """One probability column per class. A single sigmoid unit gives P(class 1); hinge scores get softmax."""
    if out.shape[1] == 1:
        p1 = out[:, 0] if loss_name != "hinge" else 1.0 / (1.0 + np.exp(-out[:, 0]))
        p1 = np.clip(p1, 0.0, 1.0)
        return np.stack([1.0 - p1, p1], axis=1)
    rows_sum_to_one = np.all(out >= 0) and np.allclose(out.sum(axis=1), 1.0, atol=1e-3)
    if rows_sum_to_one:
        return out
    shifted = np.exp(out - out.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def is_image_project(project) -> bool:
    return ((project.data or {}).get("source") or {}).get("kind") == "images"


def _new_data_source(project, path) -> dict:
    """New labelled data for `evaluate --data`: a CSV, or for an image project a folder of class folders read
    with the project's size and colour."""
    if is_image_project(project):
        return {**project.data["source"], "path": str(path)}
    return {"kind": "csv", "path": str(path)}


def predict_images(project, base_dir: Path | None, inputs: list) -> pd.DataFrame:
    """Predictions for raw image files (or folders of them), read as the project's folder was: `file` first."""
    from designer.data.images import image_paths, image_settings, read_image_files

    paths = image_paths(inputs)
    size, color = image_settings(project.data["source"])
    table = predict_frame(project, base_dir, read_image_files(paths, size, color))
    table.insert(0, "file", [str(p) for p in paths])
    return table


def predict_csv(project, base_dir: Path | None, csv_path: Path) -> pd.DataFrame:
    df = load_table({"kind": "csv", "path": str(csv_path)}, Path.cwd())
    return predict_frame(project, base_dir, df)


# A cell a spreadsheet would read as a formula (=, +, -, @; tab and CR start one too): `=cmd|' /C calc'!A0` in a
# class label must stay text. The OWASP remedy, as spreadsheet-safe CSV writers do it: a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """`value`, with a text cell that starts like a formula prefixed by ' (numbers, "-1" too, are left alone)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_plain_number(value):
        return "'" + value
    return value


def _is_plain_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text


def spreadsheet_safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """The predictions table with header and text cells neutralised (documented in docs/cli.md)."""
    out = table.rename(columns=spreadsheet_safe)
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(spreadsheet_safe)
    return out

