"""What the trainer reports, against values this test computes from the network's own predictions.

The learning rate is ~0 (SGD, 1e-12), so the weights do not move and an epoch's loss must equal the loss of
the whole split computed here: a batch-weighted mean, the L1 penalty when asked for, regression in standard
units. Messages are compared word for word: they are what a person reads."""

from __future__ import annotations

import types

import numpy as np
import pytest

from designer.training import Trainer
from designer.training.trainer import HISTOGRAM_BINS, HISTOGRAM_ROWS
from tests.training.helpers import Recorder, blobs, cfg, mlp, plane

FROZEN = {"type": "sgd", "learning_rate": 1e-12}
EPS = 1e-7


def _cross_entropy(net, x, y):
    p = net.predict(x).astype(np.float64)
    return float(np.mean(-np.log(np.clip(p[np.arange(len(y)), y], EPS, 1 - EPS))))


def _l1(net):
    return sum(float(np.abs(layer.params["kernel"]).sum()) for layer in net.layers.values()
               if "kernel" in getattr(layer, "params", {}))


def test_an_epochs_loss_is_the_row_weighted_mean_over_uneven_batches():
    data, net = blobs(n=50, n_val=20, seed=3), mlp(seed=3)
    expected_train = _cross_entropy(net, data.x_train, data.y_train)
    expected_val = _cross_entropy(net, data.x_val, data.y_val)
    # 50 rows in batches of 16: 16, 16, 16 and 2 — a mean of batch means would weigh the last 2 rows 8 times
    result = Trainer(net, data, cfg(epochs=1, batch_size=16, optimizer=FROZEN)).run()
    assert result.history[0]["loss"] == pytest.approx(expected_train, rel=1e-5)
    assert result.history[0]["val_loss"] == pytest.approx(expected_val, rel=1e-5)


def test_the_l1_penalty_reaches_the_step_and_the_reported_losses():
    data, net = blobs(n=40, n_val=20, seed=4), mlp(seed=4)
    base_train, base_val, penalty = (_cross_entropy(net, data.x_train, data.y_train),
                                     _cross_entropy(net, data.x_val, data.y_val), 0.01 * _l1(net))
    assert penalty > 1e-3
    result = Trainer(net, data, cfg(epochs=1, batch_size=40, optimizer=FROZEN,
                                    regularization={"l1": 0.01, "l2": 0.0})).run()
    assert result.history[0]["loss"] == pytest.approx(base_train + penalty, rel=1e-5)
    assert result.history[0]["val_loss"] == pytest.approx(base_val + penalty, rel=1e-5)


def test_a_standardised_regression_trains_in_standard_units_and_reports_target_units():
    data = plane(n=60, seed=2, scale=50.0)
    mean, scale = np.float32(7.0), np.float32(40.0)
    data.preprocessor = types.SimpleNamespace(target_mean=np.array([mean]), target_scale=np.array([scale]))
    net = mlp(out_units=1, out_activation="linear", seed=2)
    raw_train = net.predict_raw(data.x_train).astype(np.float64)  # before training sets the scaling
    raw_val = net.predict_raw(data.x_val).astype(np.float64)
    result = Trainer(net, data, cfg(epochs=1, batch_size=60, loss="mean_squared_error", optimizer=FROZEN)).run()
    first = result.history[0]
    standard_train = (data.y_train.astype(np.float64) - mean) / scale
    assert first["loss"] == pytest.approx(np.mean((raw_train - standard_train) ** 2), rel=1e-4)
    assert first["val_mae"] == pytest.approx(np.mean(np.abs(raw_val * scale + mean - data.y_val)), rel=1e-4)
    assert net.predict(data.x_val) == pytest.approx((raw_val * scale + mean).astype(np.float32), rel=1e-5)


def test_the_completion_message_names_the_monitor_validation_first():
    data = blobs(n=30, n_val=10)
    with_val = Trainer(mlp(), data, cfg(epochs=3)).run()
    assert with_val.message == f"completed 3 epochs; val_loss {with_val.history[-1]['val_loss']:.4g}"
    data.x_val, data.y_val = data.x_val[:0], data.y_val[:0]
    rec = Recorder()
    alone = Trainer(mlp(), data, cfg(epochs=1), on_event=rec).run()
    assert alone.message == f"completed 1 epoch; loss {alone.history[-1]['loss']:.4g}"
    assert rec.of("TrainingFinished")[0].message == alone.message


def test_early_stopping_says_how_long_it_waited_in_words():
    result = Trainer(mlp(), blobs(n=30, n_val=10), cfg(
        epochs=10, optimizer=FROZEN,
        early_stopping={"monitor": "val_loss", "patience": 2, "min_delta": 0.0, "restore_best_weights": False},
    )).run()
    best = result.history[0]["val_loss"]
    assert result.reason == "early_stopping" and len(result.history) == 3
    assert result.message == (f"early stopping after epoch 3: val_loss did not improve for 2 epochs "
                              f"(best {best:.4g} at epoch 1)")


def test_histograms_are_of_a_fixed_seeded_sample_of_distinct_training_rows():
    data = blobs(n=400, n_val=10, seed=5)
    rec = Recorder()
    net = mlp(units=(6,), seed=5)
    Trainer(net, data, cfg(epochs=1, batch_size=400, optimizer=FROZEN, seed=11), on_event=rec).run()
    event = rec.of("EpochEnd")[0]
    rows = np.sort(np.random.default_rng(12).choice(400, size=HISTOGRAM_ROWS, replace=False))  # seed + 1
    layer = net.layers["dense_1"]
    hidden = np.tanh(data.x_train[rows].astype(np.float64) @ layer.params["kernel"] + layer.params["bias"])
    counts, edges = event.histograms["dense_1"]
    expected_counts, expected_edges = np.histogram(hidden.astype(np.float32).reshape(-1), bins=HISTOGRAM_BINS)
    assert edges == pytest.approx(expected_edges, abs=1e-5)
    assert np.abs(counts - expected_counts).sum() <= 2  # float32 vs float64 at a bin edge
    assert counts.sum() == HISTOGRAM_ROWS * 6
    assert event.extras["seconds"] > 0
    assert set(event.extras) == {"weight_norms", "grad_norms", "seconds", "preactivations", "kernels"}
    # the same sample's pre-activations z = x·W + b (the function lab's histogram) and the kernel's values
    z = data.x_train[rows].astype(np.float64) @ layer.params["kernel"] + layer.params["bias"]
    z_counts, z_edges = event.extras["preactivations"]["dense_1"]
    assert z_counts.sum() == HISTOGRAM_ROWS * 6 and z_edges[0] == pytest.approx(z.min(), abs=1e-5)
    k_counts, _ = event.extras["kernels"]["dense_1"]
    assert k_counts.sum() == layer.params["kernel"].size
