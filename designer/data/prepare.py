"""`prepare_data`: a project's data section → cleaned, encoded, scaled and split float32 arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from designer.data.catalogue import BUILTIN_DATASETS
from designer.data.cleaning import (
    check_numeric,
    column_kind,
    column_warnings,
    duplicate_rows,
    is_numeric_series,
    missing_counts,
)
from designer.data.images import TARGET as IMAGE_TARGET
from designer.data.labels import label_strings, sorted_classes
from designer.data.prepared import PreparedData
from designer.data.preprocess import Preprocessor
from designer.data.settings import DATA_SPECS, default, default_split
from designer.data.sources import load_table_with_info
from designer.data.split import split_indices
from designer.errors import DataError

MAX_INFERRED_CLASSES = 20


def resolve_config(data_cfg: dict) -> dict:
    """The data section with defaults filled in; a builtin dataset supplies its own target and task."""
    if not isinstance(data_cfg, dict):
        raise DataError("the data section must be an object")
    cfg = dict(data_cfg)
    source = cfg.get("source") or {"kind": "builtin", "name": "iris"}
    cfg["source"] = source
    if source.get("kind", "builtin") == "builtin":
        info = BUILTIN_DATASETS.get(source.get("name"))
        if info is None:
            raise DataError(f"unknown builtin dataset '{source.get('name')}' (known: {', '.join(BUILTIN_DATASETS)})")
        cfg.setdefault("target", info.target)
        cfg.setdefault("task", info.task)
    elif source.get("kind") == "images":  # pixels are already in [0, 1]; the class is the folder's name
        cfg.setdefault("target", IMAGE_TARGET)
        cfg.setdefault("task", "classification")
        cfg.setdefault("scaling", "none")
    for name in ("missing", "scaling", "target_scaling"):
        cfg.setdefault(name, default(name))
    split = default_split()
    split.update(cfg.get("split") or {})
    cfg["split"] = split
    for name, spec in DATA_SPECS.items():  # the task may be None: inferred from the target column
        if cfg.get(name) is not None and cfg[name] not in spec.choices:
            raise DataError(f"data.{name} must be one of {', '.join(spec.choices)}, not '{cfg[name]}'")
    return cfg


def infer_task(y: pd.Series) -> str:
    """Text labels or a few whole numbers → classification; other numbers → regression."""
    present = y.dropna()
    if not is_numeric_series(present) or pd.api.types.is_bool_dtype(present):
        return "classification"
    values = present.to_numpy(dtype=np.float64)
    if np.all(np.mod(values, 1) == 0) and present.nunique() <= MAX_INFERRED_CLASSES:
        return "classification"
    return "regression"


def prepare_data(data_cfg: dict, base_dir: str | Path | None = None, *,
                 input_shape: tuple[int, ...] | list[int] | None = None) -> PreparedData:
    """Read, clean, encode, scale and split the data a project's `data` section describes.

    `input_shape` (optional) is the project's Input shape; when its size equals the number of features the
    prepared data reports it, so rows are later reshaped to it (an 8×8×1 image from 64 pixel columns).
    """
    cfg = resolve_config(data_cfg)
    df, origin = load_table_with_info(cfg["source"], base_dir)
    return prepare_table(cfg, df, origin, input_shape=input_shape)


def prepare_table(data_cfg: dict, df: pd.DataFrame, origin: dict, *,
                  input_shape: tuple[int, ...] | list[int] | None = None) -> PreparedData:
    """`prepare_data` on a table already read by `load_table_with_info` (the Data view reads once)."""
    cfg = resolve_config(data_cfg)
    where = origin["name"]
    header_lines = None
    if origin["kind"] == "csv":
        header_lines = 1 if origin["csv"]["header"] else 0
    elif origin["kind"] == "builtin":
        header_lines = 1
    target = cfg.get("target") or origin.get("target")
    if not target:
        raise DataError("data.target is not set: name the column to predict", where=where)
    if target not in df.columns:
        raise DataError(f"target column '{target}' not found (columns: {_list(df.columns)})", where=where)
    features = cfg.get("features") or [c for c in df.columns if c != target]
    unknown = [c for c in features if c not in df.columns]
    if unknown:
        raise DataError(f"feature column(s) {', '.join(repr(c) for c in unknown)} not found "
                        f"(columns: {_list(df.columns)})", where=where)
    if target in features:
        raise DataError(f"the target column '{target}' is also listed as a feature", where=where)
    if not features:
        raise DataError("there are no feature columns besides the target", where=where)

    report: dict = {"source": where, "rows_read": int(len(df)), "warnings": []}
    if origin["kind"] == "csv":
        report["csv"] = origin["csv"]
        report["warnings"].extend(origin["csv"]["warnings"])
    df = df[list(features) + [target]]
    report["missing_per_column"] = missing_counts(df)

    task = cfg.get("task") or infer_task(df[target])
    if not cfg.get("task"):
        report["warnings"].append(f"data.task not set: treating '{target}' as {task}")
    kinds = {c: column_kind(df[c]) for c in features}
    numeric_needed = list(features) + ([target] if task == "regression" else [])
    check_numeric(df, numeric_needed, where, header_lines, kinds)
    if task == "regression" and column_kind(df[target]) != "numeric":
        raise DataError(f"target column '{target}' holds text, but regression needs numbers", where=where)

    no_target = df[target].isna()
    if no_target.any():
        report["rows_dropped_missing_target"] = int(no_target.sum())
        df = df[~no_target]
    duplicates = duplicate_rows(df)
    report["duplicates"] = int(duplicates.sum())
    if report["duplicates"]:
        if cfg.get("drop_duplicates"):
            df = df[~duplicates]
            report["duplicates_dropped"] = report["duplicates"]
        else:
            report["warnings"].append(f"{report['duplicates']} duplicate row(s) kept (“Drop duplicate rows” "
                                      "removes them)")
    if cfg["missing"] == "drop":
        incomplete = df[features].isna().any(axis=1)
        report["rows_dropped_missing"] = int(incomplete.sum())
        df = df[~incomplete]
    if len(df) == 0:
        raise DataError("no rows left after removing rows with missing values", where=where)
    report["warnings"].extend(column_warnings(df, features))

    if task == "classification":
        labels = label_strings(df[target])
        classes = sorted_classes(labels)
        if len(classes) < 2:
            raise DataError(f"target column '{target}' has only one class ('{classes[0]}'); "
                            "classification needs at least two", where=where)
        y_all = pd.Categorical(labels, categories=classes).codes.astype(np.int64)
    else:
        classes = []
        y_all = df[target].to_numpy(dtype=np.float32).reshape(-1, 1)

    split = cfg["split"]
    stratify = task == "classification" and bool(split.get("stratify", True))
    train_idx, val_idx, test_idx = split_indices(
        len(df), split.get("validation", 0.2), split.get("test", 0.1), shuffle=bool(split.get("shuffle", True)),
        stratify_by=y_all if stratify else None, seed=split.get("seed", 0))

    pre = Preprocessor.fit(df.iloc[train_idx], list(features), cfg["missing"], cfg["scaling"], kinds)
    x_train, x_val, x_test = pre.transform_parts(df, [train_idx, val_idx, test_idx])
    pre.target, pre.task, pre.classes = target, task, list(classes)
    if task == "regression" and cfg["target_scaling"] == "standard":
        pre.target_mean, pre.target_scale = target_statistics(y_all[train_idx])
    if pre.filled:
        report["filled"] = dict(pre.filled)
    report["rows_used"] = int(len(df))
    report["splits"] = {"train": len(train_idx), "validation": len(val_idx), "test": len(test_idx)}
    report["categorical"] = [c for c in features if kinds[c] == "categorical"]

    n_features = x_train.shape[1]
    shape: tuple[int, ...] = (n_features,)
    if input_shape is not None:
        wanted = tuple(int(s) for s in input_shape)
        if int(np.prod(wanted)) == n_features:
            shape = wanted
        else:
            report["warnings"].append(f"Input shape {list(wanted)} does not hold the {n_features} features")
    return PreparedData(
        x_train=x_train, y_train=y_all[train_idx],
        x_val=x_val, y_val=y_all[val_idx],
        x_test=x_test, y_test=y_all[test_idx],
        task=task, classes=list(classes), feature_names=pre.output_names, target_name=target,
        input_shape=shape, preprocessor=pre, report=report,
        raw_rows={"validation": df[list(features)].iloc[val_idx], "test": df[list(features)].iloc[test_idx]},
        **_image_fields(cfg, origin))


def _image_fields(cfg: dict, origin: dict) -> dict:
    """An image folder's extras: the image shape, the training-time augmentation, each row's file."""
    if origin.get("kind") != "images":
        return {}
    return {"image_shape": tuple(origin["image_shape"]), "augment": cfg["source"].get("augment") or None,
            "files": list(origin["files"])}


def target_statistics(y_train: np.ndarray) -> tuple[list[float], list[float]]:
    """Mean and standard deviation (ddof 0, as scikit-learn's StandardScaler) per target column of the training
    split; a constant column gets scale 1 so un-scaling stays exact."""
    y = np.asarray(y_train, dtype=np.float64).reshape(len(y_train), -1)
    mean = y.mean(axis=0)
    std = y.std(axis=0)
    std[~(std > 0) | ~np.isfinite(std)] = 1.0
    return [float(v) for v in mean], [float(v) for v in std]


def _list(columns, limit: int = 12) -> str:
    names = [str(c) for c in columns]
    return ", ".join(names[:limit]) + (f" … ({len(names)} in all)" if len(names) > limit else "")
