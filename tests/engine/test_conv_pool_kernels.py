"""The compiled first-conv + relu + max-pool training kernels (designer.engine.conv_pool_kernels): the same
pooled values, winners and gradients as a plain NumPy reference and as the layers' NumPy path, the true
gradients by finite differences, and the NumPy path wherever they cannot or may not run."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from designer.engine import conv_pool_kernels, shards
from designer.engine.conv_pool_kernels import ConvPoolShape, kernels_for, shape_of, source
from designer.engine.losses import encode_targets, get_loss
from designer.engine.network import Network
from designer.engine.optimizers import make_optimizer
from designer.graph.model import Graph
from tests.engine.gradcheck import Capture, assert_grad_close, numeric_grad

needs_numba = pytest.mark.skipif(not conv_pool_kernels.numba_available(), reason="numba (the `fast` extra)")


def _reference(x, kernel, bias, strides, pool):
    """The conv's full output, the pooled maximum and the first winning offset, by plain NumPy."""
    n, h, w, _ = x.shape
    kh, kw, _, filters = kernel.shape
    (sh, sw), (ph, pw) = strides, pool
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    z = np.zeros((n, oh, ow, filters)) + bias
    for i in range(kh):
        for j in range(kw):
            z += np.einsum("nhwc,cf->nhwf", x[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw],
                           kernel[i, j])  # fmt: skip
    qh, qw = oh // ph, ow // pw
    windows = z[:, : qh * ph, : qw * pw].reshape(n, qh, ph, qw, pw, filters).transpose(0, 1, 3, 2, 4, 5)
    windows = windows.reshape(n, qh, qw, ph * pw, filters)
    return z, windows.max(axis=3), windows.argmax(axis=3)  # argmax: the first maximum, row-major


def _reference_kernel_gradient(x, z, winner, pooled, grad, kernel_shape, strides, pool):
    kh, kw, _, _ = kernel_shape
    (sh, sw), (ph, pw) = strides, pool
    _, qh, qw, _ = grad.shape
    g = np.where(pooled > 0, grad, 0.0)  # the relu's derivative after the pool
    dz = np.zeros_like(z)
    for k in range(ph * pw):
        a, b = divmod(k, pw)
        dz[:, a : qh * ph : ph, b : qw * pw : pw] += np.where(winner == k, g, 0.0)
    oh, ow = z.shape[1:3]
    dkernel = np.stack([
        np.stack([np.einsum("nhwc,nhwf->cf", x[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw], dz)
                  for j in range(kw)])
        for i in range(kh)
    ])  # fmt: skip
    return dkernel, dz.sum(axis=(0, 1, 2))


# (kernel, input channels, conv strides, pool, input size): one grey channel, colour, a 5×5 kernel, a strided
# conv, rectangles, a 1×1 kernel; odd sizes leave a conv row/column no pool window covers
SHAPES = [((3, 3), 1, (1, 1), (2, 2), (13, 12)), ((3, 3), 3, (1, 1), (2, 2), (10, 10)),
          ((5, 5), 1, (1, 1), (2, 2), (12, 11)), ((3, 3), 2, (2, 2), (2, 2), (15, 13)),
          ((2, 3), 1, (1, 2), (3, 2), (12, 14)), ((1, 1), 4, (1, 1), (2, 3), (8, 9))]


