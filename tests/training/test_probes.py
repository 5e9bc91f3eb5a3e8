"""Probes (activation histograms, weight and gradient norms) are computed only when someone will look at them:
every epoch by default, at a bounded rate for the window, never for the command line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from designer.training import Trainer, TrainingControl
from designer.training.run import train_project
from tests.training.helpers import Recorder, blobs, cfg, mlp

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def counted(monkeypatch):
    """Counts the trainer's histogram and norm computations (the real ones still run)."""
    calls = {"histograms": 0, "norms": 0}
    real_histograms, real_norms = Trainer._histograms, Trainer._norms

    def histograms(self, sample):
        calls["histograms"] += 1
        return real_histograms(self, sample)

    def norms(self, items):
        calls["norms"] += 1
        return real_norms(self, items)

    monkeypatch.setattr(Trainer, "_histograms", histograms)
    monkeypatch.setattr(Trainer, "_norms", norms)
    return calls


def test_without_probes_no_histogram_or_norm_is_computed_and_every_epoch_is_kept(counted):
    rec = Recorder()
    result = Trainer(mlp(), blobs(), cfg(epochs=30, batch_size=32), on_event=rec, probe_interval=None).run()
    assert counted == {"histograms": 0, "norms": 0}
    epochs = rec.of("EpochEnd")
    assert [e.epoch for e in epochs] == list(range(1, 31))
    assert all(e.histograms == {} and set(e.extras) == {"seconds"} for e in epochs)
    assert [h["epoch"] for h in result.history] == list(range(1, 31))  # every epoch's loss and metrics
    assert all({"loss", "val_loss", "accuracy", "val_accuracy"} <= h.keys() for h in result.history)


def test_a_long_interval_probes_the_first_and_last_epochs_only(counted):
    rec = Recorder()
    Trainer(mlp(), blobs(), cfg(epochs=40, batch_size=32), on_event=rec, probe_interval=3600.0).run()
    probed = [e.epoch for e in rec.of("EpochEnd") if e.histograms]
    assert probed == [1, 40]
    assert counted["histograms"] == 2 and counted["norms"] == 4  # weights and gradients, twice
    normed = [e.epoch for e in rec.of("EpochEnd") if "weight_norms" in e.extras]
    assert normed == [1, 40]


def test_histograms_per_second_of_wall_time_are_bounded(counted):
    interval, epochs = 0.02, 400
    t0 = time.perf_counter()
    Trainer(mlp(), blobs(n=64), cfg(epochs=epochs, batch_size=64), probe_interval=interval).run()
    elapsed = time.perf_counter() - t0
    # At most one per interval of the run's wall time, plus the first and the last epoch: however fast or
    # slow the machine is, the bound holds (a count, not a timing).
    assert 2 <= counted["histograms"] <= elapsed / interval + 2
    assert counted["histograms"] <= epochs


def _clocks(monkeypatch, wall_step: float, cpu_step: float) -> None:
    """The trainer's clocks, faked: each reading moves wall time (or this thread's CPU time) by a fixed step."""
    from types import SimpleNamespace

    from designer.training import trainer as trainer_module

    clock = {"wall": 0.0, "cpu": 0.0}

    def wall() -> float:
        clock["wall"] += wall_step
        return clock["wall"]

    def cpu() -> float:
        clock["cpu"] += cpu_step
        return clock["cpu"]

    monkeypatch.setattr(trainer_module, "time", SimpleNamespace(perf_counter=wall, thread_time=cpu))


def test_probes_are_spaced_by_the_cpu_time_training_got_too(counted, monkeypatch):
    """On a busy machine the training thread waits for a core: wall time passes, its work does not. Probes are
    then spaced by its CPU time as well, so they stay the same share of its work."""
    _clocks(monkeypatch, wall_step=1.0, cpu_step=0.001)  # a second of wall time per reading, hardly any CPU
    rec = Recorder()
    Trainer(mlp(), blobs(), cfg(epochs=20, batch_size=32), on_event=rec, probe_interval=0.25).run()
    probed = [e.epoch for e in rec.of("EpochEnd") if e.histograms]
    assert probed == [1, 20]  # 20 epochs got 0.02 s of CPU in all: less than one interval, though "minutes" passed


def test_a_run_slowed_down_by_the_speed_control_is_probed_by_wall_time(counted, monkeypatch):
    """The speed control makes the trainer sleep between batches: little CPU time, yet the user watches every
    step of it, so wall time alone spaces the probes there."""
    _clocks(monkeypatch, wall_step=1.0, cpu_step=0.001)
    control = TrainingControl()
    control.set_batch_delay(0.001)
    rec = Recorder()
    Trainer(mlp(), blobs(n=64), cfg(epochs=6, batch_size=64), control=control, on_event=rec,
            probe_interval=0.25).run()
    assert [e.epoch for e in rec.of("EpochEnd") if e.histograms] == [1, 2, 3, 4, 5, 6]


def test_every_epoch_is_probed_while_the_user_holds_the_run(counted):
    class Held(TrainingControl):
        @property
        def held(self) -> bool:  # paused or stepping: the user waits for each epoch's result
            return True

    rec = Recorder()
    Trainer(mlp(), blobs(), cfg(epochs=6), control=Held(), on_event=rec, probe_interval=3600.0).run()
    assert all(e.histograms for e in rec.of("EpochEnd")) and counted["histograms"] == 6


def test_a_control_reports_when_the_user_holds_the_run():
    control = TrainingControl()
    assert not control.held
    control.pause()
    assert control.held
    control.step_epoch()
    assert control.held  # stepping: still held, each epoch is awaited
    control.resume()
    assert not control.held


def test_train_project_as_the_command_line_uses_it_computes_no_probes(counted):
    from designer.project.io import load_project

    project = load_project(EXAMPLES / "spiral.nnproj")
    rec = Recorder()
    trained, metrics = train_project(project, None, epochs=5, on_event=rec)
    assert counted == {"histograms": 0, "norms": 0}
    assert metrics["epochs_run"] == 5 and len(trained.history[-1]["epochs"]) == 5
