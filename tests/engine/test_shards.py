"""A training step split over the batch (designer.engine.shards): the same step as the whole batch's, to
float32 rounding, and only where a split cannot change the maths."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from designer.engine import shards
from designer.engine.losses import encode_targets, get_loss
from designer.engine.network import Network
from designer.engine.optimizers import make_optimizer
from designer.errors import TrainingError
from designer.graph.model import Graph

CONV_NET = [
    ("Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": 2}),
    ("Conv2D", {"filters": 6, "kernel_size": 2, "activation": "tanh"}),
    ("MaxPooling2D", {"pool_size": 2}),
    ("Flatten", {}),
    ("Dense", {"units": 5, "activation": "relu"}),
    ("Activation", {"activation": "sigmoid"}),
    ("Dense", {"units": 3, "activation": "softmax"}),
]


def _net(layers, shape=(10, 9, 2), seed: int = 3) -> Network:
    g = Graph()
    prev = g.add_node("Input", {"shape": list(shape)}).id
    for type_name, params in layers:
        nid = g.add_node(type_name, params).id
        g.connect(prev, nid)
        prev = nid
    return Network.from_graph(g, seed=seed)


def _batch(rows: int, loss_name: str, shape=(10, 9, 2)):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(rows, *shape)).astype(np.float32)
    y = encode_targets(loss_name, rng.integers(0, 3, rows), 3)
    return x, y


def _train(net, x, y, loss_name, optimizer, threads, steps=3, l2=0.0):
    loss, opt = get_loss(loss_name), make_optimizer(optimizer)
    with threadpool_limits(limits=threads, user_api="blas"):
        values = [net.train_batch(x, y, loss, opt, l2=l2) for _ in range(steps)]
    return values, {k: w.copy() for k, w in net.parameters()}


@pytest.fixture
def split_everything(monkeypatch):
    """Every conv network splits, however small (the real threshold keeps test-sized ones whole), in up to
    three shards (the real limit is two)."""
    monkeypatch.setattr(shards, "MIN_SHARD_MACS", 1)
    monkeypatch.setattr(shards, "MAX_SHARDS", 3)


@pytest.mark.parametrize(("threads", "rows"), [(2, 8), (3, 10)])  # 10 rows in 3: shards of 3, 3 and 4
@pytest.mark.parametrize(("loss_name", "optimizer", "l2"), [
    ("categorical_crossentropy", {"type": "sgd", "learning_rate": 0.1}, 0.0),  # fused gradient, lr folded in
    ("mean_squared_error", {"type": "adam", "learning_rate": 0.01}, 0.01),  # the optimizer's own step
])  # fmt: skip
def test_a_split_step_is_the_whole_batch_step(split_everything, threads, rows, loss_name, optimizer, l2):
    x, y = _batch(rows, loss_name)
    split, whole = _net(CONV_NET), _net(CONV_NET)
    split_values, split_weights = _train(split, x, y, loss_name, optimizer, threads, l2=l2)
    whole_values, whole_weights = _train(whole, x, y, loss_name, optimizer, 1, l2=l2)
    assert len(split.step_strategy.shards._replicas) == threads - 1  # it really was split
    assert whole.step_strategy.shards._replicas == []
    np.testing.assert_allclose(split_values, whole_values, rtol=1e-5)
    for key, w in whole_weights.items():
        np.testing.assert_allclose(split_weights[key], w, rtol=1e-4, atol=1e-6, err_msg=key)
    # and the gradients the network reports are the whole batch's, not one shard's
    for (key, g), (_, g_whole) in zip(split.gradients(), whole.gradients()):
        np.testing.assert_allclose(g, g_whole, rtol=1e-3, atol=1e-6, err_msg=key)


def test_replicas_train_the_networks_own_weights(split_everything):
    net = _net(CONV_NET)
    x, y = _batch(8, "categorical_crossentropy")
    _train(net, x, y, "categorical_crossentropy", {"type": "sgd", "learning_rate": 0.1}, 2, steps=1)
    (replica,) = net.step_strategy.shards._replicas
    for (key, w), (_, w_replica) in zip(net.parameters(), replica.parameters()):
        assert np.shares_memory(w, w_replica), key
    for (key, g), (_, g_replica) in zip(net.gradients(), replica.gradients()):
        assert not np.shares_memory(g, g_replica), key
    loaded = {k: np.full_like(w, 0.5) for k, w in net.get_weights().items()}
    net.set_weights(loaded)  # what loading saved weights does: the replica trains from them too
    for key, w in replica.parameters():
        assert np.all(w == 0.5), key


@pytest.mark.parametrize("extra", [("Dropout", {"rate": 0.5}), ("BatchNormalization", {})])
def test_networks_whose_layers_mix_the_batch_are_not_split(split_everything, extra):
    """Dropout draws its masks for the whole batch, batch normalisation takes statistics over it."""
    net = _net([*CONV_NET[:2], extra, *CONV_NET[2:]])
    assert net.step_strategy.shards is None
    x, y = _batch(8, "categorical_crossentropy")
    _train(net, x, y, "categorical_crossentropy", {"type": "sgd", "learning_rate": 0.1}, 2, steps=1)


def test_dense_only_networks_keep_their_own_plan(split_everything):
    net = _net([("Flatten", {}), ("Dense", {"units": 3, "activation": "softmax"})])
    assert net.step_strategy.shards is None and net.step_strategy.plan is None  # Flatten: no chain plan
    assert _net([("Dense", {"units": 3, "activation": "softmax"})], shape=(4,)).step_strategy.shards is None


def test_one_blas_thread_or_a_small_step_is_not_split(monkeypatch):
    net = _net(CONV_NET)
    x, y = _batch(8, "categorical_crossentropy")
    _train(net, x, y, "categorical_crossentropy", {"type": "sgd", "learning_rate": 0.1}, 2, steps=1)
    assert net.step_strategy.shards._replicas == []  # 8 small images: far below a shard's worth of work
    monkeypatch.setattr(shards, "MIN_SHARD_MACS", 1)
    _train(net, x, y, "categorical_crossentropy", {"type": "sgd", "learning_rate": 0.1}, 1, steps=1)
    assert net.step_strategy.shards._replicas == []
    assert net.step_strategy.shards.shard_count(rows=1, threads=2) == 1  # a single row cannot be split
    assert net.step_strategy.shards.shard_count(rows=8, threads=2) == 2
    assert net.step_strategy.shards.shard_count(rows=8, threads=3) == 1  # more threads than measured: BLAS's own


def test_a_failing_shard_raises_and_restores_the_blas_threads(split_everything):
    """Targets of the wrong width fail in every shard: the caller gets the loss's message, and NumPy's BLAS
    is back on the caller's thread count."""
    from designer.engine.step import _numpy_blas

    net = _net(CONV_NET)
    x, _ = _batch(8, "categorical_crossentropy")
    wrong = np.zeros((8, 4), np.float32)
    with threadpool_limits(limits=2, user_api="blas"):
        with pytest.raises(TrainingError, match="targets have shape"):
            net.train_batch(x, wrong, get_loss("categorical_crossentropy"),
                            make_optimizer({"type": "sgd", "learning_rate": 0.1}))  # fmt: skip
        assert [lib.get_num_threads() for lib in _numpy_blas()] == [2] * len(_numpy_blas())


