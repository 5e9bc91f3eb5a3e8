"""File ▸ Import image folder… walked with the mouse: the dialog, the Data view's preview grid with class
counts, training on the images, and the project file that keeps the folder source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

from designer.project.io import load_project, save_project
from designer.ui.image_folder_dialog import ImageFolderDialog
from tests.image_folders import make_digit_folder

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _type_number(qtbot, spin, value) -> None:
    spin.setFocus()
    spin.selectAll()
    QTest.keyClicks(spin, str(value))
    QTest.keyClick(spin, Qt.Key.Key_Tab)


def drive_dialog(qtbot, *, side=12, augment=True):
    """An `exec` that fills the dialog the way a person does: Browse…, the size, augmentation, OK."""
    seen = {}

    def fake_exec(dialog: ImageFolderDialog):
        dialog.show()
        qtbot.waitExposed(dialog)
        QTest.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
        seen["found"] = dialog.found_label.text()
        _type_number(qtbot, dialog.height_spin, side)
        _type_number(qtbot, dialog.width_spin, side)
        if augment:
            dialog.augment_box.setChecked(True)  # the group box's own check (its title), as a click sets it
            box = dialog.flip_check  # on its box: a check box takes clicks on its box and text only
            QTest.mouseClick(box, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             QPoint(8, box.height() // 2))
            _type_number(qtbot, dialog.seed_spin, 3)
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        seen["ok_enabled"] = ok.isEnabled()
        if ok.isEnabled():
            QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
        else:
            dialog.reject()
        return dialog.result()

    return fake_exec, seen


def cnn_project(tmp_path: Path) -> Path:
    project = load_project(EXAMPLES / "digits_cnn.nnproj")
    project.graph.set_param("dense_1", "units", 3)
    project.training.update({"epochs": 3, "batch_size": 16})
    path = tmp_path / "proj" / "images.nnproj"
    path.parent.mkdir()
    save_project(project, path)
    return path


def test_import_a_folder_preview_train_and_save(make_window, qtbot, tmp_path, monkeypatch):
    path = cnn_project(tmp_path)
    folder = make_digit_folder(path.parent / "pictures" / "digits", per_class=20, side=16)
    window = make_window(load_project(path), str(path))
    window.data_panel.wait_for_load()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    fake_exec, seen = drive_dialog(qtbot, side=12)
    monkeypatch.setattr(ImageFolderDialog, "exec", fake_exec)

    panel = window.data_panel
    with qtbot.waitSignal(panel.table_loaded, timeout=30_000):
        window.act_import_images.trigger()  # File ▸ Import image folder…
    assert seen["found"] == "3 classes, 60 images: 0 20, 1 20, 2 20" and seen["ok_enabled"]
    qtbot.waitUntil(lambda: panel.views.currentIndex() == panel.images_index)
    preview = panel.image_preview
    assert preview.classes_shown == ["0", "1", "2"] and preview.grid.shown == 30  # ten of each class, a row each
    assert preview.counts_label.text().startswith("3 classes, 60 images of 12×12 grey: 0: 20  ·  1: 20  ·  2: 20")
    assert [t.toPlainText() for t in preview.grid.labels] == ["0", "1", "2"]

    source = window.project.data["source"]
    assert source == {"kind": "images", "path": "pictures/digits", "size": [12, 12], "color": "grayscale",
                      "augment": {"flip": True, "shift": 0.1, "rotate": 10.0, "seed": 3}}
    assert window.project.data["target"] == "class" and window.project.data["scaling"] == "none"
    assert window.project.graph.nodes["input_1"].params["shape"] == [12, 12, 1]  # the CNN follows the images

    with qtbot.waitSignal(window.runner.finished, timeout=120_000):
        window.training_panel.train_btn.click()
    qtbot.waitUntil(lambda: window.dashboard.confusion.matrix.size > 0, timeout=30_000)
    assert window.dashboard.confusion.matrix.sum() == 6  # the test split: 10 % of 60 images
    assert np.isfinite(window.project.history[-1]["epochs"][-1]["loss"])

    window.save()
    again = load_project(path)
    assert again.data["source"] == source and again.weights


def test_a_folder_that_cannot_be_used_says_why_and_imports_nothing(make_window, qtbot, tmp_path, monkeypatch):
    folder = make_digit_folder(tmp_path / "digits", classes=("0", "1"), per_class=4, side=8)
    (folder / "empty").mkdir()
    window = make_window()
    window.data_panel.wait_for_load()
    before = window.project.data
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    fake_exec, seen = drive_dialog(qtbot, augment=False)
    monkeypatch.setattr(ImageFolderDialog, "exec", fake_exec)
    QTest.mouseClick(window.data_panel.folder_button, Qt.MouseButton.LeftButton)  # the Data view's button
    assert seen["found"].startswith("⚠ empty: holds no PNG, JPEG or BMP images") and not seen["ok_enabled"]
    assert window.project.data == before
