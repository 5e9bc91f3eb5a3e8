"""The Data view's Images tab: a few images of every class and the class counts (image folders), or the first
rows of an image-shaped table (the 8×8 digits)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from designer.ui.plots import theme
from designer.ui.plots.eda import ImageGrid

PER_CLASS = 10  # one row of the grid per class
MAX_CLASSES = 12  # rows of the grid; the counts line names every class
TABLE_ROWS = 6  # an image-shaped table (the digits): its first 6 × 10 rows


class ImagePreview(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts_label = QLabel()
        self.counts_label.setWordWrap(True)
        self.counts_label.setTextFormat(Qt.TextFormat.PlainText)
        self.counts_label.setAccessibleName("Class counts")
        self.grid = ImageGrid(columns=PER_CLASS, rows=MAX_CLASSES)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addWidget(self.counts_label)
        layout.addWidget(self.grid, 1)
        self.counts_label.hide()
        self.classes_shown: list[str] = []

    def show_folder(self, pixels: np.ndarray, labels, origin: dict) -> None:
        """`pixels` (n, h, w, c) of every image in row order, `labels` their classes: up to PER_CLASS images of
        each of the first classes, one row per class, under a line of counts."""
        counts: dict = origin.get("class_counts") or {}
        self.grid.rows = MAX_CLASSES
        labels = np.asarray([str(v) for v in labels], dtype=object)
        picked, shown = [], []
        for name in list(counts)[: self.grid.rows]:
            rows = np.flatnonzero(labels == name)[:PER_CLASS]
            if not len(rows):
                continue
            shown.append(name)
            # pad the row so every class starts a new grid row
            picked.extend(list(rows) + [-1] * (PER_CLASS - len(rows)))
        images = np.full((len(picked), *pixels.shape[1:]), np.nan, np.float32)  # NaN: an empty tile
        for k, i in enumerate(picked):
            if i >= 0:
                images[k] = pixels[i]
        self.grid.show_images(images)
        self._name_rows(shown, pixels.shape[1], pixels.shape[2])
        self.classes_shown = shown
        total = sum(counts.values())
        parts = [f"{len(counts)} classes, {total:,} images of {origin['image_shape'][0]}×{origin['image_shape'][1]}"
                 f" {'RGB' if origin['image_shape'][2] == 3 else 'grey'}: "
                 + "  ·  ".join(f"{name}: {n:,}" for name, n in counts.items())]
        if len(counts) > len(shown):
            parts.append(f"the first {len(shown)} classes are shown")
        skipped = origin.get("skipped") or []
        if skipped:
            parts.append(f"{len(skipped)} file(s) skipped (not PNG/JPEG/BMP): " + ", ".join(skipped[:5])
                         + (" …" if len(skipped) > 5 else ""))
        self.counts_label.setText("\n".join(parts))
        self.counts_label.show()

    def _name_rows(self, names: list[str], h: int, w: int) -> None:
        """Each class's name left of its row (above the tiles, names overlapped small images)."""
        grid = self.grid
        if not names:
            return
        gap = max(1, w // 8)  # ImageGrid's own spacing
        ink = theme.foreground(self.palette())
        for r, name in enumerate(names):
            text = pg.TextItem(name if len(name) <= 14 else name[:13] + "…", color=ink, anchor=(1.0, 0.5))
            text.setPos(-gap, r * (h + gap) + h / 2)
            grid.box.addItem(text)
            grid.labels.append(text)  # removed with the tiles by the next show_images
        grid.box.setRange(xRange=(-3.0 * w, PER_CLASS * (w + gap)), yRange=(0, len(names) * (h + gap)),
                          padding=0.02)

    def show_rows(self, pixels: np.ndarray, labels) -> None:
        """The first rows of an image-shaped table, with their labels (no counts line)."""
        self.classes_shown = []
        self.counts_label.hide()
        self.grid.rows = TABLE_ROWS
        self.grid.show_images(pixels, labels)
