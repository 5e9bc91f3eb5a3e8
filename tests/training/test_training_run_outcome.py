"""What one TrainingRun leaves behind, field by field: the history entry the project keeps (the spec's keys),
the soft warnings, the probe the window draws from, and train_project's probe interval."""

from __future__ import annotations

from designer.project import Project
from designer.training.run import TrainingRun, train_project
from tests.training.helpers import Recorder, mlp_graph


def _xor_project(out_activation="softmax", epochs=2) -> Project:
    project = Project(name="xor", graph=mlp_graph(units=(4,), out_units=2, out_activation=out_activation))
    project.data = {"source": {"kind": "builtin", "name": "xor", "samples": 120, "noise": 0.0, "seed": 1},
                    "target": "label"}
    project.training.update({"epochs": epochs, "optimizer": {"type": "adam", "learning_rate": 0.05}})
    return project


def test_the_history_entry_has_the_specs_keys_and_the_runs_values():
    outcome = TrainingRun(_xor_project(epochs=3), None).run()
    entry = outcome.history_entry()
    assert set(entry) == {"settings", "epochs", "reason", "best_epoch", "message"}
    assert entry["reason"] == "completed" and entry["best_epoch"] == outcome.result.best_epoch
    assert entry["best_epoch"] in (1, 2, 3) and [e["epoch"] for e in entry["epochs"]] == [1, 2, 3]
    assert entry["message"] == outcome.message and entry["message"].startswith("completed 3 epochs; val_loss ")
    assert entry["settings"]["epochs"] == 3


def test_a_soft_misfit_is_a_warning_of_the_outcome_and_of_run_started():
    rec = Recorder()
    outcome = TrainingRun(_xor_project(out_activation="tanh"), None, on_event=rec).run()
    expected = "dense_2: categorical_crossentropy expects a softmax output, but its activation is tanh"
    assert expected in outcome.warnings
    assert expected in rec.of("RunStarted")[0].warnings


def test_with_probes_the_run_has_a_plane_probe_of_its_network():
    run = TrainingRun(_xor_project(), None, probes=True)
    run.run()
    xs, ys, values = run.probe.boundary()
    assert values.shape == (len(ys), len(xs))
    assert run.probe.network is run.network and run.probe.layers == ["dense_1"]
    assert TrainingRun(_xor_project(), None).probe is None


def test_train_project_passes_its_probe_interval_to_the_trainer():
    with_probes, without = Recorder(), Recorder()
    train_project(_xor_project(), None, on_event=with_probes, probe_interval=0.0)
    train_project(_xor_project(), None, on_event=without)
    assert all(e.histograms for e in with_probes.of("EpochEnd"))
    assert not any(e.histograms for e in without.of("EpochEnd"))
