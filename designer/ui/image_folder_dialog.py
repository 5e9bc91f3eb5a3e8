"""Import a folder of images (one sub-folder per class): size, colour and training-time augmentation.

The folder is listed (not decoded) as soon as it is chosen, so the dialog says at once how many classes and
images it holds, or what is wrong with it; the Data view then reads the images on its worker thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from designer.data.augment import AUGMENT_SPECS, augment_settings, is_active
from designer.data.images import COLORS, DEFAULT_COLOR, DEFAULT_SIZE, MAX_SIDE, list_image_folder
from designer.data.sources import resolve_path
from designer.errors import DesignerError
from designer.ui.numbers import DoubleSpinBox


class ImageFolderDialog(QDialog):
    """`source()` after `exec()`: the `images` data source the user set up (path as typed or browsed)."""

    def __init__(self, parent: QWidget | None = None, source: dict | None = None,
                 base_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import an image folder")
        self.base_dir = base_dir
        source = dict(source or {})
        self.path_edit = QLineEdit(str(source.get("path", "")))
        self.path_edit.setPlaceholderText("a folder with one sub-folder per class")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._browse)
        size = source.get("size") or list(DEFAULT_SIZE)
        self.height_spin, self.width_spin = QSpinBox(), QSpinBox()
        for spin, value in ((self.height_spin, size[0]), (self.width_spin, size[1])):
            spin.setRange(1, MAX_SIDE)
            spin.setValue(int(value))
            spin.setSuffix(" px")
        self.color_combo = QComboBox()
        self.color_combo.addItems(list(COLORS))
        self.color_combo.setCurrentText(source.get("color", DEFAULT_COLOR))
        aug = augment_settings(source.get("augment"))
        self.augment_box = QGroupBox("Augment the training images (each epoch, seeded)")
        self.augment_box.setCheckable(True)
        self.augment_box.setChecked(is_active(source.get("augment")))
        self.flip_check = QCheckBox("Mirror left–right")
        self.flip_check.setChecked(bool(aug["flip"]))
        self.shift_spin = DoubleSpinBox()
        self.shift_spin.setRange(0.0, AUGMENT_SPECS["shift"].maximum)
        self.shift_spin.setSingleStep(0.05)
        self.shift_spin.setValue(aug["shift"] if is_active(source.get("augment")) else 0.1)
        self.rotate_spin = DoubleSpinBox()
        self.rotate_spin.setRange(0.0, AUGMENT_SPECS["rotate"].maximum)
        self.rotate_spin.setSuffix("°")
        self.rotate_spin.setValue(aug["rotate"] if is_active(source.get("augment")) else 10.0)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, AUGMENT_SPECS["seed"].maximum)
        self.seed_spin.setValue(int(aug["seed"]))
        aug_form = QFormLayout(self.augment_box)
        aug_form.addRow("", self.flip_check)
        aug_form.addRow("Shift up to (share of size)", self.shift_spin)
        aug_form.addRow("Rotate up to", self.rotate_spin)
        aug_form.addRow("Seed", self.seed_spin)
        self.found_label = QLabel()
        self.found_label.setWordWrap(True)

        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        size_row = QHBoxLayout()
        size_row.addWidget(self.height_spin)
        size_row.addWidget(QLabel("high ×"))
        size_row.addWidget(self.width_spin)
        size_row.addWidget(QLabel("wide"))
        size_row.addStretch(1)
        form = QFormLayout()
        form.addRow("Folder", path_row)
        form.addRow("", self.found_label)
        form.addRow("Resize to", size_row)
        form.addRow("Colour", self.color_combo)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Pixels are scaled to [0, 1]; each class is a sub-folder of PNG, JPEG or BMP files."))
        layout.addWidget(self.augment_box)
        layout.addWidget(self.buttons)
        self.path_edit.textChanged.connect(self._check_folder)
        self._check_folder()

    def _browse(self) -> None:
        start = self.path_edit.text() or (str(self.base_dir) if self.base_dir else "")
        path = QFileDialog.getExistingDirectory(self, "Choose the image folder", start,
                                                QFileDialog.Option.DontUseNativeDialog)
        if path:
            self.path_edit.setText(path)

    def _check_folder(self) -> None:
        """List the folder (no decoding): its classes and image counts, or why it cannot be used."""
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        text = self.path_edit.text().strip()
        if not text:
            self.found_label.setText("Choose a folder.")
            ok.setEnabled(False)
            return
        try:
            files, skipped = list_image_folder(resolve_path(text, self.base_dir))
        except DesignerError as e:
            self.found_label.setText(f"⚠ {e}")
            ok.setEnabled(False)
            return
        counts: dict[str, int] = {}
        for _path, label in files:
            counts[label] = counts.get(label, 0) + 1
        shown = ", ".join(f"{name} {n}" for name, n in list(counts.items())[:8])
        more = " …" if len(counts) > 8 else ""
        note = f"; {len(skipped)} other file(s) skipped" if skipped else ""
        self.found_label.setText(f"{len(counts)} classes, {len(files)} images: {shown}{more}{note}")
        ok.setEnabled(len(counts) >= 2)
        if len(counts) < 2:
            self.found_label.setText(self.found_label.text() + " — classification needs at least two classes")

    def source(self) -> dict:
        src = {"kind": "images", "path": self.path_edit.text().strip(),
               "size": [self.height_spin.value(), self.width_spin.value()], "color": self.color_combo.currentText()}
        if self.augment_box.isChecked():
            src["augment"] = {"flip": self.flip_check.isChecked(), "shift": round(self.shift_spin.value(), 4),
                              "rotate": round(self.rotate_spin.value(), 3), "seed": self.seed_spin.value()}
        return src
