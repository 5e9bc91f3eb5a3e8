"""One training run in the core: the command line and the window's worker train the same project to the
same weights (same seed), because both go through `designer.training.run.TrainingRun`."""

from __future__ import annotations

import numpy as np

from designer.cli import main
from designer.project.io import load_project, save_project
from tests.ui.conftest import spiral_project


def test_cli_and_window_train_to_identical_weights(make_window, qtbot, tmp_path, capsys):
    project = spiral_project(epochs=3, samples=200)
    project.training["seed"] = 7
    path = tmp_path / "spiral.nnproj"
    save_project(project, path)

    out = tmp_path / "cli.nnproj"
    assert main(["train", str(path), "--out", str(out), "--quiet"]) == 0
    by_cli = load_project(out)

    window = make_window(load_project(path), str(path))
    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        window.training_panel.train_btn.click()
    by_window = window.project

    assert by_cli.weights and set(by_cli.weights) == set(by_window.weights)
    for key, array in by_cli.weights.items():
        assert np.array_equal(array, by_window.weights[key]), key
    assert by_cli.history[-1]["epochs"] == by_window.history[-1]["epochs"]  # the same metrics, epoch by epoch
    assert by_cli.history[-1]["settings"] == by_window.history[-1]["settings"]
