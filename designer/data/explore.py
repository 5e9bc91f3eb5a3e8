"""Numbers behind the Data view's exploration plots (pure NumPy/pandas, no drawing)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from designer.data.cleaning import coerce_numeric, column_kind
from designer.data.labels import label_strings, sorted_classes


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """One row per column: count, missing, mean, std, min, max, unique and kind ("numeric"/"categorical")."""
    rows = []
    for col in df.columns:
        s = df[col]
        kind = column_kind(s)
        row = {"column": str(col), "kind": kind, "count": int(s.notna().sum()), "missing": int(s.isna().sum()),
               "unique": int(s.nunique(dropna=True)), "mean": np.nan, "std": np.nan, "min": np.nan, "max": np.nan}
        if kind == "numeric":
            v = coerce_numeric(s).dropna()
            if len(v):
                row.update(mean=float(v.mean()), std=float(v.std(ddof=0)), min=float(v.min()), max=float(v.max()))
        rows.append(row)
    return pd.DataFrame(rows, columns=["column", "kind", "count", "missing", "mean", "std", "min", "max",
                                       "unique"]).set_index("column")


def class_balance(y: pd.Series) -> tuple[list[str], np.ndarray]:
    """(sorted class labels, count of each)."""
    labels = label_strings(y.dropna())
    classes = sorted_classes(labels)
    counts = pd.Categorical(labels, categories=classes).value_counts().to_numpy()
    return classes, counts.astype(np.int64)


def histogram(df: pd.DataFrame, feature: str, target: str | None = None,
              bins: int = 20) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Bin edges shared by all classes and the counts per class (key "all" without a target)."""
    values = coerce_numeric(df[feature])
    ok = values.notna().to_numpy()
    v = values.to_numpy()[ok]
    if len(v) == 0:
        return np.linspace(0, 1, bins + 1), {}
    lo, hi = float(v.min()), float(v.max())
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    if target is None or target not in df.columns:
        return edges, {"all": np.histogram(v, edges)[0]}
    y = df[target][ok]
    present = y.notna().to_numpy()
    labels = label_strings(y[present])
    out = {}
    for cls in sorted_classes(labels):
        out[cls] = np.histogram(v[present][(labels == cls).to_numpy()], edges)[0]
    return edges, out


def correlation(df: pd.DataFrame, max_columns: int = 64) -> tuple[list[str], np.ndarray]:
    """Pearson correlation of the numeric columns (constant columns give NaN rows)."""
    numeric = [c for c in df.columns if column_kind(df[c]) == "numeric"][:max_columns]
    if not numeric:
        return [], np.zeros((0, 0))
    frame = pd.DataFrame({c: coerce_numeric(df[c]) for c in numeric})
    return [str(c) for c in numeric], frame.corr().to_numpy()


def numeric_columns(df: pd.DataFrame) -> list[str]:
    return [str(c) for c in df.columns if column_kind(df[c]) == "numeric"]
