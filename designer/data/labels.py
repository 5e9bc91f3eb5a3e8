"""Class labels as stable, sorted text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from designer.data.cleaning import is_numeric_series


def label_strings(y: pd.Series) -> pd.Series:
    """Class labels as text; whole-number floats (1.0) read as "1" so CSV and NPZ labels agree."""
    if pd.api.types.is_bool_dtype(y):
        return y.astype(str)
    if is_numeric_series(y):
        values = y.to_numpy(dtype=np.float64)
        if np.all(np.mod(values, 1) == 0):
            return pd.Series(values.astype(np.int64).astype(str), index=y.index)
        return y.astype(str)
    return y.astype(str).str.strip()


def sorted_classes(labels: pd.Series) -> list[str]:
    """Sorted for a stable encoding: numerically when every label is a number (2 before 10), else as text."""
    unique = labels.unique().tolist()
    try:
        return sorted(unique, key=float)
    except ValueError:
        return sorted(unique)