def test_each_shard_has_its_own_loss_arrays(split_everything):
    """A loss keeps its batch, gradient and scratch arrays: shards sharing one would mix their values."""
    net = _net(CONV_NET)
    x, y = _batch(8, "categorical_crossentropy")
    loss, opt = get_loss("categorical_crossentropy"), make_optimizer({"type": "sgd", "learning_rate": 0.1})
    with threadpool_limits(limits=1, user_api="blas"):
        net.train_batch(x[:4], y[:4], loss, opt)  # the loss has arrays of a shard's shape before the split
    with threadpool_limits(limits=2, user_api="blas"):
        net.train_batch(x, y, loss, opt)
    ((kept, other),) = net.step_strategy.shards._losses.values()
    assert kept is loss and type(other) is type(loss)
    mine = [v for v in vars(loss).values() if isinstance(v, np.ndarray)]
    theirs = [v for v in vars(other).values() if isinstance(v, np.ndarray)]
    assert mine and theirs
    assert not any(np.shares_memory(a, b) for a in mine for b in theirs)


def _images(n: int, seed: int):
    """Two classes of 10×9×2 images: bright top half or bright bottom half, with noise."""
    from designer.data.prepared import PreparedData

    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(0, 0.3, (n, 10, 9, 2)).astype(np.float32)
    x[y == 0, :5] += 1.0
    x[y == 1, 5:] += 1.0
    k = n * 3 // 4
    return PreparedData(x[:k], y[:k], x[k:], y[k:], x[:0], y[:0], "classification", ["top", "bottom"],
                        [f"p{i}" for i in range(180)], "label", (10, 9, 2))  # fmt: skip


def _two_class_net(seed: int = 3) -> Network:
    return _net([*CONV_NET[:-1], ("Dense", {"units": 2, "activation": "softmax"})], seed=seed)


def _fit(net, data, threads, **over):
    from designer.training import Trainer
    from tests.training.helpers import cfg

    with threadpool_limits(limits=threads, user_api="blas"):
        return Trainer(net, data, cfg(epochs=4, batch_size=20, **over)).run()


def test_the_trainer_gets_the_same_run_from_split_steps(split_everything):
    """The whole training loop on split steps: its loss, accuracy (read from the network's output after each
    step) and weights are those of the unsplit run; the last batch of each epoch (10 of 90 rows) splits too."""
    data = _images(120, seed=1)
    split, whole = _two_class_net(), _two_class_net()
    split_run, whole_run = _fit(split, data, 2), _fit(whole, data, 1)
    assert split.step_strategy.shards._replicas and not whole.step_strategy.shards._replicas
    assert split_run.reason == whole_run.reason == "completed"
    for mine, theirs in zip(split_run.history, whole_run.history, strict=True):
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert mine[key] == pytest.approx(theirs[key], rel=1e-4, abs=1e-6), key
    assert split_run.history[-1]["accuracy"] > 0.9  # it learned, so the accuracy compared above means something
    for key, w in whole.get_weights().items():
        np.testing.assert_allclose(split.get_weights()[key], w, rtol=1e-3, atol=1e-5, err_msg=key)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_a_split_step_that_overflows_names_the_layer(split_everything):
    """NaN/Inf in one shard only: the trainer still finds the layer where it first appeared."""
    data = _images(120, seed=1)
    data.x_train[15] = 3e38  # a sample in the second shard of the first batch (rows 10–19 of 20), unshuffled
    net = _two_class_net()
    result = _fit(net, data, 2, shuffle=False)
    assert net.step_strategy.shards._replicas
    assert result.reason == "nan"
    assert "conv2d_1" in result.message and "NaN/Inf" in result.message
