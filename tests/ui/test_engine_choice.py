"""Training panel ▸ Engine: the user picks PyTorch, trains, and the weights come back into the project."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from designer.project.io import load_project, save_project
from tests.ui.conftest import spiral_project

pytest.importorskip("torch")


def test_choose_pytorch_in_the_panel_train_and_get_the_numpy_engines_weights(make_window, qtbot, tmp_path):
    project = spiral_project(epochs=3, samples=200)
    project.training["seed"] = 7
    path = tmp_path / "spiral.nnproj"
    save_project(project, path)

    window = make_window(load_project(path), str(path))
    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        QTest.mouseClick(window.training_panel.train_btn, Qt.MouseButton.LeftButton)
    by_numpy = dict(window.project.weights)

    combo = window.training_panel.engine
    assert combo.isVisibleTo(window) and combo.currentText() == "NumPy (built in)"
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Down)  # NumPy → PyTorch · best device present
    QTest.keyClick(combo, Qt.Key.Key_Down)  # → PyTorch · CPU
    assert combo.currentText() == "PyTorch · CPU"
    assert window.project.training["engine"] == "torch" and window.project.training["device"] == "cpu"

    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        QTest.mouseClick(window.training_panel.train_btn, Qt.MouseButton.LeftButton)
    assert any(label.endswith("· torch (cpu)") for label in window.dashboard.runs)  # the run says its engine
    assert not list(window.dashboard.runs)[0].endswith(")")
    run = window.project.history[-1]
    assert run["settings"]["engine"] == "torch" and run["reason"] == "completed"
    for key, array in by_numpy.items():
        np.testing.assert_allclose(window.project.weights[key], array, rtol=2e-4, atol=2e-5)
    assert window.project.history[-2]["epochs"][-1]["loss"] == pytest.approx(run["epochs"][-1]["loss"], rel=1e-4)

    window.act_undo.trigger()  # each engine choice is one undoable settings edit (Edit ▸ Undo)
    assert window.project.training["device"] == "auto" and combo.currentText() == "PyTorch · best device present"
    window.act_undo.trigger()
    assert "engine" not in window.project.training and combo.currentText() == "NumPy (built in)"


def test_a_torch_run_in_the_window_pauses_takes_a_live_rate_and_stops(make_window, qtbot):
    """The window stays in charge while PyTorch trains in the training process: Pause, a live learning-rate
    edit, Resume and Stop all land."""
    project = spiral_project(epochs=200_000, samples=200)  # never finishes on its own; stopped below
    project.training.update(engine="torch", device="cpu")
    window = make_window(project)
    panel = window.training_panel
    assert panel.engine.currentText() == "PyTorch · CPU"
    lrs = []
    window.runner.epoch_ended.connect(lambda u: lrs.extend(e.lr for e in u.events))
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=60_000):
        QTest.mouseClick(panel.train_btn, Qt.MouseButton.LeftButton)
    assert not panel.engine.isEnabled()  # no engine change mid-run
    QTest.mouseClick(panel.pause_btn, Qt.MouseButton.LeftButton)
    assert window.runner.state == "paused"
    panel.learning_rate.setFocus()
    panel.learning_rate.selectAll()
    QTest.keyClicks(panel.learning_rate, "0.0005")
    QTest.keyClick(panel.learning_rate, Qt.Key.Key_Return)
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=60_000):
        QTest.mouseClick(panel.pause_btn, Qt.MouseButton.LeftButton)  # Resume
    qtbot.waitUntil(lambda: 0.0005 in lrs, timeout=60_000)
    with qtbot.waitSignal(window.runner.finished, timeout=60_000) as blocker:
        QTest.mouseClick(panel.stop_btn, Qt.MouseButton.LeftButton)
    assert blocker.args[0].reason == "stopped"
    assert window.project.weights and all(np.isfinite(w).all() for w in window.project.weights.values())
