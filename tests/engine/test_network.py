import numpy as np
import pytest

from designer.engine.losses import encode_targets, get_loss
from designer.engine.network import Network
from designer.engine.step import plain_sgd_rate
from designer.errors import GraphError, ParamError, ShapeError, TrainingError
from designer.graph.model import Graph
from tests.engine.gradcheck import Capture, assert_grad_close, numeric_grad


class PlainSGD:
    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def step(self, params, grads):
        for p, g in zip(params, grads):
            p -= self.learning_rate * g


def chain(*layers, input_shape=(4,)):
    """Input → layers… as a graph; each layer is (type, params)."""
    g = Graph()
    prev = g.add_node("Input", {"shape": list(input_shape)}, node_id="in").id
    for type_name, params in layers:
        nid = g.add_node(type_name, params).id
        g.connect(prev, nid)
        prev = nid
    return g


def dag():
    """Fan-out of d1 into three consumers, an Add and a Concatenate."""
    g = Graph()
    g.add_node("Input", {"shape": [4]}, node_id="in")
    g.add_node("Dense", {"units": 5, "activation": "tanh"}, node_id="d1")
    g.add_node("Dense", {"units": 5, "activation": "sigmoid"}, node_id="d2")
    g.add_node("Add", {}, node_id="add")
    g.add_node("Dense", {"units": 3, "activation": "elu", "bias_initializer": "random_normal"}, node_id="d3")
    g.add_node("Concatenate", {}, node_id="cat")
    g.add_node("Activation", {"activation": "gelu"}, node_id="act")
    g.add_node("Dense", {"units": 3, "activation": "softmax"}, node_id="out")
    for s, d in [("in", "d1"), ("d1", "d2"), ("d1", "add"), ("d2", "add"), ("d1", "d3"), ("add", "cat"),
                 ("d3", "cat"), ("cat", "act"), ("act", "out")]:  # fmt: skip
        g.connect(s, d)
    return g


def _data(n=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    return x, rng.integers(0, 3, n)


@pytest.mark.parametrize("loss_name", ["categorical_crossentropy", "mean_squared_error"])
def test_dag_gradients_of_every_parameter_match_finite_differences(loss_name):
    net = Network.from_graph(dag(), seed=1, dtype=np.float64)
    x, y = _data()
    y_enc = encode_targets(loss_name, y, 3).astype(np.float64)
    loss = get_loss(loss_name)
    assert net.fused_with(loss) == (loss_name == "categorical_crossentropy")
    opt = Capture()
    l1, l2 = 0.01, 0.02
    value = net.train_batch(x, y_enc, loss, opt, l1=l1, l2=l2)

    def f():
        return net.loss_value(x, y_enc, loss) + net.penalty(l1, l2)

    assert value == pytest.approx(f(), rel=1e-12)
    keys = [k for k, _ in net.parameters()]
    assert keys == [k for k, _ in net.gradients()]
    assert set(keys) == {f"{n}/{p}" for n in ("d1", "d2", "d3", "out") for p in ("kernel", "bias")}
    for (_key, p), g in zip(net.parameters(), opt.grads):
        assert_grad_close(g, numeric_grad(f, p), rtol=1e-5, atol=1e-8)


def test_dag_gradient_with_respect_to_the_input():
    net = Network.from_graph(dag(), seed=2, dtype=np.float64)
    x, y = _data()
    y_enc = encode_targets("categorical_crossentropy", y, 3).astype(np.float64)
    loss = get_loss("categorical_crossentropy")
    loss.forward(net.forward(x, training=True), y_enc)
    gx = net.backward(loss.backward(), input_grad=True)
    assert_grad_close(gx, numeric_grad(lambda: net.loss_value(x, y_enc, loss), x))
    assert net.backward(loss.backward()) is None


def test_same_seed_gives_same_weights_and_training_run():
    g = chain(("Dense", {"units": 8, "activation": "relu"}), ("Dropout", {"rate": 0.3}), ("Dense", {"units": 3}))
    a, b, c = (Network.from_graph(g, seed=s) for s in (5, 5, 6))
    wa, wb, wc = a.get_weights(), b.get_weights(), c.get_weights()
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)
    assert not np.array_equal(wa["dense_1/kernel"], wc["dense_1/kernel"])
    x, y = _data(32)
    y_enc = encode_targets("mean_squared_error", y, 3)
    for net in (a, b):
        for _ in range(3):
            net.train_batch(x.astype(np.float32), y_enc, get_loss("mean_squared_error"), PlainSGD(0.1))
    assert all(np.array_equal(a.get_weights()[k], b.get_weights()[k]) for k in wa)