@needs_numba
@pytest.mark.parametrize(("kernel_size", "cin", "strides", "pool", "size"), SHAPES)
def test_the_kernels_give_the_numpy_reference(kernel_size, cin, strides, pool, size):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, *size, cin))
    kernel = rng.normal(size=(*kernel_size, cin, 5))
    bias = rng.normal(size=5)
    kernels = kernels_for(shape_of(*kernel_size, cin, strides, pool, np.float64))
    z, pooled_ref, winner_ref = _reference(x, kernel, bias, strides, pool)
    pooled = np.empty(pooled_ref.shape)
    winner = np.empty(pooled_ref.shape, np.uint8)
    kernels.forward(x, kernel.reshape(-1, 5), bias, pooled, winner)
    np.testing.assert_allclose(pooled, pooled_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(winner, winner_ref)
    grad = rng.normal(size=pooled.shape)
    dkernel, dbias = np.empty((kernel[..., 0].size, 5)), np.empty(5)
    kernels.kernel_gradient(x, grad, pooled, winner, dkernel, dbias)
    dkernel_ref, dbias_ref = _reference_kernel_gradient(x, z, winner_ref, pooled_ref, grad, kernel.shape, strides, pool)
    np.testing.assert_allclose(dkernel, dkernel_ref.reshape(-1, 5), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dbias, dbias_ref, rtol=1e-10, atol=1e-12)


@needs_numba
def test_float32_kernels_stay_in_float32():
    rng = np.random.default_rng(1)
    x = rng.random((4, 28, 28, 1), dtype=np.float32)
    kernel, bias = rng.normal(size=(3, 3, 1, 32)).astype(np.float32), rng.normal(size=32).astype(np.float32)
    kernels = kernels_for(shape_of(3, 3, 1, (1, 1), (2, 2), np.float32))
    pooled, winner = np.empty((4, 13, 13, 32), np.float32), np.empty((4, 13, 13, 32), np.uint8)
    kernels.forward(x, kernel.reshape(9, 32), bias, pooled, winner)
    _, pooled_ref, _ = _reference(x.astype(np.float64), kernel.astype(np.float64), bias, (1, 1), (2, 2))
    np.testing.assert_allclose(pooled, pooled_ref, rtol=1e-5, atol=1e-5)
    dkernel, dbias = np.empty((9, 32), np.float32), np.empty(32, np.float32)
    kernels.kernel_gradient(x, np.ones_like(pooled), pooled, winner, dkernel, dbias)
    assert dkernel.dtype == np.float32 and np.isfinite(dkernel).all()
    np.testing.assert_allclose(dbias, (pooled > 0).sum(axis=(0, 1, 2)))  # one winner per window, where positive


@needs_numba
def test_a_tie_goes_to_the_first_maximum_and_a_nan_wins_its_window():
    kernels = kernels_for(shape_of(1, 1, 1, (1, 1), (2, 2), np.float64))  # each output copies its input pixel
    x = np.zeros((1, 4, 4, 1))
    x[0, 0, 1] = x[0, 1, 0] = 5.0  # window (0, 0): offsets 1 and 2 tie; 1 comes first
    x[0, 2, 3] = x[0, 3, 2] = x[0, 3, 3] = 2.0  # window (1, 1): offsets 1, 2, 3 tie
    x[0, 1, 3] = np.nan  # window (0, 1): offset 3 is NaN
    pooled, winner = np.empty((1, 2, 2, 1)), np.empty((1, 2, 2, 1), np.uint8)
    kernels.forward(x, np.ones((1, 1)), np.zeros(1), pooled, winner)
    assert winner[0, 0, 0, 0] == 1 and winner[0, 1, 1, 0] == 1 and winner[0, 1, 0, 0] == 0  # all-zero: offset 0
    assert pooled[0, 0, 0, 0] == 5.0 and np.isnan(pooled[0, 0, 1, 0])


def test_shapes_without_kernels():
    assert shape_of(3, 3, 1, (1, 1), (2, 2), np.float16) is None  # float32 and float64 only
    assert shape_of(7, 7, 3, (1, 1), (2, 2), np.float32) is None  # a patch of 8×8×3 values: too many registers
    assert shape_of(3, 3, 1, (1, 1), (2, 2), np.float32).fits()
    assert kernels_for(None) is None
    with pytest.raises(ValueError, match="dtype"):
        source(ConvPoolShape(3, 3, 1, 1, 1, 2, 2, "object"))


def test_the_generated_source_holds_only_the_shapes_numbers():
    shape = shape_of(3, 3, 2, (1, 2), (2, 3), np.float32)
    text = source(shape)
    compile(text, "<kernels>", "exec")
    assert "y0 = 2 * r" in text and "x0 = 6 * c" in text and "np.float32(0)" in text
    assert "p_1_6_1" in text and "p_1_7_0" not in text  # the patch: 4 rows × 7 columns × 2 channels


LATER_PROCESS = """
import os, sys
import numpy as np
os.environ["NN_DESIGNER_KERNEL_CACHE"] = sys.argv[1]
from designer.engine.conv_pool_kernels import kernels_for, shape_of
kernels = kernels_for(shape_of(2, 2, 1, (1, 1), (2, 2), np.float64))
x = np.random.default_rng(8).normal(size=(2, 6, 6, 1))
pooled, winner = np.empty((2, 2, 2, 3)), np.empty((2, 2, 2, 3), np.uint8)
kernels.forward(x, np.ones((4, 3)), np.zeros(3), pooled, winner)
print(sum(kernels.forward.stats.cache_hits.values()), repr(float(pooled[0, 0, 0, 0])))
"""


@needs_numba
def test_kernels_are_kept_in_the_cache_folder_and_only_the_generated_source_runs(tmp_path, monkeypatch):
    monkeypatch.setenv(conv_pool_kernels.ENV_CACHE_DIR, str(tmp_path))
    monkeypatch.setattr(conv_pool_kernels, "_builds", {})
    shape = shape_of(2, 2, 1, (1, 1), (2, 2), np.float64)
    x = np.random.default_rng(8).normal(size=(2, 6, 6, 1))
    pooled, winner = np.empty((2, 2, 2, 3)), np.empty((2, 2, 2, 3), np.uint8)
    kernels_for(shape).forward(x, np.ones((4, 3)), np.zeros(3), pooled, winner)
    path = tmp_path / f"{shape.name}.py"
    assert path.read_text(encoding="utf-8") == source(shape)
    assert any((tmp_path / "__pycache__").glob(f"{shape.name}.forward-*.nbc"))  # numba's machine code
    # a later process loads that machine code instead of compiling, and gets the same values
    later = subprocess.run([sys.executable, "-c", LATER_PROCESS, str(tmp_path)], capture_output=True,
                           encoding="utf-8", timeout=120)  # fmt: skip
    assert later.returncode == 0, later.stderr
    hits, value = later.stdout.split()
    assert hits == "1" and float(value) == pooled[0, 0, 0, 0]
    # a damaged or replaced file is written again from the generator, and what it held never runs
    marker = tmp_path / "ran"
    path.write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    monkeypatch.setattr(conv_pool_kernels, "_builds", {})
    again = np.empty_like(pooled)
    kernels_for(shape).forward(x, np.ones((4, 3)), np.zeros(3), again, winner)
    assert not marker.exists() and path.read_text(encoding="utf-8") == source(shape)
    np.testing.assert_array_equal(again, pooled)


@needs_numba
def test_a_damaged_machine_code_cache_compiles_in_memory(tmp_path, monkeypatch):
    monkeypatch.setenv(conv_pool_kernels.ENV_CACHE_DIR, str(tmp_path))
    monkeypatch.setattr(conv_pool_kernels, "_builds", {})
    shape = shape_of(1, 1, 1, (1, 1), (2, 2), np.float64)
    kernels_for(shape)
    for index in (tmp_path / "__pycache__").glob("*.nbi"):
        index.write_bytes(b"not numba's index")
    monkeypatch.setattr(conv_pool_kernels, "_builds", {})
    kernels = kernels_for(shape)
    pooled, winner = np.empty((1, 1, 1, 1)), np.empty((1, 1, 1, 1), np.uint8)
    kernels.forward(np.arange(4.0).reshape(1, 2, 2, 1), np.ones((1, 1)), np.zeros(1), pooled, winner)
    assert pooled[0, 0, 0, 0] == 3.0 and winner[0, 0, 0, 0] == 3
    assert not any((tmp_path / "__pycache__").glob("*.nbi"))  # removed: the next process caches afresh


@needs_numba
def test_a_cache_folder_that_cannot_be_written_compiles_in_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(conv_pool_kernels.ENV_CACHE_DIR, str(blocker / "kernels"))  # a folder inside a file
    monkeypatch.setattr(conv_pool_kernels, "_builds", {})
    kernels = kernels_for(shape_of(1, 1, 1, (1, 1), (2, 2), np.float64))
    pooled, winner = np.empty((1, 1, 1, 1)), np.empty((1, 1, 1, 1), np.uint8)
    kernels.forward(np.arange(4.0).reshape(1, 2, 2, 1), np.ones((1, 1)), np.zeros(1), pooled, winner)
    assert pooled[0, 0, 0, 0] == 3.0 and winner[0, 0, 0, 0] == 3


def test_the_cache_folder_is_the_platforms_per_user_one(monkeypatch, tmp_path):
    monkeypatch.delenv(conv_pool_kernels.ENV_CACHE_DIR, raising=False)
    monkeypatch.setattr(conv_pool_kernels.sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert conv_pool_kernels.kernel_cache_dir() == tmp_path / "network-designer" / "kernels"
    monkeypatch.setattr(conv_pool_kernels.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path))
    assert conv_pool_kernels.kernel_cache_dir() == tmp_path / "Network Designer" / "Cache" / "kernels"


def _first_conv_net(cin=1, size=(12, 11), padding="valid", strides=1, pool=2, use_bias=True, kernel_size=3,
                    dtype=np.float64) -> Network:  # fmt: skip
    g = Graph()
    g.add_node("Input", {"shape": [*size, cin]}, node_id="in")
    g.add_node("Conv2D", {"filters": 4, "kernel_size": kernel_size, "padding": padding, "strides": strides,
                          "activation": "relu", "use_bias": use_bias}, node_id="conv")  # fmt: skip
    g.add_node("MaxPooling2D", {"pool_size": pool}, node_id="pool")
    g.add_node("Conv2D", {"filters": 3, "kernel_size": 2, "activation": "tanh"}, node_id="conv2")
    g.add_node("Flatten", {}, node_id="flat")
    g.add_node("Dense", {"units": 3, "activation": "softmax"}, node_id="out")
    chain = ["in", "conv", "pool", "conv2", "flat", "out"]
    for s, d in zip(chain, chain[1:]):
        g.connect(s, d)
    return Network.from_graph(g, seed=5, dtype=dtype)


def _step(net, x, y_enc):
    opt = Capture()
    value = net.train_batch(x, y_enc, get_loss("categorical_crossentropy"), opt)
    return value, opt.grads


NETS = [{}, {"cin": 3, "padding": "same"}, {"strides": 2, "size": (15, 13)}, {"pool": [2, 3], "use_bias": False},
        {"kernel_size": 5, "size": (13, 13)}]


@needs_numba
@pytest.mark.parametrize("settings", NETS)
def test_a_training_step_through_the_kernels_is_the_numpy_paths(settings, monkeypatch):
    size, cin = settings.get("size", (12, 11)), settings.get("cin", 1)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, *size, cin))
    x[:, :3] = 0.0  # plateaus: ties inside the pool's windows (the conv's bias makes them equal)
    y_enc = encode_targets("categorical_crossentropy", np.arange(6) % 3, 3).astype(np.float64)
    compiled, plain = _first_conv_net(**settings), _first_conv_net(**settings)
    value, grads = _step(compiled, x, y_enc)
    assert compiled.layers["conv"].fused_run and compiled.layers["pool"].fused_run
    monkeypatch.setattr(conv_pool_kernels, "ENABLED", False)
    plain_value, plain_grads = _step(plain, x, y_enc)
    assert not plain.layers["conv"].fused_run
    assert value == pytest.approx(plain_value, rel=1e-12)
    for a, b in zip(grads, plain_grads):  # the same winners on ties: another would change a gradient entirely
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@needs_numba
@pytest.mark.parametrize("settings", [{}, {"cin": 3, "padding": "same", "use_bias": False}])
def test_the_kernels_gradients_match_finite_differences(settings):
    net = _first_conv_net(**settings)
    size, cin = settings.get("size", (12, 11)), settings.get("cin", 1)
    x = np.random.default_rng(3).normal(size=(3, *size, cin))  # no plateaus: no kinks for finite differences
    y_enc = encode_targets("categorical_crossentropy", np.arange(3) % 3, 3).astype(np.float64)
    loss = get_loss("categorical_crossentropy")
    _, grads = _step(net, x, y_enc)
    assert net.layers["conv"].fused_run
    for (key, p), grad in zip(net.parameters(), grads):
        if key.startswith("conv/"):  # loss_value runs inference: the NumPy path, unfused
            assert_grad_close(grad, numeric_grad(lambda: net.loss_value(x, y_enc, loss), p))


