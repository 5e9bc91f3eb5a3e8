"""File ▸ Load trained weights…: the user picks a weights file; fitting weights become the project's, a file
that does not fit changes nothing and says why."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from designer.project.io import load_project, save_project
from designer.ui import project_actions
from tests.ui.conftest import spiral_project


def _fill_dialog(path: str) -> None:
    """Type `path` into the open file dialog and accept it (the user's way)."""
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible())
    dialog.findChild(QLineEdit, "fileNameEdit").setText(path)
    dialog.accept()


def test_load_trained_weights_from_the_file_menu(make_window, qtbot, tmp_path, monkeypatch):
    project = spiral_project(epochs=2, samples=200)
    path = tmp_path / "spiral.nnproj"
    save_project(project, path)
    window = make_window(load_project(path), str(path))
    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        QTest.mouseClick(window.training_panel.train_btn, Qt.MouseButton.LeftButton)
    trained = {k: v + 0.5 for k, v in window.project.weights.items()}  # "trained elsewhere"
    npz = tmp_path / "trained_weights.npz"
    np.savez(npz, **trained)

    file_menu = window.menuBar().actions()[0].menu()
    labels = [a.text() for a in file_menu.actions()]
    assert labels.index("Load &trained weights…") == labels.index("&Export…") + 1

    QTimer.singleShot(200, lambda: _fill_dialog(str(npz)))
    window.act_load_weights.trigger()
    qtbot.waitUntil(lambda: all(np.array_equal(window.project.weights[k], trained[k]) for k in trained), timeout=5000)
    assert window.session.dirty and "Loaded" in window.statusBar().currentMessage()

    errors = []
    monkeypatch.setattr(project_actions, "show_error", lambda parent, title, message: errors.append(message))
    bad = tmp_path / "bad.npz"
    np.savez(bad, **{k: v[:1] for k, v in trained.items()})
    QTimer.singleShot(200, lambda: _fill_dialog(str(bad)))
    window.act_load_weights.trigger()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert "has shape" in errors[0] and "needs" in errors[0]
    assert all(np.array_equal(window.project.weights[k], trained[k]) for k in trained)  # unchanged
