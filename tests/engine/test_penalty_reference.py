"""The L1/L2 penalty against a two-layer network written out by hand in NumPy (and PyTorch when installed).

The reference names the arrays it penalises itself (the two kernels), so a penalty that also reaches the
biases — or misses a kernel — changes the engine's loss and gradients but not the reference's.
"""

from __future__ import annotations

import numpy as np
import pytest

from designer.engine.losses import get_loss
from designer.engine.network import Network
from designer.graph.model import Graph
from tests.engine.gradcheck import Capture


def _net_and_weights():
    g = Graph()
    g.add_node("Input", {"shape": [3]}, node_id="in")
    g.add_node("Dense", {"units": 4, "activation": "tanh"}, node_id="h")
    g.add_node("Dense", {"units": 2}, node_id="out")
    g.connect("in", "h")
    g.connect("h", "out")
    net = Network.from_graph(g, seed=0, dtype=np.float64)
    rng = np.random.default_rng(11)
    # Large biases of both signs: a penalty on them would dominate the total.
    w = {"h/kernel": rng.normal(size=(3, 4)), "h/bias": np.array([2.0, -3.0, 1.5, -0.5]),
         "out/kernel": rng.normal(size=(4, 2)), "out/bias": np.array([-4.0, 3.0])}
    assert net.set_weights(w) == []
    return net, w


def _reference(w, x, y, l1, l2):
    """MSE + l1·Σ|kernel| + l2·Σkernel², value and gradient of every array, by hand."""
    w1, b1, w2, b2 = w["h/kernel"], w["h/bias"], w["out/kernel"], w["out/bias"]
    h = np.tanh(x @ w1 + b1)
    out = h @ w2 + b2
    kernels = (w1, w2)
    value = np.mean((out - y) ** 2) + sum(l1 * np.abs(k).sum() + l2 * (k**2).sum() for k in kernels)
    d_out = 2 * (out - y) / out.size
    d_h = (d_out @ w2.T) * (1 - h**2)
    grads = {"out/kernel": h.T @ d_out + l1 * np.sign(w2) + 2 * l2 * w2, "out/bias": d_out.sum(axis=0),
             "h/kernel": x.T @ d_h + l1 * np.sign(w1) + 2 * l2 * w1, "h/bias": d_h.sum(axis=0)}
    return value, grads


@pytest.mark.parametrize(("l1", "l2"), [(0.05, 0.0), (0.0, 0.07), (0.03, 0.02)])
def test_penalty_reaches_kernels_only(l1, l2):
    net, w = _net_and_weights()
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    ref_value, ref_grads = _reference(w, x, y, l1, l2)

    kernels_only = sum(l1 * np.abs(w[k]).sum() + l2 * (w[k] ** 2).sum() for k in ("h/kernel", "out/kernel"))
    assert net.penalty(l1, l2) == pytest.approx(kernels_only, rel=1e-12)

    opt = Capture()
    value = net.train_batch(x, y, get_loss("mean_squared_error"), opt, l1=l1, l2=l2)
    assert value == pytest.approx(ref_value, rel=1e-10)
    got = dict(zip([k for k, _ in net.parameters()], opt.grads))
    assert set(got) == set(ref_grads)
    for key, ref in ref_grads.items():
        np.testing.assert_allclose(got[key], ref, rtol=1e-9, atol=1e-12, err_msg=key)


def test_penalty_matches_pytorch_autograd():
    torch = pytest.importorskip("torch")
    l1, l2 = 0.03, 0.02
    net, w = _net_and_weights()
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    t = {k: torch.tensor(v, requires_grad=True) for k, v in w.items()}
    out = torch.tanh(torch.tensor(x) @ t["h/kernel"] + t["h/bias"]) @ t["out/kernel"] + t["out/bias"]
    total = torch.nn.functional.mse_loss(out, torch.tensor(y))
    for k in ("h/kernel", "out/kernel"):
        total = total + l1 * t[k].abs().sum() + l2 * (t[k] ** 2).sum()
    total.backward()

    opt = Capture()
    value = net.train_batch(x, y, get_loss("mean_squared_error"), opt, l1=l1, l2=l2)
    assert value == pytest.approx(total.item(), rel=1e-10)
    for (key, _), g in zip(net.parameters(), opt.grads):
        np.testing.assert_allclose(g, t[key].grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=key)


def test_plain_sgd_step_with_penalty_matches_the_hand_update():
    """The fast SGD path folds the learning rate into the gradients: the update must still be w − lr·g."""
    from designer.engine.optimizers import make_optimizer

    l1, l2, lr = 0.03, 0.02, 0.1
    net, w = _net_and_weights()
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    _, ref_grads = _reference(w, x, y, l1, l2)
    net.train_batch(x, y, get_loss("mean_squared_error"), make_optimizer({"type": "sgd", "learning_rate": lr}),
                    l1=l1, l2=l2)
    after = net.get_weights()  # float32 copies
    for key, g in ref_grads.items():
        np.testing.assert_allclose(after[key], w[key] - lr * g, rtol=1e-6, atol=1e-7, err_msg=key)