@needs_numba
def test_float32_training_follows_the_numpy_path(monkeypatch):
    """Ten plain-SGD steps of a float32 network: the same weights to float32 rounding."""
    rng = np.random.default_rng(4)
    x = rng.random((16, 12, 11, 1), dtype=np.float32)
    y_enc = encode_targets("categorical_crossentropy", rng.integers(0, 3, 16), 3)
    loss = get_loss("categorical_crossentropy")
    weights = []
    for enabled in (True, False):
        monkeypatch.setattr(conv_pool_kernels, "ENABLED", enabled)
        net, opt = _first_conv_net(dtype=np.float32), make_optimizer({"type": "sgd", "learning_rate": 0.1})
        for _ in range(10):
            net.train_batch(x, y_enc, loss, opt)
        assert net.layers["conv"].fused_run == enabled
        weights.append(dict(net.parameters()))
    for key, w in weights[1].items():
        np.testing.assert_allclose(weights[0][key], w, rtol=1e-4, atol=1e-5, err_msg=key)


@needs_numba
def test_a_forward_and_input_gradient_outside_a_training_step_take_the_numpy_path():
    """Network.forward/backward may be asked for the input's gradient, which the kernels do not keep what it
    needs for: only the training step's forward runs them."""
    x = np.random.default_rng(5).normal(size=(4, 12, 11, 1))
    y_enc = encode_targets("categorical_crossentropy", np.arange(4) % 3, 3).astype(np.float64)
    net, reference = _first_conv_net(), _first_conv_net()
    _step(net, x, y_enc)  # a compiled step first
    gx = []
    for n in (net, reference):
        out = n.forward(x, training=True)
        assert not n.layers["conv"].fused_run
        gx.append((out, n.backward(np.ones_like(out), input_grad=True)))
    np.testing.assert_array_equal(gx[0][0], gx[1][0])
    np.testing.assert_array_equal(gx[0][1], gx[1][1])


