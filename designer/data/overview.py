"""The numbers behind the Data view's plots, computed once on the reader's thread (pure pandas/NumPy).

A 784-column table made the window stall for most of a second when these ran on the GUI thread: every
column converted for the scatter plot, the kind of every column checked for the correlation, the labels
turned into text twice. Here they are computed beside the reading, and the scatter's columns are converted
only when a plot asks for them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd

from designer.data.cleaning import coerce_numeric
from designer.data.explore import class_balance, numeric_columns
from designer.data.labels import label_strings

MAX_CORRELATION_COLUMNS = 64  # a 64 × 64 heatmap is still readable; 784 × 784 is not


class LazyColumns(Mapping):
    """Numeric columns of a table as float64 arrays, each converted when first asked for (the scatter plot
    shows two of 784)."""

    def __init__(self, df: pd.DataFrame, names: list[str]) -> None:
        self._df, self._names, self._cache = df, list(names), {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._cache:
            if name not in self._names:
                raise KeyError(name)
            self._cache[name] = self._df[name].to_numpy(dtype=np.float64, na_value=np.nan)
        return self._cache[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def correlation_overview(df: pd.DataFrame, names: list[str],
                         max_columns: int = MAX_CORRELATION_COLUMNS) -> tuple[list[str], np.ndarray, str]:
    """Pearson correlation of the numeric columns `names`; beyond `max_columns`, of the most variable ones
    (by coefficient of variation, so units do not decide; constant columns never), with a caption saying so."""
    if not names:
        return [], np.zeros((0, 0)), ""
    frame = pd.DataFrame({c: coerce_numeric(df[c]) for c in names}) if len(names) <= max_columns else None
    caption = f"Correlation of the {len(names)} numeric columns"
    if frame is None:
        values = {c: coerce_numeric(df[c]) for c in names}
        spread = pd.Series({c: _relative_spread(v) for c, v in values.items()})
        keep = [c for c in spread.sort_values(ascending=False, kind="stable").index[:max_columns]
                if spread[c] > 0]
        keep = [c for c in names if c in set(keep)]  # in the table's order, so neighbours stay neighbours
        frame = pd.DataFrame({c: values[c] for c in keep})
        caption = (f"Correlation of the {len(keep)} most variable of {len(names)} numeric columns "
                   f"(largest std ÷ mean spread); the others are left out")
    matrix = frame.corr().to_numpy() if frame.shape[1] else np.zeros((0, 0))
    return [str(c) for c in frame.columns], matrix, caption


def _relative_spread(values: pd.Series) -> float:
    v = values.to_numpy(dtype=np.float64, na_value=np.nan)
    v = v[np.isfinite(v)]
    if len(v) < 2:
        return 0.0
    std = float(v.std())
    scale = float(np.abs(v).mean())
    return std / scale if scale > 0 else std


def data_overview(df: pd.DataFrame, target: str | None, task: str) -> dict:
    """Everything the Data view draws from the table, but the drawing: features, labels, class counts,
    correlation (see `correlation_overview`) and lazily converted scatter columns."""
    has_target = target in df.columns
    features = [c for c in numeric_columns(df) if c != target]
    out: dict = {"features": features, "labels": None, "classes": [], "counts": np.zeros(0, dtype=np.int64)}
    if has_target and task == "classification":
        out["classes"], out["counts"] = class_balance(df[target])
        out["labels"] = label_strings(df[target]).to_numpy(dtype=object)
    others = [c for c in numeric_columns(df) if c != target]
    out["correlation"] = correlation_overview(df, others)
    out["scatter"] = LazyColumns(df, features)
    return out
