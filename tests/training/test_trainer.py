"""The fit loop with the real Network on small hand-made problems."""

import numpy as np
import pytest

from designer.errors import ParamError, TrainingError
from designer.training import Trainer, TrainingControl
from designer.training import trainer as trainer_module
from tests.training.helpers import Recorder, blobs, cfg, mlp, plane, xor_data


@pytest.fixture
def every_batch(monkeypatch):
    """Report every batch (no throttling) so tests can count them."""
    monkeypatch.setattr(trainer_module, "BATCH_EVENT_INTERVAL", 0.0)


def test_training_reduces_the_loss_on_xor():
    net = mlp(units=(16,), seed=1)
    result = Trainer(net, xor_data(), cfg(epochs=60, batch_size=16, optimizer={"type": "adam", "learning_rate": 0.05}))
    result = result.run()
    first, last = result.history[0], result.history[-1]
    assert result.reason == "completed" and len(result.history) == 60
    assert last["loss"] < first["loss"] / 3
    assert last["val_accuracy"] >= 0.9
    assert set(last) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"}


def test_regression_reports_mae_and_r2_and_learns():
    net = mlp(units=(8,), out_units=1, out_activation="linear")
    result = Trainer(net, plane(), cfg(loss="mean_squared_error", epochs=40)).run()
    last = result.history[-1]
    assert {"mae", "r2", "val_mae", "val_r2"} <= set(last)
    assert last["val_r2"] > 0.9 and last["val_mae"] < result.history[0]["val_mae"]


def test_fixed_seed_is_exactly_repeatable_and_another_seed_differs():
    def run(seed):
        net = mlp(seed=seed)
        res = Trainer(net, blobs(), cfg(seed=seed, epochs=3)).run()
        return res.history, net.get_weights()

    h1, w1 = run(7)
    h2, w2 = run(7)
    h3, _ = run(8)
    assert h1 == h2
    assert all(np.array_equal(w1[k], w2[k]) for k in w1)
    assert h1 != h3


def _spy_batches(net):
    seen = []
    original = net.train_batch

    def spy(x, y, *args, **kw):
        seen.append(np.array(x))
        return original(x, y, *args, **kw)

    net.train_batch = spy
    return seen


def test_shuffle_false_keeps_row_order_and_shuffle_true_permutes_each_epoch():
    data = blobs(n=50)
    net = mlp()
    seen = _spy_batches(net)
    Trainer(net, data, cfg(shuffle=False, epochs=2, batch_size=16)).run()
    assert [len(b) for b in seen] == [16, 16, 16, 2] * 2
    np.testing.assert_array_equal(np.concatenate(seen[:4]), data.x_train)

    net = mlp()
    seen = _spy_batches(net)
    Trainer(net, data, cfg(shuffle=True, epochs=2, batch_size=16)).run()
    e1, e2 = np.concatenate(seen[:4]), np.concatenate(seen[4:])
    assert not np.array_equal(e1, data.x_train) and not np.array_equal(e1, e2)
    key = np.lexsort(data.x_train.T)
    np.testing.assert_array_equal(e1[np.lexsort(e1.T)], data.x_train[key])