def test_a_numba_that_fails_to_import_leaves_training_on_numpy(monkeypatch):
    def broken():
        raise SystemError("a numba built for another NumPy")

    monkeypatch.setattr(conv_pool_kernels, "numba_available", broken)
    monkeypatch.setattr(conv_pool_kernels, "_builds", {})
    assert kernels_for(shape_of(3, 3, 1, (1, 1), (2, 2), np.float32)) is None  # answered, not waiting forever


def test_without_numba_the_layers_train_on_numpy(monkeypatch):
    monkeypatch.setattr(conv_pool_kernels, "numba_available", lambda: False)
    monkeypatch.setattr(conv_pool_kernels, "_builds", {})
    net = _first_conv_net()
    assert net.layers["conv"].fused_shape is not None  # the pair qualifies; no compiler to build it
    x = np.random.default_rng(6).normal(size=(4, 12, 11, 1))
    y_enc = encode_targets("categorical_crossentropy", np.arange(4) % 3, 3).astype(np.float64)
    value, _ = _step(net, x, y_enc)
    assert np.isfinite(value) and not net.layers["conv"].fused_run


@needs_numba
def test_steps_run_on_numpy_until_the_kernels_are_built_in_the_background(monkeypatch):
    """What users get (WAIT false): a step never waits for numba; the steps after the build use the kernels."""
    monkeypatch.setattr(conv_pool_kernels, "WAIT", False)
    monkeypatch.setattr(conv_pool_kernels, "BUILD_AFTER_S", 0.0)
    monkeypatch.setattr(conv_pool_kernels, "_builds", {})
    release, compile_now = threading.Event(), conv_pool_kernels._compile
    monkeypatch.setattr(conv_pool_kernels, "_compile", lambda shape: release.wait(60) and compile_now(shape))
    x = np.random.default_rng(10).normal(size=(4, 12, 11, 1))
    y_enc = encode_targets("categorical_crossentropy", np.arange(4) % 3, 3).astype(np.float64)
    net, plain = _first_conv_net(), _first_conv_net()
    first = _step(net, x, y_enc)
    assert not net.layers["conv"].fused_run  # the build is still held back: this step ran on NumPy
    release.set()
    net.wait_for_compiled_kernels()
    second = _step(net, x, y_enc)
    assert net.layers["conv"].fused_run
    monkeypatch.setattr(conv_pool_kernels, "ENABLED", False)
    for (value, grads), (plain_value, plain_grads) in zip((first, second), (_step(plain, x, y_enc),) * 2):
        assert value == pytest.approx(plain_value, rel=1e-12)
        for a, b in zip(grads, plain_grads):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@needs_numba
