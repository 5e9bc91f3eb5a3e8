"""The hand-off from data preparation to training: arrays ready for the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class PreparedData:
    """Split, cleaned, encoded and scaled data, float32 features.

    x_*: float32, shape (n, n_features) — flat; the trainer reshapes to the Input shape when it has more
    axes (C order, spec "Data"). y_*: classification → int64 class indices (n,) into `classes`;
    regression → float32 (n, n_targets). `preprocessor` replays the same preparation on new rows
    (predict/evaluate --data) and is saved nowhere: it is refitted from the project's data section.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: str  # "classification" | "regression"
    classes: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    target_name: str = ""
    input_shape: tuple[int, ...] = ()
    preprocessor: Any = None
    report: dict = field(default_factory=dict)  # cleaning report: rows dropped, values filled, warnings
    # The held-out splits' rows as they were read (feature columns, before filling, encoding and scaling),
    # indexed by their data row (0 = the first row after the header): what the worst-rows table shows.
    # Only the validation and test splits: they are small, and the whole table is not kept alive for them.
    raw_rows: dict = field(default_factory=dict)
    # An image folder source (designer/data/images.py): (height, width, channels) of every row, the
    # training-time augmentation settings (None: off) and each data row's file, relative to the folder.
    image_shape: tuple[int, ...] | None = None
    augment: dict | None = None
    files: list[str] = field(default_factory=list)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return {"train": (self.x_train, self.y_train), "validation": (self.x_val, self.y_val),
                "test": (self.x_test, self.y_test)}[name]
