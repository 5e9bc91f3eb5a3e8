"""The memory estimate's parts, the size words, the free-memory probe per platform, the control's refusals
and the schedules' formulas (module docstring of schedules.py), each computed here from first principles."""

from __future__ import annotations

import math
import os
import sys

import pytest

from designer.errors import ParamError, TrainingError
from designer.training import memory
from designer.training.control import TrainingControl
from designer.training.schedules import make_schedule
from tests.training.helpers import mlp


def test_the_data_part_counts_the_training_rows_twice_and_the_validation_rows_once():
    net = mlp(n_features=3, units=(4,), out_units=2)
    width = 3 + 2  # inputs and targets, float32
    parts = memory.estimate(net, n_rows=100, n_val_rows=30, batch_size=8, optimizer_type="sgd")
    assert parts["data"] == (2 * 100 + 30) * width * 4  # the rows, their shuffled copy, the validation rows
    # the validation split is predicted in chunks of up to 1024 rows: they size the activations
    per_sample = 3 * (3 + 4 + 2)
    assert parts["activations"] == per_sample * 4 * 30
    assert memory.estimate(net, 100, 5000, 8, "sgd")["activations"] == per_sample * 4 * memory.PREDICT_CHUNK


@pytest.mark.parametrize("n, text", [(999, "1 kB"), (10**6 - 1, "1000 kB"), (10**6, "1.0 MB"),
                                     (2_500_000_000, "2.5 GB"), (10**9, "1.0 GB"), (10**12, "1.0 TB"),
                                     (-5, "0 kB")])
def test_size_words(n, text):
    assert memory.size_text(n) == text


def test_data_that_does_not_fit_is_told_to_shrink_the_data():
    net = mlp(n_features=2000, units=(2,), out_units=2)
    with pytest.raises(TrainingError) as err:
        memory.check_memory(net, n_rows=1_000_000, n_val_rows=0, batch_size=1, optimizer_type="sgd",
                            available=1_000_000)
    assert str(err.value).endswith("but only 1.0 MB is free: use fewer rows or columns")


def test_weights_that_do_not_fit_are_told_to_shrink_the_layers():
    net = mlp(n_features=2, units=(2000, 2000), out_units=2)
    with pytest.raises(TrainingError, match=r"use fewer units or filters \(the weights alone are too big\)$"):
        memory.check_memory(net, 10, 0, 1, "adam", available=1_000_000)


@pytest.mark.skipif(not hasattr(os, "sysconf"), reason="POSIX only")
def test_on_macos_the_free_memory_is_the_physical_memory(monkeypatch):
    expected = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    monkeypatch.setattr(sys, "platform", "darwin")
    assert memory._free_memory() == expected


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/meminfo")
def test_on_linux_the_free_memory_is_memavailable():
    with open("/proc/meminfo", encoding="ascii") as f:
        kib = next(int(line.split()[1]) for line in f if line.startswith("MemAvailable:"))
    assert abs(memory._free_memory() - kib * 1024) < 512 * 2**20  # other processes move it a little


@pytest.mark.parametrize("text, expected", [("512M", 512 * 2**20), ("4G", 4 * 2**30), ("1.5K", 1536),
                                            ("2048", 2048), ("3 GB", 3 * 2**30), ("3GB", 3 * 2**30),
                                            ("512 MB", 512 * 2**20),
                                            ("lots", None), ("4X", None), ("-1G", None)])
def test_the_environment_cap(monkeypatch, text, expected):
    monkeypatch.setenv(memory.ENV_LIMIT, text)
    if expected is None:
        with pytest.raises(TrainingError, match=r"NN_DESIGNER_MEMORY_LIMIT must be a size such as 4G or 512M"):
            memory.available_bytes()
    else:
        assert memory.available_bytes() <= expected and memory._env_limit() == expected


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_stepping_refuses_anything_but_a_positive_count(bad):
    with pytest.raises(ParamError) as err:
        TrainingControl().step_batches(bad)
    assert str(err.value) == f"step: must be a positive integer, got {bad!r}"


def test_a_pause_after_an_epoch_step_holds_again():
    control = TrainingControl()
    control.step_epoch()
    assert not control.is_paused and control.wait_for_batch()
    control.pause()
    assert control.is_paused and control.stepping_batches


@pytest.mark.parametrize("cfg, epochs, expected", [
    ({"type": "step", "step_size": 2, "gamma": 0.5}, 5, [0.1, 0.1, 0.05, 0.05, 0.025]),
    ({"type": "exponential", "gamma": 0.9}, 3, [0.1, 0.09, 0.081]),
    ({"type": "cosine", "t_max": 4, "min_lr": 0.02}, 6,
     [0.02 + 0.08 * (1 + math.cos(math.pi * min(e, 4) / 4)) / 2 for e in range(6)]),
    ({"type": "cosine", "min_learning_rate": 0.02}, 3,  # the validator's name; t_max = the run's epochs
     [0.02 + 0.08 * (1 + math.cos(math.pi * e / 3)) / 2 for e in range(3)]),
    (None, 2, [0.1, 0.1]),
    ({"type": "constant"}, 2, [0.1, 0.1]),
])
def test_schedules_follow_their_formulas(cfg, epochs, expected):
    schedule = make_schedule(cfg, 0.1, total_epochs=epochs)
    assert [schedule.lr_for_epoch(e) for e in range(epochs)] == pytest.approx(expected)
