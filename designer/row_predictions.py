"""Predictions for rows a person loads or pastes in the window, where one bad row must not sink the others.

`predict` (designer.pipeline) refuses a whole file for one bad cell, which is right for scripts. Here each row
is judged on its own: a cell that is not a number marks its row as a problem (no prediction) and the other rows
are predicted; a category not seen in training is predicted (as all zeros, like the app) with a note.
A missing feature column is still one clear error: no row could be predicted. Qt-free; the UI shows the table.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from designer.data import load_table
from designer.data.cleaning import coerce_numeric
from designer.errors import DataError

ROW, NOTE = "row", "note"


@dataclass
class RowPredictions:
    table: pd.DataFrame  # "row" (1-based), the prediction column(s), "note"; problem rows have empty predictions
    problems: dict[int, str] = field(default_factory=dict)  # 0-based row → why it was not predicted
    notes: dict[int, str] = field(default_factory=dict)  # 0-based row → predicted, with a caveat
    value_columns: list[str] = field(default_factory=list)

    def csv_text(self) -> str:
        from designer.pipeline import spreadsheet_safe_table

        return spreadsheet_safe_table(self.table).to_csv(index=False, lineterminator="\n")


def read_pasted_rows(text: str) -> pd.DataFrame:
    """Pasted CSV text (a header line first; `,` `;` tab or `|`) read by the app's own CSV reader."""
    if not text.strip():
        raise DataError("nothing pasted: paste rows with a header line of column names first")
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="pasted-rows-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text if text.endswith("\n") else text + "\n")
        return load_table({"kind": "csv", "path": name}, None)
    except DataError as err:
        text = str(err).replace(name, "the pasted rows").replace(Path(name).name, "the pasted rows")
        raise DataError(" ".join(text.split())) from None
    finally:
        Path(name).unlink(missing_ok=True)


def predict_rows(project, base_dir, df: pd.DataFrame, model=None) -> RowPredictions:
    """Predict every row of `df` that can be; `model` is (network, prepared) when the caller already built it."""
    from designer.pipeline import _class_probabilities, _require_weights
    from designer.training.metrics import predicted_classes, reshape_inputs
    from designer.training.run import build_and_prepare

    _require_weights(project)
    network, prepared = model if model is not None else build_and_prepare(project, base_dir)
    pre = prepared.preprocessor
    lacking = [c for c in pre.features if c not in df.columns]
    if lacking:
        raise DataError(f"the rows lack the column(s) {', '.join(repr(c) for c in lacking)} that the model was "
                        "trained on")
    df = df.reset_index(drop=True)
    problems: dict[int, str] = {}
    notes: dict[int, list[str]] = {}
    for col in pre.features:
        s = df[col]
        if pre.kinds[col] == "numeric":
            bad = coerce_numeric(s).isna() & s.notna()
            for i in np.nonzero(bad.to_numpy())[0]:
                problems.setdefault(int(i), f"column '{col}': '{s.iloc[i]}' is not a number")
        else:
            known = set(pre.categories[col])
            for i, v in enumerate(s):
                if not _missing(v) and str(v) not in known:
                    notes.setdefault(i, []).append(f"column '{col}': '{v}' not seen in training (encoded as zeros)")
    good = [i for i in range(len(df)) if i not in problems]
    target = prepared.target_name or "target"
    out = np.zeros((0, 1), np.float32)
    if good:
        x = reshape_inputs(pre.transform(df.iloc[good]), network.input_shape)
        out = network.predict(x)
        out = out.reshape(out.shape[0], math.prod(out.shape[1:]))
    columns: dict[str, list] = {ROW: list(range(1, len(df) + 1))}
    if prepared.task == "regression":
        names = [f"{target}_predicted"] if out.shape[1] == 1 else [f"{target}_{i}" for i in range(out.shape[1])]
        for j, name in enumerate(names):
            columns[name] = _spread(out[:, j].astype(np.float64).tolist(), good, len(df))
    else:
        loss = (project.training or {}).get("loss", "")
        classes = prepared.classes
        labels = [classes[k] for k in predicted_classes(out, loss)] if good else []
        probs = _class_probabilities(out, loss) if good else np.zeros((0, len(classes)))
        names = [target, *[f"p_{c}" for c in classes]]
        columns[target] = _spread(labels, good, len(df), "")
        for j, cls in enumerate(classes):
            columns[f"p_{cls}"] = _spread(np.round(probs[:, j].astype(np.float64), 6).tolist(), good, len(df))
    joined = {i: "; ".join(n) for i, n in notes.items() if i not in problems}
    columns[NOTE] = [problems.get(i) or joined.get(i, "") for i in range(len(df))]
    return RowPredictions(pd.DataFrame(columns), problems, joined, names)


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _spread(values: list, good: list[int], n: int, empty=None) -> list:
    """Values for the predicted rows placed at their positions; `empty` (NaN for numbers) elsewhere."""
    out = [float("nan") if empty is None else empty] * n
    for i, v in zip(good, values):
        out[i] = v
    return out


def save_predictions(result: RowPredictions, path: Path) -> Path:
    from designer.fileio import atomic_write_bytes

    atomic_write_bytes(Path(path), result.csv_text().encode("utf-8"))
    return Path(path)