def test_a_short_run_never_builds_the_kernels_but_uses_them_once_built(monkeypatch):
    monkeypatch.setattr(conv_pool_kernels, "WAIT", False)
    monkeypatch.setattr(conv_pool_kernels, "BUILD_AFTER_S", 60.0)
    monkeypatch.setattr(conv_pool_kernels, "_builds", {})
    x = np.random.default_rng(11).normal(size=(4, 12, 11, 1))
    y_enc = encode_targets("categorical_crossentropy", np.arange(4) % 3, 3).astype(np.float64)
    net = _first_conv_net()
    for _ in range(3):
        _step(net, x, y_enc)
        assert not net.layers["conv"].fused_run
    assert conv_pool_kernels._builds == {}  # numba was not even asked
    kernels_for(net.layers["conv"].fused_shape)  # built by another network of this process
    _step(net, x, y_enc)
    assert net.layers["conv"].fused_run


def test_the_window_process_trains_on_numpy(monkeypatch):
    from designer.ui.app import keep_compiled_kernels_out_of_the_window

    monkeypatch.setattr(conv_pool_kernels, "ENABLED", True)
    keep_compiled_kernels_out_of_the_window()
    assert not conv_pool_kernels.ENABLED
    assert kernels_for(shape_of(3, 3, 1, (1, 1), (2, 2), np.float32)) is None


