"""The memory a run needs is estimated before it starts; running out during a run is a clear message that keeps
the last good weights."""

from __future__ import annotations

import numpy as np
import pytest

from designer.errors import TrainingError
from designer.training import Trainer
from designer.training.memory import FLOAT, check_memory, estimate
from tests.training.helpers import blobs, cfg, mlp


def test_the_estimate_counts_weights_state_activations_and_data():
    net = mlp(n_features=2, units=(8,), out_units=2)  # 2·8+8 + 8·2+2 = 42 parameters
    parts = estimate(net, n_rows=100, n_val_rows=0, batch_size=32, optimizer_type="adam")
    assert parts["weights"] == 42 * FLOAT * (2 + 2 + 2)  # weights, grads, Adam's m and v, two snapshots
    per_sample = 3 * (2 + 8 + 2)  # input, hidden, output: value, gradient, cache
    assert parts["activations"] == per_sample * FLOAT * 32
    assert parts["data"] == (2 * 100) * (2 + 2) * FLOAT
    assert parts["total"] == parts["weights"] + parts["activations"] + parts["data"]
    bigger_batch = estimate(net, 100, 0, 64, "adam")["activations"]
    assert bigger_batch == 2 * parts["activations"]


def test_refusal_names_the_estimate_and_the_way_out():
    net = mlp(n_features=2, units=(512, 512), out_units=2)
    with pytest.raises(TrainingError) as err:
        check_memory(net, n_rows=100_000, n_val_rows=0, batch_size=100_000, optimizer_type="adam",
                     available=10_000_000)
    text = str(err.value)
    assert text.startswith("training needs about ") and "but only 10.0 MB is free" in text
    assert "smaller batch size (now 100000)" in text
    assert check_memory(net, 100, 0, 32, "sgd", available=10**12)["total"] > 0


def test_running_out_of_memory_mid_run_keeps_the_last_good_weights():
    net = mlp()
    trainer = Trainer(net, blobs(), cfg(epochs=5, batch_size=16))
    real_step, calls = net.train_batch, []

    def step(*args, **kwargs):  # the 12th batch finds no memory, as a big allocation would
        calls.append(1)
        if len(calls) == 12:
            raise MemoryError
        return real_step(*args, **kwargs)

    net.train_batch = step
    with pytest.raises(TrainingError, match="ran out of memory during training; the last good weights were kept"):
        trainer.run()
    assert all(np.isfinite(a).all() for _, a in net.parameters())
    np.testing.assert_array_equal(net.get_weights()["dense_1/kernel"], trainer._good["dense_1/kernel"])
