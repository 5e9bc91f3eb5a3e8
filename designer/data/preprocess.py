"""The fitted feature preparation: fill missing values, one-hot encode categories, scale.

Everything is learned from the training split only and replayed by `transform` on any rows (validation,
test, or new rows at predict time), so no statistic of held-out rows leaks into training.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from designer.data.cleaning import coerce_numeric, column_kind, fill_value, first_non_number
from designer.data.labels import label_strings
from designer.data.settings import DATA_SPECS
from designer.errors import DataError

MAX_CATEGORIES = 1000


@dataclass
class Preprocessor:
    features: list[str]
    kinds: dict[str, str]  # feature -> "numeric" | "categorical"
    fill: dict[str, object]
    categories: dict[str, list[str]]
    scaling: str
    offset: dict[str, float] = field(default_factory=dict)  # x' = (x - offset) / scale, numeric columns only
    scale: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # from the last transform
    filled: dict[str, int] = field(default_factory=dict)  # missing cells filled per column, last transform
    # set by prepare_data so evaluate/predict can encode a target column the same way
    target: str = ""
    task: str = ""
    classes: list[str] = field(default_factory=list)
    # regression with data.target_scaling "standard": the network's outputs o are in standard units and
    # y = o * target_scale + target_mean (fitted on the training split); None when the target is used as is
    target_mean: list[float] | None = None
    target_scale: list[float] | None = None

    @classmethod
    def fit(cls, df: pd.DataFrame, features: list[str], missing: str, scaling: str,
            kinds: dict[str, str] | None = None) -> Preprocessor:
        choices = DATA_SPECS["scaling"].choices
        if scaling not in choices:
            raise DataError(f"data.scaling must be one of {', '.join(choices)}, not '{scaling}'")
        kinds = kinds or {c: column_kind(df[c]) for c in features}
        fill, categories, offset, scale = {}, {}, {}, {}
        for col in features:
            s = df[col]
            fill[col] = fill_value(s, kinds[col], missing)
            if kinds[col] == "categorical":
                cats = sorted(s.dropna().astype(str).unique().tolist())
                if len(cats) > MAX_CATEGORIES:
                    raise DataError(f"column '{col}' has {len(cats)} different text values, too many to one-hot "
                                    f"encode (limit {MAX_CATEGORIES}); leave it out of data.features")
                categories[col] = cats
                continue
            values = coerce_numeric(s).fillna(fill[col]).to_numpy()
            if scaling == "standard" and len(values):
                std = float(values.std())
                offset[col], scale[col] = float(values.mean()), (std if std > 0 else 1.0)
            elif scaling == "minmax" and len(values):
                lo, hi = float(values.min()), float(values.max())
                offset[col], scale[col] = lo, (hi - lo if hi > lo else 1.0)
            else:
                offset[col], scale[col] = 0.0, 1.0
        return cls(list(features), kinds, fill, categories, scaling, offset, scale)

    @property
    def output_names(self) -> list[str]:
        names = []
        for col in self.features:
            if self.kinds[col] == "categorical":
                names.extend(f"{col}={cat}" for cat in self.categories[col])
            else:
                names.append(col)
        return names

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """float32 (n, len(output_names)). Unseen categories become all-zero rows (with a warning)."""
        return self.transform_parts(df, None)[0]

    def transform_parts(self, df: pd.DataFrame, parts: list[np.ndarray] | None) -> list[np.ndarray]:
        """`transform(df)` split into the rows `parts` lists (each an index array), without holding the whole
        table's matrix beside the parts (a 1,000,000-row table would need it twice). Warnings and filled
        counts are those of the whole table."""
        missing_cols = [c for c in self.features if c not in df.columns]
        if missing_cols:
            raise DataError(f"the data lacks the column(s) {', '.join(repr(c) for c in missing_cols)} "
                            "that the model was trained on")
        self.warnings, self.filled = [], {}
        n = len(df)
        width = len(self.output_names)
        rows = parts if parts is not None else [None]
        outs = [np.zeros((n if r is None else len(r), width), dtype=np.float32) for r in rows]

        def put(j: int, column: np.ndarray) -> None:
            for out, r in zip(outs, rows):
                out[:, j] = column if r is None else column[r]

        j = 0
        for col in self.features:
            s = df[col]
            if self.kinds[col] == "numeric":
                bad = first_non_number(s)
                if bad is not None:
                    raise DataError(f"column '{col}', row {bad[0]}: '{bad[1]}' is not a number")
                values = coerce_numeric(s)
                n_missing = int(values.isna().sum())
                if n_missing:
                    self.filled[col] = n_missing
                    self.warnings.append(f"column '{col}': {n_missing} missing value(s) filled with {self.fill[col]:g}")
                    values = values.fillna(self.fill[col])
                v = values.to_numpy(dtype=np.float64)
                put(j, (v - self.offset[col]) / self.scale[col])
                j += 1
                continue
            cats = self.categories[col]
            n_missing = int(s.isna().sum())
            if n_missing and self.fill[col] is not None:
                self.filled[col] = n_missing
                self.warnings.append(f"column '{col}': {n_missing} missing value(s) filled with '{self.fill[col]}'")
                s = s.where(s.notna(), self.fill[col])
            present = s.notna()
            codes = pd.Index(cats).get_indexer(s.astype(str).where(present))  # -1: unseen or missing
            unseen = int(((codes < 0) & present.to_numpy()).sum())
            if unseen:
                self.warnings.append(f"column '{col}': {unseen} value(s) not seen in training encoded as all zeros")
            for out, r in zip(outs, rows):
                part = codes if r is None else codes[r]
                hit = np.nonzero(part >= 0)[0]
                out[hit, j + part[hit]] = 1.0
            j += len(cats)
        return outs

    def encode_target(self, df: pd.DataFrame) -> np.ndarray:
        """The target column of new rows as the model's targets: class indices (int64) or float32 (n, 1)."""
        if self.target not in df.columns:
            raise DataError(f"the data lacks the target column '{self.target}'")
        y = df[self.target]
        if y.isna().any():
            raise DataError(f"target column '{self.target}' has {int(y.isna().sum())} missing value(s)")
        if self.task == "regression":
            bad = first_non_number(y)
            if bad is not None:
                raise DataError(f"target column '{self.target}', row {bad[0]}: '{bad[1]}' is not a number")
            return coerce_numeric(y).to_numpy(dtype=np.float32).reshape(-1, 1)
        labels = label_strings(y)
        unknown = sorted(set(labels.unique()) - set(self.classes))
        if unknown:
            raise DataError(f"target column '{self.target}' has classes not seen in training: "
                            f"{', '.join(unknown[:5])}")
        return pd.Categorical(labels, categories=self.classes).codes.astype(np.int64)
