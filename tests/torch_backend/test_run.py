"""Whole runs on the PyTorch engine: the same curves as the NumPy engine, events and probes, early stopping,
the NaN guard, weights back into the project, and clear refusals."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from designer.errors import TrainingError  # noqa: E402
from designer.project.io import load_project  # noqa: E402
from designer.training import engines  # noqa: E402
from designer.training.events import BatchEnd, EpochEnd, TrainingFinished, TrainingStarted  # noqa: E402
from designer.training.run import RunStarted, TrainingRun  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def project(name="spiral", **training):
    p = load_project(EXAMPLES / f"{name}.nnproj")
    return dataclasses.replace(p, training={**p.training, **training}, weights={})


def run(p, **kw):
    events = []
    outcome = TrainingRun(p, EXAMPLES, on_event=events.append, **kw).run()
    return outcome, events


@pytest.mark.parametrize("opt", [{"type": "adam", "learning_rate": 0.01},
                                 {"type": "sgd", "learning_rate": 0.1, "momentum": 0.9}])
def test_the_same_curves_and_weights_as_the_numpy_engine(opt):
    base = project(optimizer=opt, epochs=6, seed=3)
    a, ev_a = run(base, probe_interval=0.0, evaluate=True)
    b, ev_b = run(dataclasses.replace(base, training={**base.training, "engine": "torch", "device": "cpu"}),
                  probe_interval=0.0, evaluate=True)
    ha, hb = a.result.history, b.result.history
    assert len(ha) == len(hb) == 6
    for ea, eb in zip(ha, hb):
        assert ea.keys() == eb.keys()
        for key in ea:
            assert eb[key] == pytest.approx(ea[key], rel=1e-4, abs=1e-6), key
    for key, arr in a.weights.items():
        assert isinstance(b.weights[key], np.ndarray) and b.weights[key].dtype == np.float32
        np.testing.assert_allclose(b.weights[key], arr, rtol=2e-4, atol=2e-5)
    assert b.evaluation["accuracy"] == pytest.approx(a.evaluation["accuracy"], abs=0.01)
    kinds = lambda evs: [type(e).__name__ for e in evs if not isinstance(e, BatchEnd)]  # noqa: E731
    assert kinds(ev_a) == kinds(ev_b)
    started = [e for e in ev_b if isinstance(e, RunStarted)][0]
    assert started.engine == "torch (cpu)" and [e for e in ev_a if isinstance(e, RunStarted)][0].engine == "numpy"
    # live plots: histograms and weight/gradient norms on the torch run's epochs
    last_a = [e for e in ev_a if isinstance(e, EpochEnd)][-1]
    last_b = [e for e in ev_b if isinstance(e, EpochEnd)][-1]
    assert last_b.histograms.keys() == last_a.histograms.keys() and last_b.histograms
    for nid, (_counts, edges) in last_a.histograms.items():
        np.testing.assert_allclose(last_b.histograms[nid][1], edges, rtol=1e-3, atol=1e-4)
    for key in ("weight_norms", "grad_norms"):
        for nid, v in last_a.extras[key].items():
            assert last_b.extras[key][nid] == pytest.approx(v, rel=1e-3)
    assert any(isinstance(e, BatchEnd) and e.samples_per_s > 0 for e in ev_b)
    assert isinstance(ev_b[1], TrainingStarted) and isinstance(ev_b[-1], TrainingFinished)


def test_early_stopping_restores_the_best_weights_on_torch():
    p = project(engine="torch", device="cpu", epochs=200, optimizer={"type": "adam", "learning_rate": 0.2},
                early_stopping={"monitor": "val_loss", "patience": 2, "restore_best_weights": True})
    out, _ = run(p)
    assert out.reason == "early_stopping"
    best = out.result.history[out.result.best_epoch - 1]
    assert out.metrics["val_loss"] == best["val_loss"]


def test_the_nan_guard_names_the_layer_and_restores_good_weights_on_torch():
    from designer.torch_backend.network import TorchNetwork
    from designer.training.trainer import Trainer
    from tests.training.helpers import blobs, cfg, mlp

    host = mlp(units=(4,), hidden="relu")
    host.layers["dense_1"].params["kernel"][:] = 3e38  # finite, but any product overflows to inf
    net = TorchNetwork(host, device="cpu")
    before = net.get_weights()
    result = Trainer(net, blobs(), cfg(epochs=3)).run()
    assert result.reason == "nan" and result.history == []
    assert "dense_1" in result.message and "NaN/Inf" in result.message
    after = net.get_weights()
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_diverging_torch_training_stops_with_nan_and_finite_weights():
    from designer.torch_backend.network import TorchNetwork
    from designer.training.trainer import Trainer
    from tests.training.helpers import cfg, mlp, plane

    net = TorchNetwork(mlp(units=(16,), out_units=1, out_activation="linear"), device="cpu")
    result = Trainer(net, plane(scale=1e18), cfg(loss="mean_squared_error", epochs=50,
                                                 optimizer={"type": "sgd", "learning_rate": 10.0})).run()
    assert result.reason == "nan"
    assert all(np.isfinite(w).all() for w in net.get_weights().values())


def test_a_schedule_sets_the_rate_on_the_torch_steps():
    sched = {"type": "step", "gamma": 0.5, "step_size": 1}
    p = project(epochs=3, schedule=sched, optimizer={"type": "adam", "learning_rate": 0.02})
    a, _ = run(p)
    b, _ = run(dataclasses.replace(p, training={**p.training, "engine": "torch", "device": "cpu"}))
    assert [e["lr"] for e in b.result.history] == [e["lr"] for e in a.result.history]
    assert b.result.history[-1]["loss"] == pytest.approx(a.result.history[-1]["loss"], rel=1e-4)


def test_a_torch_project_trains_on_numpy_with_a_notice_when_torch_is_missing(monkeypatch):
    from designer import torch_backend

    monkeypatch.setattr(torch_backend, "available", lambda: False)
    out, events = run(project(engine="torch", epochs=1))
    started = [e for e in events if isinstance(e, RunStarted)][0]
    assert started.engine == "numpy"
    assert any("torch is not installed" in w for w in started.warnings)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_asking_for_a_missing_gpu_is_one_clear_error():
    with pytest.raises(TrainingError, match="no CUDA GPU"):
        run(project(engine="torch", device="cuda", epochs=1))


def test_an_unknown_engine_is_refused():
    with pytest.raises(TrainingError, match="numpy or torch"):
        engines.engine_name({"engine": "jax"})


def test_the_project_is_unchanged_and_records_the_torch_weights():
    p = project(engine="torch", device="auto", epochs=2)
    before = copy.deepcopy(p.training)
    out, _ = run(p)
    assert p.training == before and p.weights == {}
    assert out.history_entry()["settings"]["engine"] == "torch"
    assert set(out.weights) == {f"{k}" for k in out.weights} and out.weights
