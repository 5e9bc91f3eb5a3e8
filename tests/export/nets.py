"""Small trained-looking projects for the export tests: real engine networks with non-trivial weights."""

from __future__ import annotations

import numpy as np

from designer.engine.network import Network
from designer.graph import Graph
from designer.project import Project


def _graph(nodes, edges) -> Graph:
    g = Graph()
    for nid, type_name, params in nodes:
        g.add_node(type_name, params, node_id=nid)
    for a, b in edges:
        g.connect(a, b)
    return g


def mlp() -> Graph:
    return _graph(
        [
            ("input_1", "Input", {"shape": [5]}),
            ("dense_1", "Dense", {"units": 8, "activation": "relu"}),
            ("bn_1", "BatchNormalization", {}),
            ("dropout_1", "Dropout", {"rate": 0.3}),
            (
                "dense_2",
                "Dense",
                {"units": 6, "activation": "leaky_relu", "activation_params": {"negative_slope": 0.2}},
            ),
            ("act_1", "Activation", {"activation": "elu", "activation_params": {"alpha": 0.7}}),
            ("dense_3", "Dense", {"units": 3, "activation": "softmax", "use_bias": False}),
        ],
        [
            ("input_1", "dense_1"),
            ("dense_1", "bn_1"),
            ("bn_1", "dropout_1"),
            ("dropout_1", "dense_2"),
            ("dense_2", "act_1"),
            ("act_1", "dense_3"),
        ],
    )


def branches() -> Graph:
    """Skip connection (Add) and a Concatenate of two branches with different activations."""
    return _graph(
        [
            ("in", "Input", {"shape": [4]}),
            ("a", "Dense", {"units": 6, "activation": "tanh"}),
            ("b", "Dense", {"units": 6, "activation": "sigmoid"}),
            ("c", "Dense", {"units": 6, "activation": "gelu"}),
            ("add", "Add", {}),
            ("d", "Dense", {"units": 3, "activation": "silu"}),
            ("e", "Dense", {"units": 2, "activation": "softplus"}),
            ("cat", "Concatenate", {"axis": -1}),
            ("out", "Dense", {"units": 1, "activation": "sigmoid"}),
        ],
        [
            ("in", "a"),
            ("in", "b"),
            ("in", "c"),
            ("a", "add"),
            ("b", "add"),
            ("c", "add"),
            ("add", "d"),
            ("add", "e"),
            ("d", "cat"),
            ("e", "cat"),
            ("cat", "out"),
        ],
    )


def cnn() -> Graph:
    """Both paddings, strides, pooling with same padding, BN over channels, concat along channels."""
    return _graph(
        [
            ("img", "Input", {"shape": [9, 8, 2]}),
            ("conv_a", "Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"}),
            ("conv_b", "Conv2D", {"filters": 3, "kernel_size": [2, 3], "strides": 1, "padding": "same"}),
            ("cat", "Concatenate", {"axis": 2}),
            ("bn", "BatchNormalization", {"epsilon": 0.01}),
            ("pool", "MaxPooling2D", {"pool_size": 2, "padding": "same"}),
            ("conv_c", "Conv2D", {"filters": 5, "kernel_size": 3, "strides": 2, "activation": "tanh"}),
            ("pool2", "MaxPooling2D", {"pool_size": [2, 1], "strides": 1}),
            ("flat", "Flatten", {}),
            ("dense", "Dense", {"units": 3, "activation": "softmax"}),
        ],
        [
            ("img", "conv_a"),
            ("img", "conv_b"),
            ("conv_a", "cat"),
            ("conv_b", "cat"),
            ("cat", "bn"),
            ("bn", "pool"),
            ("pool", "conv_c"),
            ("conv_c", "pool2"),
            ("pool2", "flat"),
            ("flat", "dense"),
        ],
    )


def trained(graph: Graph, name: str = "test net", seed: int = 0) -> tuple[Project, Network, np.ndarray]:
    """A project whose weights come from a real Network, with BN statistics moved off their defaults."""
    net = Network.from_graph(graph, seed=seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(16, *net.input_shape)).astype(np.float32)
    for _ in range(3):
        net.forward(x * 2 + 0.5, training=True)  # BN moving statistics move
    weights = net.get_weights()
    for key, arr in weights.items():
        if key.endswith(("/bias", "/beta")):
            arr[...] = rng.normal(scale=0.3, size=arr.shape)
        elif key.endswith("/gamma"):
            arr[...] = rng.uniform(0.5, 1.5, size=arr.shape)
    net.set_weights(weights)
    project = Project(name=name, graph=graph, weights=net.get_weights())
    return project, net, x


def sequence() -> Graph:
    """A rank-2 sample (steps, features): BN over the last axis of a 3-D batch, Concatenate on axis 0."""
    return _graph(
        [
            ("seq", "Input", {"shape": [4, 3]}),
            ("bn", "BatchNormalization", {"momentum": 0.8}),
            ("act", "Activation", {"activation": "tanh"}),
            ("cat", "Concatenate", {"axis": 0}),
            ("flat", "Flatten", {}),
            ("out", "Dense", {"units": 2}),
        ],
        [("seq", "bn"), ("bn", "act"), ("seq", "cat"), ("act", "cat"), ("cat", "flat"), ("flat", "out")],
    )


def residual() -> Graph:
    """A residual conv block: Add and a softmax Activation on channels-first tensors in ONNX."""
    return _graph(
        [
            ("x", "Input", {"shape": [6, 7, 2]}),
            ("c1", "Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"}),
            ("c2", "Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same", "activation": "elu"}),
            ("add", "Add", {}),
            ("soft", "Activation", {"activation": "softmax"}),
            ("bn", "BatchNormalization", {}),
            ("pool", "MaxPooling2D", {"pool_size": 3, "strides": 1, "padding": "same"}),
            (
                "c3",
                "Conv2D",
                {"filters": 3, "kernel_size": 2, "strides": 2, "use_bias": False, "activation": "leaky_relu"},
            ),
            ("flat", "Flatten", {}),
            ("out", "Dense", {"units": 2, "activation": "tanh"}),
        ],
        [
            ("x", "c1"),
            ("c1", "c2"),
            ("c1", "add"),
            ("c2", "add"),
            ("add", "soft"),
            ("soft", "bn"),
            ("bn", "pool"),
            ("pool", "c3"),
            ("c3", "flat"),
            ("flat", "out"),
        ],
    )
