"""Every setting of the Data view changed through its widget, checked in the project's data section, in the
saved file, and in the next run (training rows per epoch, and the loss curve of a headless run on a data
section the test writes out itself)."""

from __future__ import annotations

import copy
import math

import pytest

from designer.project.io import load_project, save_project
from designer.training import Trainer
from designer.training.run import build_and_prepare
from tests.ui.conftest import spiral_project
from tests.ui.widget_input import choose, click_check, type_value

TIMEOUT = 60_000


def _window(make_window, qtbot, tmp_path):
    project = spiral_project(epochs=2, samples=120)
    path = tmp_path / "data.nnproj"
    save_project(project, path)
    window = make_window(load_project(path), str(path))
    window.data_panel.wait_for_load()
    qtbot.wait(50)  # the loader's result is delivered on the GUI thread
    return window, window.data_panel, path


# (setting, how the user changes it, where it lands in the data section, the value expected there)
EDITS = [
    ("samples", lambda d: type_value(d.samples_spin, "150"), ("source", "samples"), 150),
    ("noise", lambda d: type_value(d.noise_spin, "0.3"), ("source", "noise"), 0.3),
    ("generator seed", lambda d: type_value(d.gen_seed_spin, "5"), ("source", "seed"), 5),
    ("missing values", lambda d: choose(d.missing_combo, "median"), ("missing",), "median"),
    ("scaling", lambda d: choose(d.scaling_combo, "minmax"), ("scaling",), "minmax"),
    ("validation", lambda d: type_value(d.validation_spin, "0.3"), ("split", "validation"), 0.3),
    ("test", lambda d: type_value(d.test_spin, "0.15"), ("split", "test"), 0.15),
    ("shuffle", lambda d: click_check(d.shuffle_check), ("split", "shuffle"), False),
    ("stratify", lambda d: click_check(d.stratify_check), ("split", "stratify"), False),
    ("split seed", lambda d: type_value(d.split_seed_spin, "9"), ("split", "seed"), 9),
    ("drop duplicates", lambda d: click_check(d.duplicates_check), ("drop_duplicates",), True),
    ("task", lambda d: choose(d.task_combo, "regression"), ("task",), "regression"),
    ("source", lambda d: choose(d.source_combo, "iris"), ("source", "name"), "iris"),
]


def _get(cfg, path):
    for key in path:
        if not isinstance(cfg, dict) or key not in cfg:
            return None
        cfg = cfg[key]
    return cfg


@pytest.mark.parametrize(("name", "edit", "path", "value"), EDITS, ids=[e[0] for e in EDITS])
def test_each_data_setting_reaches_the_project_and_the_saved_file(make_window, qtbot, tmp_path, name, edit, path,
                                                                  value):
    window, panel, file = _window(make_window, qtbot, tmp_path)
    assert _get(window.project.data, path) != value
    edit(panel)
    assert _get(window.project.data, path) == value
    assert window.isWindowModified()
    window.data_panel.wait_for_load()
    window.act_save.trigger()
    assert _get(load_project(file).data, path) == value


def test_picking_a_builtin_dataset_sets_its_target_and_task(make_window, qtbot, tmp_path):
    window, panel, _ = _window(make_window, qtbot, tmp_path)
    choose(panel.source_combo, "iris")
    assert window.project.data["source"] == {"kind": "builtin", "name": "iris"}
    assert window.project.data["target"] == "species" and window.project.data["task"] == "classification"


def test_the_generator_settings_show_only_for_a_generated_dataset(make_window, qtbot, tmp_path):
    window, panel, _ = _window(make_window, qtbot, tmp_path)
    generator = (panel.samples_spin, panel.noise_spin, panel.gen_seed_spin)
    assert all(w.isVisibleTo(panel) for w in generator)  # the spiral project's generated data
    choose(panel.source_combo, "iris")
    panel.wait_for_load()
    assert not any(w.isVisibleTo(panel) for w in generator)
    assert panel.validation_spin.isVisibleTo(panel)
    choose(panel.source_combo, "circle")
    panel.wait_for_load()
    assert all(w.isVisibleTo(panel) and w.isEnabled() for w in generator)


def test_the_next_run_uses_the_typed_data_settings(make_window, qtbot, tmp_path):
    window, panel, file = _window(make_window, qtbot, tmp_path)
    untouched = load_project(file)
    type_value(panel.samples_spin, "150")
    type_value(panel.noise_spin, "0.2")
    type_value(panel.validation_spin, "0.3")
    choose(panel.scaling_combo, "minmax")
    type_value(panel.split_seed_spin, "4")

    expected = copy.deepcopy(untouched.data)
    expected["source"].update(samples=150, noise=0.2)
    expected["scaling"] = "minmax"
    expected["split"].update(validation=0.3, seed=4)
    assert window.project.data == expected

    progress = []
    window.runner.progress_started.connect(lambda epochs, batches: progress.append(batches))
    window.data_panel.wait_for_load()
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        window.training_panel.train_btn.click()
    # 150 rows: 45 for validation, 15 for test (10 % by default), 90 to train in batches of 20
    n_train = 150 - round(0.3 * 150) - round(0.1 * 150)
    assert progress == [math.ceil(n_train / untouched.training["batch_size"])]

    headless = load_project(file)
    headless.data = expected
    network, prepared = build_and_prepare(headless, tmp_path)
    assert len(prepared.x_train) == n_train
    assert prepared.x_train.min() >= 0.0 and prepared.x_train.max() <= 1.0  # min-max scaled
    reference = Trainer(network, prepared, headless.training).run().history
    run = window.project.history[-1]
    assert [e["loss"] for e in run["epochs"]] == pytest.approx([e["loss"] for e in reference], rel=1e-5)