def test_float32_end_to_end():
    net = Network.from_graph(chain(("Dense", {"units": 8, "activation": "tanh"}), ("Dense", {"units": 1})), seed=0)
    x, _ = _data(10)
    assert all(p.dtype == np.float32 for _, p in net.parameters())
    assert net.forward(x).dtype == np.float32  # float64 data is cast
    assert all(a.dtype == np.float32 for a in net.activations.values())
    assert set(net.activations) == set(net.order)
    assert all(w.dtype == np.float32 for w in net.get_weights().values())


def test_training_learns_xor_with_a_small_tanh_net():
    g = chain(("Dense", {"units": 8, "activation": "tanh"}), ("Dense", {"units": 8, "activation": "tanh"}),
              ("Dense", {"units": 2, "activation": "softmax"}), input_shape=(2,))  # fmt: skip
    net = Network.from_graph(g, seed=0)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32) * 2 - 1
    y = np.array([0, 1, 1, 0])
    y_enc = encode_targets("categorical_crossentropy", y, 2)
    loss, opt = get_loss("categorical_crossentropy"), PlainSGD(0.5)
    first = net.train_batch(x, y_enc, loss, opt)
    for _ in range(300):
        last = net.train_batch(x, y_enc, loss, opt)
    assert last < 0.1 < first
    np.testing.assert_array_equal(net.predict(x).argmax(axis=1), y)


def test_predict_is_inference_mode_and_chunked():
    g = chain(("Dense", {"units": 6, "activation": "relu"}), ("Dropout", {"rate": 0.5}), ("Dense", {"units": 2}))
    net = Network.from_graph(g, seed=0)
    x = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    full = net.predict(x)
    np.testing.assert_allclose(net.predict(x, batch_size=7), full, rtol=1e-6)
    np.testing.assert_allclose(net.forward(x), full, rtol=1e-6)
    assert not np.allclose(net.forward(x, training=True), full)
    first = net.forward(x)
    net.forward(x * 2)
    np.testing.assert_allclose(first, full, rtol=1e-6)  # forward returns copies, not reused buffers


def test_flat_rows_feed_a_shaped_input_and_wrong_sizes_are_refused():
    net = Network.from_graph(chain(("Flatten", {}), ("Dense", {"units": 2}), input_shape=(2, 3, 1)), seed=0)
    assert net.input_shape == (2, 3, 1) and net.output_shape == (2,)
    x = np.arange(12, dtype=np.float32).reshape(2, 6)
    np.testing.assert_allclose(net.predict(x), net.predict(x.reshape(2, 2, 3, 1)))
    with pytest.raises(TrainingError, match=r"\[5\] per sample .* \[2, 3, 1\]"):
        net.predict(np.zeros((2, 5)))


def test_input_shape_from_the_data_when_the_input_has_none():
    g = chain(("Dense", {"units": 3}), input_shape=(4,))
    g.nodes["in"].params.pop("shape")
    net = Network.from_graph(g, input_shape=(7,), seed=0)
    assert net.input_shape == (7,)
    assert net.get_weights()["dense_1/kernel"].shape == (7, 3)


def test_set_weights_copies_in_place_and_warns_about_misfits():
    g = chain(("Dense", {"units": 3}), ("Dense", {"units": 2}))
    net = Network.from_graph(g, seed=0)
    live = dict(net.parameters())
    other = Network.from_graph(g, seed=9).get_weights()
    other["dense_2/kernel"] = np.zeros((5, 2), np.float32)
    other["gone_1/kernel"] = np.zeros(2, np.float32)
    before = net.get_weights()
    warnings = net.set_weights(other)
    assert len(warnings) == 2
    assert any("dense_2/kernel" in w and "[5, 2]" in w and "[3, 2]" in w for w in warnings)
    assert any("gone_1/kernel" in w for w in warnings)
    after = net.get_weights()
    np.testing.assert_array_equal(after["dense_1/kernel"], other["dense_1/kernel"])
    np.testing.assert_array_equal(after["dense_2/kernel"], before["dense_2/kernel"])
    assert all(live[k] is p for k, p in net.parameters())  # optimizers keep valid references


