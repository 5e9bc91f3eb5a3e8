"""Cleaning checks on the raw table: column kinds, values that are not numbers, missing values,
duplicate rows, constant and ID-like columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from designer.errors import DataError

# An object column whose non-missing values are at least this share numbers is a numeric column with typos.
NUMERIC_SHARE = 0.8
ID_MIN_ROWS = 20


def is_numeric_series(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def coerce_numeric(s: pd.Series) -> pd.Series:
    """Numbers as float64; text that is not a number becomes NaN (the caller checks for that first)."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype(np.float64)
    if pd.api.types.is_numeric_dtype(s):
        return s.astype(np.float64)
    return pd.to_numeric(s, errors="coerce").astype(np.float64)


def first_non_number(s: pd.Series) -> tuple[object, object] | None:
    """(index label, value) of the first non-missing value that is not a number, or None."""
    if is_numeric_series(s):
        return None
    coerced = pd.to_numeric(s, errors="coerce")
    bad = coerced.isna() & s.notna()
    if not bad.any():
        return None
    label = bad.idxmax()
    return label, s.loc[label]


def column_kind(s: pd.Series) -> str:
    """"numeric" or "categorical". Text columns that are mostly numbers count as numeric (with bad cells)."""
    if is_numeric_series(s):
        return "numeric"
    present = s.dropna()
    if present.empty:
        return "numeric"
    if len(present) > 2000:  # a sample settles clear text columns without parsing a million cells
        sample_share = pd.to_numeric(present.iloc[:1000], errors="coerce").notna().mean()
        if sample_share < NUMERIC_SHARE / 2:
            return "categorical"
    numeric_share = pd.to_numeric(present, errors="coerce").notna().mean()
    return "numeric" if numeric_share >= NUMERIC_SHARE else "categorical"


def check_numeric(df: pd.DataFrame, columns: list[str], where: str, header_lines: int | None,
                  kinds: dict[str, str] | None = None) -> None:
    """DataError for the first cell of a numeric column that is not a number (when that column is used)."""
    for col in columns:
        s = df[col]
        if (kinds[col] if kinds and col in kinds else column_kind(s)) != "numeric":
            continue
        found = first_non_number(s)
        if found is not None:
            label, value = found
            raise DataError(f"{_row(label, header_lines)}, column '{col}': '{value}' is not a number (the column's "
                            "other values are; a marker for missing values can be listed in data.source.na_values)",
                            where=where)
        values = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
        infinite = np.isinf(values)
        if infinite.any():  # inf, -inf, 1e400: training would "explode" on them and save an untrained model
            label = s.index[int(infinite.argmax())]
            raise DataError(f"{_row(label, header_lines)}, column '{col}': {s.loc[label]!s} is not a finite number "
                            "(infinite, or too large for a float): fix or remove it", where=where)


def _row(label, header_lines: int | None) -> str:
    return f"line {int(label) + 1 + header_lines}" if header_lines is not None else f"row {int(label) + 1}"


def column_warnings(df: pd.DataFrame, features: list[str]) -> list[str]:
    warnings = []
    n = len(df)
    for col in features:
        s = df[col]
        integer_like = pd.api.types.is_integer_dtype(s) or not is_numeric_series(s)
        if is_numeric_series(s) and not integer_like:
            values = s.to_numpy(dtype=np.float64)  # floats: min == max is much cheaper than counting
            constant = not np.isfinite(values).any() or np.nanmin(values) == np.nanmax(values)
            unique = 1 if constant else 2
        else:
            unique = s.nunique(dropna=True)
        if unique <= 1:
            warnings.append(f"column '{col}' is constant (one value); it carries no information")
            continue
        if n >= ID_MIN_ROWS and integer_like and unique == s.notna().sum() == n:
            warnings.append(f"column '{col}' looks like an ID (every row has a different value); "
                            "consider leaving it out of the features")
    return warnings


def missing_counts(df: pd.DataFrame) -> dict[str, int]:
    counts = df.isna().sum()
    return {str(c): int(v) for c, v in counts.items() if v}


def fill_value(s: pd.Series, kind: str, strategy: str):
    """The value a column's missing cells get, learned from (training) values `s`."""
    present = s.dropna()
    if present.empty:
        return 0.0 if kind == "numeric" else None
    if kind == "numeric":
        values = coerce_numeric(present)
        if strategy == "median":
            return float(values.median())
        if strategy == "most_frequent":
            return float(values.mode().iloc[0])
        return float(values.mean())  # "mean", and "drop" for rows met later at predict time
    return str(present.astype(str).mode().iloc[0])  # categorical: always the most frequent


def duplicate_rows(df: pd.DataFrame) -> pd.Series:
    """`df.duplicated()` (later copies of a row marked) at a fraction of its memory: pandas factorizes every
    column into int64 codes at once (≈ 360 bytes a row for 20 columns). Rows are hashed column by column
    into one uint64 instead; only rows whose hash repeats are compared exactly, so a collision never counts."""
    if len(df) == 0 or df.shape[1] == 0:
        return df.duplicated()
    hashes = pd.util.hash_pandas_object(df, index=False)
    candidates = hashes.duplicated(keep=False).to_numpy()
    result = np.zeros(len(df), dtype=bool)
    if candidates.any():
        result[candidates] = df.iloc[np.nonzero(candidates)[0]].duplicated().to_numpy()
    return pd.Series(result, index=df.index)
