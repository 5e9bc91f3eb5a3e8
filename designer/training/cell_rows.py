"""Which evaluated rows fall in each confusion-matrix cell, with what the Evaluation view shows of them.

A cell (true class i, predicted class j) opens into its rows: for a table their values as they were read
(text, missing cells, original units), for an image folder the images themselves and their files. Built
once per evaluation from the predictions `evaluate_run` makes anyway; Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from designer.training.metrics import predicted_classes, reshape_inputs

MAX_TABLE_ROWS = 500  # a cell of a huge split lists its first rows (the caption says how many there are)
MAX_IMAGES = 60


@dataclass
class CellRows:
    classes: list[str]
    true: np.ndarray  # (n,) class index per evaluated row
    predicted: np.ndarray  # (n,) predicted class index
    confidence: np.ndarray  # (n,) the predicted class's probability (or score)
    row_numbers: list  # per evaluated row: its data row (1 = the first row after the header) or position
    raw: object = None  # pandas DataFrame of the rows as read (feature columns), aligned with `true`
    prepared: np.ndarray | None = None  # (n, features) when the raw rows are not kept (the train split)
    feature_names: list[str] = field(default_factory=list)
    image_shape: tuple[int, ...] | None = None
    files: list[str] = field(default_factory=list)  # per evaluated row (image folders)

    def indices(self, true: int, predicted: int) -> np.ndarray:
        return np.flatnonzero((self.true == true) & (self.predicted == predicted))

    def count(self, true: int, predicted: int) -> int:
        return int(len(self.indices(true, predicted)))

    def table(self, true: int, predicted: int, limit: int = MAX_TABLE_ROWS) -> tuple[list[str], list[list[str]]]:
        """(header, text cells) of the cell's rows: row, confidence, then every feature as read."""
        idx = self.indices(true, predicted)[:limit]
        if self.raw is not None:
            names = [str(c) for c in self.raw.columns]
            values = [[_text(v) for v in self.raw.iloc[int(i)].tolist()] for i in idx]
        else:
            names = list(self.feature_names)
            values = [[_text(float(v)) for v in self.prepared[int(i)]] for i in idx]
        header = ["row"] + (["file"] if self.files else []) + ["confidence"] + names
        cells = []
        for k, i in enumerate(idx):
            front = [str(self.row_numbers[i])] + ([self.files[i]] if self.files else [])
            cells.append(front + [f"{self.confidence[i]:.3f}"] + values[k])
        return header, cells

    def images(self, true: int, predicted: int, limit: int = MAX_IMAGES) -> tuple[np.ndarray, list[str]]:
        """(images (k, h, w, c) in [0, 1], one caption each) of the cell's first `limit` rows."""
        if not self.image_shape:
            return np.zeros((0, 1, 1, 1), np.float32), []
        idx = self.indices(true, predicted)[:limit]
        source = self.raw.to_numpy(dtype=np.float32) if self.raw is not None else self.prepared
        pixels = np.asarray(source[idx], dtype=np.float32).reshape((len(idx), *self.image_shape))
        captions = [self.files[i] if self.files else f"row {self.row_numbers[i]}" for i in idx]
        return pixels, captions


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "missing"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def cell_rows(network, x: np.ndarray, y: np.ndarray, loss_name: str, prepared, split: str,
              pred: np.ndarray | None = None) -> CellRows | None:
    """The cell index of every row of `split` (classification only; None otherwise); `pred` is the network's
    output on `x` when the caller has it already."""
    if prepared.task != "classification" or len(x) == 0:
        return None
    n = len(x)
    if pred is None:
        pred = network.predict(reshape_inputs(x, network.input_shape))
    out = np.asarray(pred, dtype=np.float64).reshape(n, -1)
    predicted = np.asarray(predicted_classes(out, loss_name), dtype=np.int64)
    if out.shape[1] == 1:
        confidence = np.where(predicted == 1, out[:, 0], 1.0 - out[:, 0])
    else:
        confidence = out[np.arange(n), predicted]
    raw = (getattr(prepared, "raw_rows", None) or {}).get(split)
    if raw is not None and len(raw) != n:
        raw = None
    if raw is not None:
        numbers = [int(r) + 1 if isinstance(r, (int, np.integer)) else str(r) for r in raw.index]
    else:
        numbers = list(range(1, n + 1))
    files_all = list(getattr(prepared, "files", None) or [])
    files = []
    if files_all and raw is not None:
        files = [files_all[int(r)] for r in raw.index]
    shape = getattr(prepared, "image_shape", None)
    return CellRows(classes=[str(c) for c in prepared.classes], true=np.asarray(y).reshape(-1).astype(np.int64),
                    predicted=predicted, confidence=confidence, row_numbers=numbers, raw=raw,
                    prepared=None if raw is not None else np.asarray(x).reshape(n, -1),
                    feature_names=list(prepared.feature_names or []), image_shape=tuple(shape) if shape else None,
                    files=files)