@needs_numba
def test_kernels_that_fail_to_compile_leave_training_on_numpy(monkeypatch, caplog):
    def broken(shape, module, cache):
        raise TypeError("no matching definition for argument type(s)")  # what numba raises, for example

    monkeypatch.setattr(conv_pool_kernels, "_builds", {})
    monkeypatch.setattr(conv_pool_kernels, "_jit", broken)
    net = _first_conv_net()
    x = np.random.default_rng(9).normal(size=(4, 12, 11, 1))
    y_enc = encode_targets("categorical_crossentropy", np.arange(4) % 3, 3).astype(np.float64)
    with caplog.at_level("WARNING", logger="designer.engine.conv_pool_kernels"):
        value, _ = _step(net, x, y_enc)
    assert np.isfinite(value) and not net.layers["conv"].fused_run
    assert "training on NumPy: no matching definition" in caplog.text


def test_only_a_relu_first_conv_read_by_a_tiling_pool_alone_qualifies():
    def pair(net):
        return [(conv.id, pool.id) for pool, conv in net._compiled_pairs()]

    assert pair(_first_conv_net()) == [("conv", "pool")]
    assert pair(_first_conv_net(dtype=np.float32)) == [("conv", "pool")]
    g = Graph()
    g.add_node("Input", {"shape": [8, 8, 1]}, node_id="in")
    g.add_node("Conv2D", {"filters": 2, "kernel_size": 3, "activation": "tanh"}, node_id="tanh_conv")
    g.add_node("MaxPooling2D", {"pool_size": 2}, node_id="p1")
    g.add_node("Conv2D", {"filters": 2, "kernel_size": 1, "activation": "relu"}, node_id="relu_conv")
    g.add_node("MaxPooling2D", {"pool_size": 2, "strides": 1}, node_id="overlapping")
    g.add_node("Flatten", {}, node_id="flat")
    g.add_node("Dense", {"units": 2, "activation": "softmax"}, node_id="out")
    chain = ["in", "tanh_conv", "p1", "relu_conv", "overlapping", "flat", "out"]
    for s, d in zip(chain, chain[1:]):
        g.connect(s, d)
    assert pair(Network.from_graph(g)) == []  # tanh is pooled first; overlapping windows do not tile


@needs_numba
def test_the_shards_of_a_split_step_each_run_the_kernels(monkeypatch):
    monkeypatch.setattr(shards, "MIN_SHARD_MACS", 1)
    net = _first_conv_net(dtype=np.float32)
    rng = np.random.default_rng(7)
    x = rng.random((8, 12, 11, 1), dtype=np.float32)
    y_enc = encode_targets("categorical_crossentropy", rng.integers(0, 3, 8), 3)
    with threadpool_limits(limits=2, user_api="blas"):
        net.train_batch(x, y_enc, get_loss("categorical_crossentropy"), make_optimizer({"type": "sgd"}))
    (replica,) = net.step_strategy.shards._replicas
    assert net.layers["conv"].fused_run and replica.layers["conv"].fused_run