def test_invalid_graphs_raise_typed_errors_naming_the_problem():
    with pytest.raises(ShapeError, match="Flatten"):
        Network.from_graph(chain(("Dense", {"units": 3}), input_shape=(4, 4, 1)))
    with pytest.raises(GraphError, match="no Input"):
        g = Graph()
        g.add_node("Dense", {"units": 3})
        Network.from_graph(g)
    with pytest.raises(GraphError, match="several outputs"):
        g = chain(("Dense", {"units": 3}))
        g.add_node("Dense", {"units": 2}, node_id="extra")
        g.connect("in", "extra")
        Network.from_graph(g)
    g = chain(("Dense", {"units": 3}))
    g.nodes["dense_1"].params["units"] = 0
    with pytest.raises(ParamError, match="dense_1: params.units"):
        Network.from_graph(g)
    g = chain(("Dense", {"units": 3}))
    g.nodes["in"].params.pop("shape")
    with pytest.raises(ShapeError, match="no shape"):
        Network.from_graph(g)


def test_conv_layers_come_from_their_own_module_through_the_factory():
    pytest.importorskip("designer.engine.conv")
    g = chain(("Conv2D", {"filters": 2, "kernel_size": 3}), ("MaxPooling2D", {}), ("Flatten", {}),
              ("Dense", {"units": 3, "activation": "softmax"}), input_shape=(6, 6, 1))  # fmt: skip
    net = Network.from_graph(g, seed=0)
    assert net.predict(np.zeros((2, 36), np.float32)).shape == (2, 3)


