"""Learning-rate schedules: the lr sequence each one produces, alone and inside a run."""

import math

import pytest

from designer.errors import ParamError
from designer.training import Trainer, TrainingControl
from designer.training.schedules import make_schedule
from tests.training.helpers import Recorder, blobs, cfg, mlp


def sequence(sched, epochs, metrics=None):
    out = []
    for e in range(epochs):
        out.append(sched.lr_for_epoch(e))
        sched.after_epoch(e, (metrics or [{}] * epochs)[e])
    return out


def test_constant():
    assert sequence(make_schedule(None, 0.1), 3) == [0.1] * 3
    assert sequence(make_schedule({"type": "constant"}, 0.1), 2) == [0.1] * 2


def test_step():
    got = sequence(make_schedule({"type": "step", "step_size": 2, "gamma": 0.5}, 0.8), 6)
    assert got == pytest.approx([0.8, 0.8, 0.4, 0.4, 0.2, 0.2])


def test_exponential():
    got = sequence(make_schedule({"type": "exponential", "gamma": 0.9}, 1.0), 4)
    assert got == pytest.approx([1.0, 0.9, 0.81, 0.729])


def test_cosine_reaches_min_lr_at_t_max_and_stays():
    got = sequence(make_schedule({"type": "cosine", "t_max": 4, "min_lr": 0.1}, 1.1), 6)
    expect = [0.1 + 1.0 * (1 + math.cos(math.pi * min(e, 4) / 4)) / 2 for e in range(6)]
    assert got == pytest.approx(expect)
    assert got[2] == pytest.approx(0.6) and got[4:] == pytest.approx([0.1, 0.1])
    # t_max defaults to the run's epochs; the validator's name min_learning_rate is understood
    sched = make_schedule({"type": "cosine", "min_learning_rate": 0.0}, 1.0, total_epochs=10)
    assert sched.t_max == 10 and sched.lr_for_epoch(5) == pytest.approx(0.5)


def test_reduce_on_plateau():
    losses = [1.0, 0.9, 0.95, 0.92, 0.91, 0.5, 0.6, 0.7]
    sched = make_schedule({"type": "reduce_on_plateau", "monitor": "loss", "factor": 0.5, "patience": 2,
                           "min_lr": 0.03}, 0.2)
    got = sequence(sched, len(losses), [{"loss": v} for v in losses])
    # no improvement after epochs 3 and 4 → halved for epoch 5; again after 7, 8 → would be 0.05, floor 0.03
    assert got == pytest.approx([0.2, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1])
    assert sched.lr_for_epoch(8) == pytest.approx(0.05)


def test_bad_schedule_configs():
    with pytest.raises(ParamError, match=r"training\.schedule.*step"):
        make_schedule({"type": "sawtooth"}, 0.1)
    with pytest.raises(ParamError, match=r"training\.schedule\.gamma"):
        make_schedule({"type": "step", "gamma": 2.0}, 0.1)
    with pytest.raises(ParamError, match=r"training\.schedule\.monitor"):
        make_schedule({"type": "reduce_on_plateau", "monitor": "happiness"}, 0.1)


def test_a_run_uses_the_schedule_and_a_manual_lr_rebases_it():
    control = TrainingControl()

    def on_epoch(e):
        if e.epoch == 3:
            control.set_learning_rate(1.0)

    rec = Recorder(EpochEnd=on_epoch)
    schedule = {"type": "step", "step_size": 2, "gamma": 0.5}
    result = Trainer(mlp(), blobs(n=32), cfg(epochs=7, schedule=schedule, optimizer={"type": "sgd",
                     "learning_rate": 0.8}), control=control, on_event=rec).run()
    lrs = [h["lr"] for h in result.history]
    # epochs 1-3 follow the schedule; the manual 1.0 set after epoch 3 applies from epoch 4's first batch
    # and the schedule restarts from it, counting epoch 4 as its first
    assert lrs == pytest.approx([0.8, 0.8, 0.4, 1.0, 1.0, 0.5, 0.5])
    assert [e.lr for e in rec.of("EpochEnd")] == pytest.approx(lrs)


def test_plateau_schedule_in_a_run_needs_its_metric():
    from designer.errors import TrainingError

    data = blobs()
    data.x_val, data.y_val = data.x_val[:0], data.y_val[:0]
    with pytest.raises(TrainingError, match="validation"):
        Trainer(mlp(), data, cfg(schedule={"type": "reduce_on_plateau"})).run()