def test_flat_rows_are_reshaped_to_a_shaped_input():
    from designer.engine.network import Network
    from tests.training.helpers import mlp_graph

    g = mlp_graph(units=(), out_units=2, input_shape=None)
    # Input [2, 2, 1] → Flatten → Dense: the trainer must reshape the 4 flat columns (C order)
    g.remove_node("dense_1")
    g.node("input_1").params["shape"] = [2, 2, 1]
    g.add_node("Flatten", {}, node_id="flatten_1")
    g.add_node("Dense", {"units": 2, "activation": "softmax"}, node_id="dense_1")
    g.connect("input_1", "flatten_1")
    g.connect("flatten_1", "dense_1")
    net = Network.from_graph(g, seed=0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    y = (x[:, 0] > x[:, 3]).astype(np.int64)
    data = blobs()
    data.x_train, data.y_train, data.x_val, data.y_val = x[:30], y[:30], x[30:], y[30:]
    seen = _spy_batches(net)
    res = Trainer(net, data, cfg(epochs=2, shuffle=False)).run()
    assert res.reason == "completed"
    assert seen[0].shape == (16, 2, 2, 1)
    np.testing.assert_array_equal(seen[0][3], x[3].reshape(2, 2, 1))


def test_events_order_histograms_and_extras():
    rec = Recorder()
    data = blobs(n=300)
    net = mlp(units=(5,))
    Trainer(net, data, cfg(epochs=2, batch_size=32), on_event=rec).run()
    kinds = [type(e).__name__ for e in rec.events]
    assert kinds[0] == "TrainingStarted" and kinds[-1] == "TrainingFinished"
    started = rec.events[0]
    assert (started.total_epochs, started.batches_per_epoch) == (2, 10)
    epochs = rec.of("EpochEnd")
    assert [e.epoch for e in epochs] == [1, 2]
    # the last batch of every epoch is always reported, right before its EpochEnd
    for e in epochs:
        before = rec.events[rec.events.index(e) - 1]
        assert type(before).__name__ == "BatchEnd" and (before.epoch, before.batch) == (e.epoch, 10)
    ev = epochs[-1]
    assert set(ev.histograms) == {"dense_1", "dense_2"}  # every non-Input layer
    counts, edges = ev.histograms["dense_1"]
    assert counts.sum() == 256 * 5 and len(edges) == len(counts) + 1  # a fixed sample of 256 rows
    assert ev.lr == pytest.approx(0.05)
    assert set(ev.extras["weight_norms"]) == {"dense_1", "dense_2"}
    assert all(v > 0 for v in ev.extras["grad_norms"].values())
    assert rec.events[-1].reason == "completed"


def test_batch_events_are_throttled():
    rec = Recorder()
    Trainer(mlp(), blobs(n=400), cfg(epochs=3, batch_size=4), on_event=rec).run()
    batches = rec.of("BatchEnd")
    # 100 batches per epoch run in far less than 5 s, so throttling keeps the count well under 300
    assert 3 <= len(batches) < 300
    assert all(b.samples_per_s > 0 for b in batches)


def test_learning_rate_change_mid_run_takes_effect_next_batch(every_batch):
    control = TrainingControl()
    lrs = []
    net = mlp()
    original = net.train_batch

    def spy(x, y, loss, optimizer, *a, **kw):
        lrs.append(optimizer.learning_rate)
        return original(x, y, loss, optimizer, *a, **kw)

    net.train_batch = spy

    def on_batch(e):
        if (e.epoch, e.batch) == (1, 3):
            control.set_learning_rate(0.001)

    rec = Recorder(BatchEnd=on_batch)
    result = Trainer(net, blobs(n=96), cfg(epochs=2, batch_size=16), control=control, on_event=rec).run()
    assert lrs == [0.05] * 3 + [0.001] * 9
    assert [h["lr"] for h in result.history] == [0.001, 0.001]
    with pytest.raises(ParamError, match="learning_rate"):
        control.set_learning_rate(-1.0)


def test_optimizer_param_change_mid_run(every_batch):
    control = TrainingControl()
    seen = []
    net = mlp()
    original = net.train_batch

    def spy(x, y, loss, optimizer, *a, **kw):
        seen.append(optimizer.beta_1)
        return original(x, y, loss, optimizer, *a, **kw)

    net.train_batch = spy
    rec = Recorder(EpochEnd=lambda e: control.set_optimizer_param("beta_1", 0.5))
    Trainer(net, blobs(n=32), cfg(epochs=2, batch_size=16), control=control, on_event=rec).run()
    assert seen == [0.9, 0.9, 0.5, 0.5]
    with pytest.raises(ParamError, match="momentum"):
        control.set_optimizer_param("momentum", 0.5)  # the run's optimizer is adam


def test_early_stopping_restores_the_best_weights():
    # a big net on 12 noisy rows overfits fast: validation loss turns up after a few epochs
    rng = np.random.default_rng(3)
    data = blobs(n=12, n_val=60, seed=3)
    data.y_train = rng.integers(0, 2, 12)
    snapshots = {}
    net = mlp(units=(64, 64), seed=3)
    rec = Recorder(EpochEnd=lambda e: snapshots.__setitem__(e.epoch, net.get_weights()))
    es = {"monitor": "val_loss", "patience": 3, "restore_best_weights": True}
    result = Trainer(net, data, cfg(epochs=200, batch_size=4, early_stopping=es), on_event=rec).run()
    assert result.reason == "early_stopping"
    best = result.best_epoch
    assert len(result.history) == best + 3
    losses = [h["val_loss"] for h in result.history]
    assert losses[best - 1] == min(losses)
    final = net.get_weights()
    assert all(np.array_equal(final[k], snapshots[best][k]) for k in final)
    assert not all(np.array_equal(final[k], snapshots[best + 3][k]) for k in final)
    assert "best weights were restored" in result.message
    assert rec.events[-1].reason == "early_stopping" and rec.events[-1].best_epoch == best


def test_early_stopping_without_restore_keeps_the_last_weights_and_min_delta_counts():
    data = blobs(n=40)
    net = mlp()
    # a min_delta no epoch can beat: the first epoch is best, patience 1 stops after epoch 2
    es = {"monitor": "loss", "patience": 1, "restore_best_weights": False, "min_delta": 100.0}
    result = Trainer(net, data, cfg(epochs=10, early_stopping=es)).run()
    assert result.reason == "early_stopping" and len(result.history) == 2 and result.best_epoch == 1


def test_early_stopping_on_a_metric_the_run_lacks_is_a_clear_error():
    data = blobs()
    data.x_val, data.y_val = data.x_val[:0], data.y_val[:0]
    with pytest.raises(TrainingError, match="no validation rows"):
        Trainer(mlp(), data, cfg(early_stopping={"monitor": "val_loss", "patience": 2})).run()
    with pytest.raises(TrainingError, match="does not report"):
        Trainer(mlp(), blobs(), cfg(early_stopping={"monitor": "r2", "patience": 2})).run()


def test_nan_stop_names_the_layer_and_restores_good_weights():
    net = mlp(units=(4,), hidden="relu")
    net.layers["dense_1"].params["kernel"][:] = 3e38  # finite, but any product overflows to inf
    before = net.get_weights()
    rec = Recorder()
    result = Trainer(net, blobs(), cfg(epochs=3), on_event=rec).run()
    assert result.reason == "nan" and result.history == []
    assert "dense_1" in result.message and "NaN/Inf" in result.message
    after = net.get_weights()
    assert all(np.array_equal(before[k], after[k]) for k in before)  # the last weights that were finite
    assert rec.events[-1].reason == "nan"


def test_diverging_training_stops_with_nan_and_finite_weights():
    net = mlp(units=(16,), out_units=1, out_activation="linear")
    data = plane(scale=1e18)  # huge targets: the squared error overflows float32 as the weights grow
    result = Trainer(net, data, cfg(loss="mean_squared_error", epochs=50,
                                    optimizer={"type": "sgd", "learning_rate": 10.0})).run()
    assert result.reason == "nan"
    assert any(nid in result.message for nid in ("dense_1", "dense_2", "mean_squared_error"))
    assert all(np.isfinite(w).all() for w in net.get_weights().values())


def test_bad_settings_raise_param_errors_naming_the_key():
    with pytest.raises(ParamError, match=r"training\.batch_size"):
        Trainer(mlp(), blobs(), cfg(batch_size=0))
    with pytest.raises(ParamError, match=r"training\.optimizer\.type"):
        Trainer(mlp(), blobs(), cfg(optimizer={"type": "nope"}))
    with pytest.raises(ParamError, match=r"training\.schedule"):
        Trainer(mlp(), blobs(), cfg(schedule={"type": "wobbly"}))
    with pytest.raises(ParamError, match=r"training\.regularization\.l2"):
        Trainer(mlp(), blobs(), cfg(regularization={"l2": -1}))


def test_l2_regularization_shrinks_the_kernels():
    def kernel_norm(l2):
        net = mlp(units=(16,))
        Trainer(net, blobs(), cfg(epochs=20, regularization={"l1": 0.0, "l2": l2})).run()
        return float(np.linalg.norm(net.get_weights()["dense_1/kernel"]))

    assert kernel_norm(0.05) < 0.7 * kernel_norm(0.0)


def test_nan_mid_epoch_restores_the_last_verified_snapshot():
    net = mlp()
    before_batch = []
    original = net.train_batch

    def flaky(x, y, *args, **kw):
        before_batch.append(net.get_weights())
        value = original(x, y, *args, **kw)
        return float("nan") if len(before_batch) == 11 else value  # the 11th batch "diverges"

    net.train_batch = flaky
    result = Trainer(net, blobs(n=320), cfg(epochs=1, batch_size=16)).run()
    assert result.reason == "nan" and "batch 11" in result.message
    # snapshots are taken before batches 1, 9, 17 …; batch 9's loss was finite, so its weights are restored
    restored = net.get_weights()
    assert trainer_module.SNAPSHOT_EVERY == 8
    assert all(np.array_equal(restored[k], before_batch[8][k]) for k in restored)


def test_conv_batchnorm_dropout_net_trains_repeatably():
    from designer.engine.network import Network
    from designer.graph import Graph

    def build():
        g = Graph()
        g.add_node("Input", {"shape": [4, 4, 1]}, node_id="input_1")
        g.add_node("Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"},
                   node_id="conv2d_1")
        g.add_node("BatchNormalization", {}, node_id="batch_normalization_1")
        g.add_node("Flatten", {}, node_id="flatten_1")
        g.add_node("Dropout", {"rate": 0.3}, node_id="dropout_1")
        g.add_node("Dense", {"units": 2, "activation": "softmax"}, node_id="dense_1")
        for a, b in [("input_1", "conv2d_1"), ("conv2d_1", "batch_normalization_1"),
                     ("batch_normalization_1", "flatten_1"), ("flatten_1", "dropout_1"), ("dropout_1", "dense_1")]:
            g.connect(a, b)
        return Network.from_graph(g, seed=4)

    rng = np.random.default_rng(4)
    x = rng.normal(size=(80, 16)).astype(np.float32)
    y = (x[:, :8].sum(1) > x[:, 8:].sum(1)).astype(np.int64)  # top half brighter than the bottom half
    data = blobs()
    data.x_train, data.y_train, data.x_val, data.y_val = x[:60], y[:60], x[60:], y[60:]

    def run():
        rec = Recorder()
        net = build()
        res = Trainer(net, data, cfg(epochs=15, seed=4), on_event=rec).run()
        return res, net.get_weights(), rec.of("EpochEnd")[-1]

    r1, w1, last = run()
    r2, w2, _ = run()
    assert r1.reason == "completed" and r1.history == r2.history
    assert all(np.array_equal(w1[k], w2[k]) for k in w1)
    assert "batch_normalization_1/moving_mean" in w1
    assert r1.history[-1]["loss"] < r1.history[0]["loss"]
    assert set(last.histograms) == {"conv2d_1", "batch_normalization_1", "flatten_1", "dropout_1", "dense_1"}
    assert last.histograms["conv2d_1"][0].sum() == 60 * 16 * 4  # all 60 rows (fewer than 256), 4×4×4 values