@pytest.mark.parametrize("loss_name", ["categorical_crossentropy", "mean_absolute_error"])
def test_plain_sgd_with_the_rate_folded_in_matches_a_generic_optimizer_step(loss_name):
    from designer.engine.optimizers import make_optimizer

    g = chain(("Dense", {"units": 6, "activation": "relu"}), ("Dense", {"units": 3, "activation": "softmax"}))
    fused, generic = Network.from_graph(g, seed=3), Network.from_graph(g, seed=3)
    x, y = _data(16)
    x = x.astype(np.float32)
    y_enc = encode_targets(loss_name, y, 3)
    loss = get_loss(loss_name)
    opt = make_optimizer({"type": "sgd", "learning_rate": 0.2})
    assert plain_sgd_rate(opt) == 0.2 and plain_sgd_rate(make_optimizer({"type": "adam"})) is None
    for _ in range(3):
        a = fused.train_batch(x, y_enc, loss, opt, l1=0.01, l2=0.01)
        b = generic.train_batch(x, y_enc, loss, PlainSGD(0.2), l1=0.01, l2=0.01)
        assert a == pytest.approx(b, rel=1e-5)
    assert opt.iterations == 3
    for (key, ga), (_, gb) in zip(fused.gradients(), generic.gradients()):
        np.testing.assert_allclose(ga, gb, rtol=1e-4, atol=1e-6, err_msg=key)
    for key, w in fused.get_weights().items():
        np.testing.assert_allclose(w, generic.get_weights()[key], rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize(
    ("layers", "loss_name", "n_out"),
    [
        ([("Dense", {"units": 3}), ("Activation", {"activation": "softmax"})], "categorical_crossentropy", 3),
        ([("Dense", {"units": 1, "activation": "sigmoid"})], "binary_crossentropy", 1),
        ([("Dense", {"units": 2, "activation": "sigmoid"})], "binary_crossentropy", 2),
        ([("Dense", {"units": 2, "activation": "tanh"})], "hinge", 2),
        ([("Dense", {"units": 1, "use_bias": False})], "huber", 1),
    ],
)
def test_output_pairings_train_with_exact_gradients(layers, loss_name, n_out):
    g = chain(("Dense", {"units": 4, "activation": "silu"}), ("Dropout", {"rate": 0.0}), *layers)
    net = Network.from_graph(g, seed=4, dtype=np.float64)
    x, y = _data(7, seed=1)
    y = y % 2 if n_out <= 2 else y
    y_enc = encode_targets(loss_name, y, n_out).astype(np.float64)
    loss = get_loss(loss_name)
    opt = Capture()
    net.train_batch(x, y_enc, loss, opt)
    for (_key, p), grad in zip(net.parameters(), opt.grads):
        assert_grad_close(grad, numeric_grad(lambda: net.loss_value(x, y_enc, loss), p))


# ---------------------------------------------------------------- small-batch steps on one BLAS thread
def _mlp_graph(n_in=784):
    return chain(("Dense", {"units": 256, "activation": "relu"}), ("Dense", {"units": 128, "activation": "relu"}),
                 ("Dense", {"units": 10, "activation": "softmax"}), input_shape=(n_in,))  # fmt: skip


@pytest.fixture
def blas_on_two_threads():
    """NumPy's BLAS controllers set to 2 threads for the test, their previous counts after it."""
    from designer.engine.step import _numpy_blas

    libs = _numpy_blas()
    before = [lib.get_num_threads() for lib in libs]
    for lib in libs:
        lib.set_num_threads(2)
    try:
        if not libs or any(lib.get_num_threads() != 2 for lib in libs):  # another thread controls the pool
            pytest.skip("NumPy's BLAS thread count cannot be controlled here")
        yield libs
    finally:
        for lib, count in zip(libs, before):
            lib.set_num_threads(count)


def _blas_threads_seen_by_steps(monkeypatch, libs) -> list:
    """The BLAS thread counts each training step runs with, appended as steps run."""
    import designer.engine.step as step_module

    seen = []
    step = step_module.StepStrategy.step

    def spy(self, *args):
        seen.append([lib.get_num_threads() for lib in libs])
        return step(self, *args)

    monkeypatch.setattr(step_module.StepStrategy, "step", spy)
    return seen


def test_a_small_batch_mlp_step_runs_on_one_blas_thread_and_restores_the_count(monkeypatch, blas_on_two_threads):
    libs = blas_on_two_threads
    net = Network.from_graph(_mlp_graph(), seed=0)
    seen = _blas_threads_seen_by_steps(monkeypatch, libs)
    rng = np.random.default_rng(0)
    loss, opt = get_loss("categorical_crossentropy"), PlainSGD(0.01)
    y = encode_targets("categorical_crossentropy", rng.integers(0, 10, 128), 10)
    x = rng.random((128, 784), dtype=np.float32)
    net.train_batch(x[:32], y[:32], loss, opt)
    net.train_batch(x, y, loss, opt)  # 128 rows: the caller's thread count
    tiny = Network.from_graph(chain(("Dense", {"units": 3, "activation": "softmax"})), seed=0)
    tiny.train_batch(x[:8, :4], y[:8, :3], loss, opt)  # too small for BLAS to thread: no switch
    assert seen == [[1] * len(libs), [2] * len(libs), [2] * len(libs)]
    assert [lib.get_num_threads() for lib in libs] == [2] * len(libs)


def test_one_thread_steps_train_the_same_weights_as_threaded_steps(monkeypatch):
    import designer.engine.step as step_module

    rng = np.random.default_rng(1)
    x = rng.random((96, 784), dtype=np.float32)
    y = encode_targets("categorical_crossentropy", rng.integers(0, 10, 96), 10)
    loss = get_loss("categorical_crossentropy")
    from designer.engine.optimizers import make_optimizer

    def train(one_thread_rows):
        monkeypatch.setattr(step_module, "ONE_THREAD_MAX_ROWS", one_thread_rows)
        net = Network.from_graph(_mlp_graph(), seed=5)
        opt = make_optimizer({"type": "sgd", "learning_rate": 0.1})
        values = [net.train_batch(x[i : i + 32], y[i : i + 32], loss, opt) for i in range(0, 96, 32)]
        return values, net.get_weights(), dict(net.gradients())

    fast_values, fast_w, fast_g = train(32)
    plain_values, plain_w, plain_g = train(0)
    np.testing.assert_allclose(fast_values, plain_values, rtol=1e-6)
    for key in plain_w:
        np.testing.assert_allclose(fast_w[key], plain_w[key], atol=1e-6, err_msg=key)
    for key in plain_g:
        np.testing.assert_allclose(fast_g[key], plain_g[key], atol=1e-6, err_msg=key)


def test_relu_dense_gradients_match_finite_differences():
    g = chain(("Dense", {"units": 5, "activation": "relu", "bias_initializer": "random_normal"}),
              ("Dense", {"units": 3, "activation": "softmax"}))  # fmt: skip
    net = Network.from_graph(g, seed=2, dtype=np.float64)
    x, y = _data(9, seed=3)
    y_enc = encode_targets("categorical_crossentropy", y, 3).astype(np.float64)
    loss, opt = get_loss("categorical_crossentropy"), Capture()
    net.train_batch(x, y_enc, loss, opt)
    for (_key, p), grad in zip(net.parameters(), opt.grads):
        assert_grad_close(grad, numeric_grad(lambda: net.loss_value(x, y_enc, loss), p))


def _run_chooser(chooser, rows, steps, one_thread_seconds, caller_seconds):
    modes = []
    for _ in range(steps):
        one = chooser.one_thread(rows)
        modes.append(one)
        chooser.record(rows, one, one_thread_seconds if one else caller_seconds)
    return modes


def test_blas_thread_chooser_measures_both_ways_then_keeps_the_faster_until_it_measures_again():
    from designer.engine.step import BlasThreadChooser

    chooser = BlasThreadChooser(block=2, rounds=2, retune_steps=20)
    modes = _run_chooser(chooser, 32, 7, one_thread_seconds=1.0, caller_seconds=2.0)
    assert modes == [True, True, False, False, True, True, False]  # alternating blocks
    assert chooser.chosen(32) is None  # still measuring
    assert _run_chooser(chooser, 32, 1, 1.0, 2.0) == [False]
    assert chooser.chosen(32) is True
    assert _run_chooser(chooser, 32, 12, 1.0, 2.0) == [True] * 12  # one thread measured faster
    # the next measurement starts after retune_steps: now the caller's count wins
    assert _run_chooser(chooser, 32, 8, 3.0, 2.0) == [True, True, False, False] * 2
    assert _run_chooser(chooser, 32, 12, 3.0, 2.0) == [False] * 12
    assert chooser.chosen(32) is False and chooser.chosen(64) is None
    # each batch size has its own measurement
    assert _run_chooser(chooser, 16, 2, 1.0, 2.0) == [True, True]


def test_blas_thread_chooser_ignores_the_first_step_of_each_block():
    from designer.engine.step import BlasThreadChooser

    chooser = BlasThreadChooser(block=3, rounds=1, retune_steps=100)
    # first steps of blocks are slow outliers that would reverse the choice if they were counted
    for one, seconds in [(True, 9.0), (True, 1.0), (True, 1.0), (False, 0.1), (False, 2.0), (False, 2.0)]:
        assert chooser.one_thread(8) is one
        chooser.record(8, one, seconds)
    assert chooser.one_thread(8) is True


def test_blas_thread_chooser_measures_again_when_the_chosen_way_turns_slow():
    from designer.engine.step import BlasThreadChooser

    chooser = BlasThreadChooser(block=2, rounds=2, retune_steps=1000)
    _run_chooser(chooser, 32, 8, one_thread_seconds=2.0, caller_seconds=1.0)
    assert chooser.chosen(32) is False  # the caller's count, measured at 1.0
    # isolated slow steps (an evaluation in between, a busy moment) keep the choice
    assert _run_chooser(chooser, 32, 6, 2.0, 1.0) == [False] * 6
    for seconds in (1.6, 1.0, 1.6, 1.0):
        assert chooser.one_thread(32) is False
        chooser.record(32, False, seconds)
    # `block` slow steps in a row (1.5× the measured 1.0 and more): the next steps measure both ways again
    assert _run_chooser(chooser, 32, 2, 2.0, 1.6) == [False, False]
    assert _run_chooser(chooser, 32, 8, 1.2, 1.6) == [True, True, False, False] * 2
    assert chooser.chosen(32) is True
    # the new measurement is the new reference: one thread at 1.2, so 1.7 is not slow (it was against 1.0)
    assert _run_chooser(chooser, 32, 6, 1.7, 1.6) == [True] * 6


def test_a_conv_step_too_small_to_split_measures_one_blas_thread_against_the_callers(
    monkeypatch, blas_on_two_threads
):
    libs = blas_on_two_threads
    g = chain(("Conv2D", {"filters": 8, "kernel_size": 3, "activation": "relu"}),
              ("MaxPooling2D", {"pool_size": 2}), ("Flatten", {}),
              ("Dense", {"units": 3, "activation": "softmax"}), input_shape=[12, 12, 1])  # fmt: skip
    net = Network.from_graph(g, seed=0)
    assert net.step_strategy.shards.shard_count(64, 2) == 1  # too little arithmetic to split
    seen = _blas_threads_seen_by_steps(monkeypatch, libs)
    rng = np.random.default_rng(0)
    x = rng.random((64, 12, 12, 1), dtype=np.float32)
    y = encode_targets("categorical_crossentropy", rng.integers(0, 3, 64), 3)
    loss, opt = get_loss("categorical_crossentropy"), PlainSGD(0.01)
    chooser = net.step_strategy.chooser
    for _ in range(chooser._trial_steps):
        net.train_batch(x, y, loss, opt)
    block, ones, twos = chooser.block, [1] * len(libs), [2] * len(libs)
    assert seen == ([ones] * block + [twos] * block) * chooser.rounds
    assert chooser.chosen(64) is not None
    assert [lib.get_num_threads() for lib in libs] == twos


def _conv_pool_net(activation, pool=None, seed=4, extra_reader=False):
    g = Graph()
    g.add_node("Input", {"shape": [6, 7, 2]}, node_id="in")
    g.add_node("Conv2D", {"filters": 3, "kernel_size": 3, "padding": "same", "activation": activation},
               node_id="conv")  # fmt: skip
    g.add_node("MaxPooling2D", pool or {"pool_size": 2}, node_id="pool")
    g.add_node("Flatten", {}, node_id="flat")
    g.add_node("Dense", {"units": 3, "activation": "softmax"}, node_id="out")
    for s, d in [("in", "conv"), ("conv", "pool"), ("pool", "flat"), ("flat", "out")]:
        g.connect(s, d)
    return Network.from_graph(g, seed=seed, dtype=np.float64)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_pooled_activation_derivative_gives_the_same_gradients_as_the_full_size_one(activation, monkeypatch):
    from designer.engine import conv_pool_kernels

    # the NumPy path's pooled derivative, bit for bit (the compiled relu kernels: tests/engine/test_conv_pool_kernels)
    monkeypatch.setattr(conv_pool_kernels, "ENABLED", False)
    x = np.random.default_rng(0).normal(size=(5, 6, 7, 2))
    x[:, :2] = 0.0  # plateaus: ties inside windows
    y_enc = encode_targets("categorical_crossentropy", np.arange(5) % 3, 3).astype(np.float64)
    loss = get_loss("categorical_crossentropy")
    fused, plain = _conv_pool_net(activation), _conv_pool_net(activation)
    assert fused.layers["pool"].upstream_activation is fused.layers["conv"].activation
    assert fused.layers["conv"].defer_activation == (activation == "relu")
    np.testing.assert_array_equal(fused.forward(x, training=True), fused.forward(x, training=False))
    plain.layers["pool"].upstream_activation = None
    plain.layers["pool"].upstream_deferred = False
    plain.layers["conv"].skip_activation_backward = plain.layers["conv"].defer_activation = False
    grads = []
    for net in (fused, plain):
        opt = Capture()
        net.train_batch(x, y_enc, loss, opt)
        grads.append(opt.grads)
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(1).normal(size=(5, 6, 7, 2))  # no plateaus: finite differences need no kinks
    opt = Capture()
    fused.train_batch(x, y_enc, loss, opt)
    for (_key, p), grad in zip(fused.parameters(), opt.grads):
        assert_grad_close(grad, numeric_grad(lambda: fused.loss_value(x, y_enc, loss), p))


def test_activation_stays_in_the_conv_where_the_pool_cannot_take_it():
    overlapping = _conv_pool_net("relu", {"pool_size": 3, "strides": 1})
    assert overlapping.layers["pool"].upstream_activation is None
    assert not overlapping.layers["conv"].skip_activation_backward
    needs_input = _conv_pool_net("elu")
    assert needs_input.layers["pool"].upstream_activation is None


@pytest.mark.parametrize(("layers", "loss_name"), [
    ([("Dense", {"units": 8, "activation": "tanh"}), ("Dense", {"units": 8, "activation": "tanh"}),
      ("Dense", {"units": 3, "activation": "softmax"})], "categorical_crossentropy"),
    ([("Dense", {"units": 5, "activation": "relu", "use_bias": False}), ("Dense", {"units": 4}),
      ("Dense", {"units": 3, "activation": "sigmoid", "bias_initializer": "random_normal"})], "mean_squared_error"),
    ([("Dense", {"units": 3, "activation": "elu"})], "mean_absolute_error"),
    # two classes: the softmax's row maximum of two columns (Softmax.bound_forward); unfused: its backward
    ([("Dense", {"units": 8, "activation": "tanh"}), ("Dense", {"units": 2, "activation": "softmax"})],
     "categorical_crossentropy"),
    ([("Dense", {"units": 4, "activation": "relu"}), ("Dense", {"units": 2, "activation": "softmax"})],
     "mean_squared_error"),
    ([("Dense", {"units": 5}), ("Dense", {"units": 3, "activation": "relu"})], "mean_squared_error"),
])  # fmt: skip
@pytest.mark.parametrize("feature_major_max", [128, 0])  # both layouts of the plan's activations
def test_the_dense_chain_plan_trains_like_the_general_path(layers, loss_name, feature_major_max, monkeypatch):
    import designer.engine.step as engine_step
    from designer.engine.optimizers import make_optimizer

    monkeypatch.setattr(engine_step, "FEATURE_MAJOR_MAX_ROWS", feature_major_max)

    g = chain(*layers)
    planned, general = Network.from_graph(g, seed=2), Network.from_graph(g, seed=2)
    assert planned.step_strategy.plan is not None
    general.step_strategy.plan = None
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 4)).astype(np.float32)
    classes = layers[-1][1]["units"]
    y_enc = encode_targets(loss_name, rng.integers(0, classes, 24), classes)
    loss = get_loss(loss_name)
    opts = [make_optimizer({"type": "sgd", "learning_rate": 0.1}) for _ in range(2)]
    for step in range(6):
        rows = slice(0, 24) if step % 2 else slice(0, 10)  # two batch sizes: two sets of buffers
        a = planned.train_batch(x[rows], y_enc[rows], loss, opts[0])
        b = general.train_batch(x[rows], y_enc[rows], loss, opts[1])
        assert a == pytest.approx(b, rel=1e-5)
        np.testing.assert_allclose(planned.activations[planned.output_id], general.activations[general.output_id],
                                   rtol=1e-5, atol=1e-6)  # fmt: skip
    assert opts[0].iterations == 6
    for (key, ga), (_, gb) in zip(planned.gradients(), general.gradients()):
        np.testing.assert_allclose(ga, gb, rtol=1e-4, atol=1e-6, err_msg=key)
    for key, w in planned.get_weights().items():
        np.testing.assert_allclose(w, general.get_weights()[key], rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("feature_major_max", [128, 0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_dense_chain_plan_applies_activations_in_place(dtype, feature_major_max, monkeypatch):
    """The plan writes a layer's product into the next layer's input and applies tanh, relu, sigmoid and
    softmax there in place, so relu's mask is taken from relu(z) > 0 — the same mask as z > 0, ties at exactly
    0 included — while gelu, whose derivative needs its input, keeps its product apart. With rows of samples
    (larger batches) each product has its own buffer and relu's mask comes from it. Either way the same steps
    as the general path, and the true gradient."""
    import designer.engine.step as step
    from designer.engine.optimizers import make_optimizer

    monkeypatch.setattr(step, "FEATURE_MAJOR_MAX_ROWS", feature_major_max)

    g = chain(("Dense", {"units": 6, "activation": "relu"}), ("Dense", {"units": 5, "activation": "tanh"}),
              ("Dense", {"units": 4, "activation": "gelu"}), ("Dense", {"units": 4, "activation": "relu"}),
              ("Dense", {"units": 3, "activation": "sigmoid"}), ("Dense", {"units": 3, "activation": "softmax"}))
    rng = np.random.default_rng(3)
    x = rng.normal(size=(12, 4)).astype(dtype)
    x[:3] = 0.0  # zero rows: with zero biases, z is exactly 0 there (relu'(0) = 0 either way)
    y_enc = encode_targets("categorical_crossentropy", rng.integers(0, 3, 12), 3).astype(dtype)
    loss = get_loss("categorical_crossentropy")
    planned, general = Network.from_graph(g, seed=5, dtype=dtype), Network.from_graph(g, seed=5, dtype=dtype)
    assert planned.step_strategy.plan is not None
    general.step_strategy.plan = None
    opts = [make_optimizer({"type": "sgd", "learning_rate": 0.1}) for _ in range(2)]
    tol = {"rtol": 1e-4, "atol": 1e-6} if dtype is np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    for _ in range(3):
        a = planned.train_batch(x, y_enc, loss, opts[0])
        b = general.train_batch(x, y_enc, loss, opts[1])
        assert a == pytest.approx(b, rel=tol["rtol"])
        for nid in planned.order:  # what the network exposes: sample-major, like the general path's
            assert planned.activations[nid].shape == general.activations[nid].shape, nid
            np.testing.assert_allclose(planned.activations[nid], general.activations[nid], err_msg=nid, **tol)
    for (key, ga), (_, gb) in zip(planned.gradients(), general.gradients()):
        np.testing.assert_allclose(ga, gb, err_msg=key, **tol)
    if dtype is np.float64:  # and the true gradient: one step's against finite differences
        trained, fresh = Network.from_graph(g, seed=5, dtype=dtype), Network.from_graph(g, seed=5, dtype=dtype)
        x = rng.normal(size=(12, 4))  # no zero rows: finite differences need no kinks
        trained.train_batch(x, y_enc, loss, make_optimizer({"type": "sgd", "learning_rate": 0.1}))
        for (_key, grad), (_, p) in zip(trained.gradients(), fresh.parameters()):
            assert_grad_close(grad, numeric_grad(lambda: fresh.loss_value(x, y_enc, loss), p), rtol=1e-4)


def test_the_dense_chain_plan_is_only_for_dense_chains():
    assert Network.from_graph(dag(), seed=0).step_strategy.plan is None
    g = chain(("Dense", {"units": 4}), ("Dropout", {"rate": 0.5}), ("Dense", {"units": 3}))
    assert Network.from_graph(g, seed=0).step_strategy.plan is None


def test_conv_nets_keep_buffers_for_training_batches_only():
    net = _conv_pool_net("relu")
    x = np.random.default_rng(0).normal(size=(40, 6, 7, 2))
    y_enc = encode_targets("categorical_crossentropy", np.arange(40) % 3, 3).astype(np.float64)
    loss = get_loss("categorical_crossentropy")
    net.train_batch(x[:8], y_enc[:8], loss, Capture())
    kept = {nid: dict(net.layers[nid]._buffers) for nid in ("conv", "pool")}
    before = net.predict(x, batch_size=16)  # inference chunks: 16 and 8 rows, in fresh arrays
    for nid, buffers in kept.items():
        assert net.layers[nid]._buffers.keys() == buffers.keys(), nid
    net.train_batch(x[:8], y_enc[:8], loss, Capture())  # back to the kept buffers
    np.testing.assert_array_equal(net.predict(x, batch_size=16), before)
