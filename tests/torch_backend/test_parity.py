"""The PyTorch engine against the NumPy engine: from the same start, the same weights (and BatchNormalization
state) after a few steps, and the same loss curve, for every layer type, activation, loss and optimizer.

Tolerances (float32; the two engines sum in different orders): per-step losses rel 1e-5, weights and state
after 6 steps abs 2e-5 + rel 2e-4 (Adam/AdamW/RMSprop/Adagrad divide by √v, which magnifies the rounding of
tiny gradients); whole runs' per-epoch metrics rel 1e-4.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from designer.engine.losses import encode_targets, get_loss  # noqa: E402
from designer.engine.network import Network  # noqa: E402
from designer.engine.optimizers import make_optimizer  # noqa: E402
from designer.graph import Graph  # noqa: E402
from designer.torch_backend.network import TorchNetwork  # noqa: E402

STEPS = 6
LOSS_RTOL = 1e-5
W_ATOL, W_RTOL = 2e-5, 2e-4

OPTIMIZERS = {
    "sgd": {"type": "sgd", "learning_rate": 0.1},
    "sgd_momentum": {"type": "sgd", "learning_rate": 0.05, "momentum": 0.9},
    "sgd_nesterov": {"type": "sgd", "learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
    "adam": {"type": "adam", "learning_rate": 0.01},
    "adamw": {"type": "adamw", "learning_rate": 0.01, "weight_decay": 0.05},
    "rmsprop": {"type": "rmsprop", "learning_rate": 0.01},
    "adagrad": {"type": "adagrad", "learning_rate": 0.05},
}


def graph(nodes, edges) -> Graph:
    g = Graph()
    for nid, kind, params in nodes:
        g.add_node(kind, params, node_id=nid)
    for src, dst in edges:
        g.connect(src, dst)
    return g


def chain(input_shape, *layers) -> Graph:
    nodes = [("input_1", "Input", {"shape": list(input_shape)})]
    nodes += [(f"l{i}", kind, params) for i, (kind, params) in enumerate(layers, start=1)]
    ids = [n[0] for n in nodes]
    return graph(nodes, list(zip(ids, ids[1:])))


def both(g: Graph, input_shape, seed=0):
    a = Network.from_graph(g, input_shape=input_shape, seed=seed)
    b = Network.from_graph(g, input_shape=input_shape, seed=seed)
    return a, TorchNetwork(b, device="cpu", seed=seed)


def data(input_shape, n_out, loss_name, n=24, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, *input_shape)).astype(np.float32)
    if loss_name in ("mean_squared_error", "mean_absolute_error", "huber"):
        y = rng.normal(0, 1.5, (n, n_out)).astype(np.float32)
    else:
        y = rng.integers(0, max(n_out, 2), n)
    return x, encode_targets(loss_name, y, n_out)


def assert_same_weights(a, b, where=""):
    wa, wb = a.get_weights(), b.get_weights()
    assert wa.keys() == wb.keys()
    for key in wa:
        np.testing.assert_allclose(wb[key], wa[key], rtol=W_RTOL, atol=W_ATOL, err_msg=f"{where} {key}")


def train_both(g, input_shape, loss_name, opt_cfg, n_out, l1=0.0, l2=0.0, batch=8, masks=None):
    numpy_net, torch_net = both(g, input_shape)
    x, y = data(input_shape, n_out, loss_name)
    losses = {}
    for label, net in (("numpy", numpy_net), ("torch", torch_net)):
        loss, opt = get_loss(loss_name), make_optimizer(opt_cfg)
        layers = net.layers if label == "numpy" else net.host.layers
        out = []
        for step in range(STEPS):
            lo = (step * batch) % len(x)
            if masks:
                for nid, mask in masks(step).items():
                    layers[nid].fixed_mask = mask
            out.append(net.train_batch(x[lo:lo + batch], y[lo:lo + batch], loss, opt, l1, l2))
        losses[label] = out
    np.testing.assert_allclose(losses["torch"], losses["numpy"], rtol=LOSS_RTOL, atol=1e-7)
    assert_same_weights(numpy_net, torch_net, f"{loss_name}/{opt_cfg['type']}")
    # and inference agrees too (BatchNormalization's moving statistics, dropout off)
    np.testing.assert_allclose(torch_net.predict(x), numpy_net.predict(x), rtol=1e-4, atol=1e-5)
    return numpy_net, torch_net


MLP = [("Dense", {"units": 16, "activation": "tanh"}), ("Dense", {"units": 3, "activation": "softmax"})]


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_every_optimizer_gives_the_same_weights(opt):
    train_both(chain((5,), *MLP), (5,), "categorical_crossentropy", OPTIMIZERS[opt], 3)


@pytest.mark.parametrize("opt", ["sgd", "adam", "rmsprop"])
def test_l1_and_l2_penalties_match(opt):
    train_both(chain((5,), *MLP), (5,), "categorical_crossentropy", OPTIMIZERS[opt], 3, l1=0.01, l2=0.02)


@pytest.mark.parametrize("act", ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu",
                                 "softplus", "softmax"])
def test_every_activation_as_a_dense_and_an_activation_layer(act):
    params = {"activation_params": {"negative_slope": 0.2}} if act == "leaky_relu" else {}
    g = chain((6,), ("Dense", {"units": 10, "activation": act, **params}),
              ("Activation", {"activation": act, **params}), ("Dense", {"units": 3, "activation": "softmax"}))
    train_both(g, (6,), "categorical_crossentropy", OPTIMIZERS["adam"], 3)


@pytest.mark.parametrize("loss_name,out_act,n_out", [
    ("categorical_crossentropy", "softmax", 3),
    ("categorical_crossentropy", "sigmoid", 3),  # not the fused pairing: the clipped gradient
    ("binary_crossentropy", "sigmoid", 1),
    ("binary_crossentropy", "sigmoid", 3),
    ("binary_crossentropy", "softmax", 3),
    ("hinge", "tanh", 1),
    ("hinge", "linear", 3),
    ("mean_squared_error", "linear", 2),
    ("mean_absolute_error", "linear", 2),
    ("huber", "linear", 2),
])
def test_every_loss_and_output_pairing(loss_name, out_act, n_out):
    g = chain((5,), ("Dense", {"units": 12, "activation": "relu"}), ("Dense", {"units": n_out, "activation": out_act}))
    train_both(g, (5,), loss_name, OPTIMIZERS["sgd_momentum"], n_out)


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_conv_pool_flatten_network(opt):
    g = chain((9, 9, 2),
              ("Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"}),
              ("MaxPooling2D", {"pool_size": 2}),  # tiled: the engine's fused relu-after-pool path
              ("Conv2D", {"filters": 5, "kernel_size": [2, 3], "strides": 2, "padding": "same", "activation": "tanh"}),
              ("MaxPooling2D", {"pool_size": 2, "strides": 1, "padding": "same"}),  # strided, −inf padding
              ("Flatten", {}),
              ("Dense", {"units": 3, "activation": "softmax"}))
    train_both(g, (9, 9, 2), "categorical_crossentropy", OPTIMIZERS[opt], 3)


def test_conv_valid_padding_without_bias():
    g = chain((8, 8, 1), ("Conv2D", {"filters": 3, "kernel_size": 3, "use_bias": False, "activation": "elu"}),
              ("MaxPooling2D", {"pool_size": 3, "strides": 2}), ("Flatten", {}),
              ("Dense", {"units": 2, "activation": "softmax"}))
    train_both(g, (8, 8, 1), "categorical_crossentropy", OPTIMIZERS["adam"], 2)


@pytest.mark.parametrize("where", ["dense", "conv"])
def test_batch_normalization_weights_and_moving_statistics(where):
    if where == "dense":
        # no bias before BatchNormalization: its true gradient is 0, and Adam would turn each engine's rounding
        # noise of that 0 into a full ±lr step (both right, not comparable)
        g = chain((6,), ("Dense", {"units": 8, "use_bias": False}), ("BatchNormalization", {"momentum": 0.9}),
                  ("Activation", {"activation": "relu"}), ("Dense", {"units": 3, "activation": "softmax"}))
        shape = (6,)
    else:
        g = chain((6, 6, 2), ("Conv2D", {"filters": 4, "kernel_size": 3, "use_bias": False}),
                  ("BatchNormalization", {"epsilon": 0.01}), ("Activation", {"activation": "relu"}), ("Flatten", {}),
                  ("Dense", {"units": 3, "activation": "softmax"}))
        shape = (6, 6, 2)
    numpy_net, _ = train_both(g, shape, "categorical_crossentropy", OPTIMIZERS["adam"], 3)
    assert not np.allclose(numpy_net.get_weights()["l2/moving_mean"], 0.0)  # the state did move


def test_dropout_with_the_same_masks():
    g = chain((6,), ("Dense", {"units": 10, "activation": "relu"}), ("Dropout", {"rate": 0.5}),
              ("Dense", {"units": 3, "activation": "softmax"}))
    rng = np.random.default_rng(5)

    def masks(step):
        keep = rng.random((8, 10)) >= 0.5
        return {"l2": (keep / 0.5).astype(np.float32)}

    # the same mask sequence for both engines: draw it once, replay it
    drawn = [masks(s) for s in range(STEPS)]
    train_both(g, (6,), "categorical_crossentropy", OPTIMIZERS["sgd"], 3, masks=lambda s: drawn[s])


def test_dropout_without_a_fixed_mask_drops_the_rate_and_scales():
    g = chain((400,), ("Dropout", {"rate": 0.3}), ("Dense", {"units": 2, "activation": "softmax"}))
    _, net = both(g, (400,))
    x = torch.ones((50, 400))
    outs, _ = net._run(x, True)
    dropped = outs["l1"]
    assert abs(float((dropped == 0).float().mean()) - 0.3) < 0.02
    assert torch.allclose(dropped[dropped != 0], torch.tensor(1 / 0.7))
    outs, _ = net._run(x, False)
    assert torch.equal(outs["l1"], x)


def test_add_and_concatenate_dag():
    nodes = [("input_1", "Input", {"shape": [6]}), ("a", "Dense", {"units": 8, "activation": "relu"}),
             ("b", "Dense", {"units": 8, "activation": "tanh"}), ("sum", "Add", {}),
             ("cat", "Concatenate", {}), ("out", "Dense", {"units": 3, "activation": "softmax"})]
    edges = [("input_1", "a"), ("input_1", "b"), ("a", "sum"), ("b", "sum"), ("sum", "cat"), ("a", "cat"),
             ("cat", "out")]
    train_both(graph(nodes, edges), (6,), "categorical_crossentropy", OPTIMIZERS["rmsprop"], 3)


def test_concatenate_on_image_channels():
    nodes = [("input_1", "Input", {"shape": [6, 6, 1]}),
             ("c1", "Conv2D", {"filters": 2, "kernel_size": 3, "padding": "same"}),
             ("c2", "Conv2D", {"filters": 3, "kernel_size": 1, "activation": "relu"}),
             ("cat", "Concatenate", {"axis": -1}), ("flat", "Flatten", {}),
             ("out", "Dense", {"units": 2, "activation": "softmax"})]
    edges = [("input_1", "c1"), ("input_1", "c2"), ("c1", "cat"), ("c2", "cat"), ("cat", "flat"), ("flat", "out")]
    train_both(graph(nodes, edges), (6, 6, 1), "categorical_crossentropy", OPTIMIZERS["adam"], 2)


def test_gradients_and_norm_probes_agree():
    numpy_net, torch_net = both(chain((5,), *MLP), (5,))
    x, y = data((5,), 3, "categorical_crossentropy")
    for net in (numpy_net, torch_net):
        net.train_batch(x, y, get_loss("categorical_crossentropy"), make_optimizer(OPTIMIZERS["adam"]))
    ga, gb = dict(numpy_net.gradients()), dict(torch_net.gradients())
    for key in ga:
        np.testing.assert_allclose(gb[key], ga[key], rtol=1e-4, atol=1e-6)
    numpy_net.forward(x)
    torch_net.forward(x)
    for nid in numpy_net.order:
        np.testing.assert_allclose(torch_net.activations[nid], numpy_net.activations[nid], rtol=1e-5, atol=1e-6)


def test_live_learning_rate_and_parameter_changes_reach_the_torch_steps():
    numpy_net, torch_net = both(chain((5,), *MLP), (5,))
    x, y = data((5,), 3, "categorical_crossentropy")
    for net in (numpy_net, torch_net):
        opt, loss = make_optimizer(OPTIMIZERS["sgd_momentum"]), get_loss("categorical_crossentropy")
        for step in range(4):
            if step == 2:
                opt.learning_rate = 0.2
                opt.set_param("momentum", 0.5)
            net.train_batch(x[:8], y[:8], loss, opt)
    assert_same_weights(numpy_net, torch_net, "live changes")


def test_set_weights_reaches_the_tensors_and_get_weights_reads_them():
    numpy_net, torch_net = both(chain((5,), *MLP), (5,))
    new = {k: np.full_like(v, 0.25) for k, v in numpy_net.get_weights().items()}
    assert torch_net.set_weights(new) == []
    x, _ = data((5,), 3, "categorical_crossentropy")
    numpy_net.set_weights(new)
    np.testing.assert_allclose(torch_net.predict(x), numpy_net.predict(x), rtol=1e-6)
    assert all(np.all(v == 0.25) for v in torch_net.get_weights().values())
    copy.deepcopy(torch_net.get_weights())  # plain arrays, detached from torch
