"""Regenerate the example projects from code: `python examples/make_examples.py`.

Examples are small, real projects on the shipped datasets; the start page and `--smoke-test` open them,
and the tests train each one briefly. They are saved untrained (no weights) so the files stay small.
"""

from __future__ import annotations

from pathlib import Path

from designer.graph import Graph
from designer.project import Project, default_data, default_training
from designer.project.io import save_project

HERE = Path(__file__).resolve().parent


def _chain(graph: Graph, layers: list[tuple[str, dict]], x0: float = 0.0) -> list[str]:
    ids = []
    for i, (kind, params) in enumerate(layers):
        ids.append(graph.add_node(kind, params, (x0 + 220.0 * i, 0.0)).id)
    for a, b in zip(ids, ids[1:]):
        graph.connect(a, b)
    return ids


def iris_mlp() -> Project:
    g = Graph()
    _chain(g, [("Input", {}), ("Dense", {"units": 16, "activation": "relu"}),
               ("Dropout", {"rate": 0.2}), ("Dense", {"units": 3, "activation": "softmax"})])
    training = default_training()
    training.update(epochs=100, batch_size=16, optimizer={"type": "adam", "learning_rate": 0.01})
    return Project("Iris classifier", g, default_data(), training)


def spiral() -> Project:
    g = Graph()
    _chain(g, [("Input", {}), ("Dense", {"units": 8, "activation": "tanh"}),
               ("Dense", {"units": 8, "activation": "tanh"}), ("Dense", {"units": 2, "activation": "softmax"})])
    data = default_data()
    data.update(source={"kind": "builtin", "name": "spiral", "samples": 400, "noise": 0.1, "seed": 0},
                target="label", scaling="none")
    training = default_training()
    training.update(epochs=150, batch_size=10, optimizer={"type": "adam", "learning_rate": 0.03})
    return Project("Spiral (TensorFlow Playground style)", g, data, training)


def digits_cnn() -> Project:
    g = Graph()
    _chain(g, [("Input", {"shape": [8, 8, 1]}),
               ("Conv2D", {"filters": 16, "kernel_size": 3, "activation": "relu"}),
               ("MaxPooling2D", {"pool_size": 2}), ("Flatten", {}),
               ("Dense", {"units": 10, "activation": "softmax"})])
    data = default_data()
    data.update(source={"kind": "builtin", "name": "digits"}, target="digit", scaling="minmax")
    training = default_training()
    training.update(epochs=20, batch_size=64, optimizer={"type": "adam", "learning_rate": 0.005})
    return Project("Digits CNN (8×8)", g, data, training)


def diabetes_regression() -> Project:
    g = Graph()
    _chain(g, [("Input", {}), ("Dense", {"units": 32, "activation": "relu"}),
               ("BatchNormalization", {}), ("Dense", {"units": 16, "activation": "relu"}),
               ("Dense", {"units": 1, "activation": "linear"})])
    data = default_data()
    data.update(source={"kind": "builtin", "name": "diabetes"}, target="progression", task="regression")
    data["split"] = {"validation": 0.2, "test": 0.1, "shuffle": True, "stratify": False, "seed": 0}
    training = default_training()
    training.update(loss="huber", epochs=200, batch_size=32,
                    optimizer={"type": "adam", "learning_rate": 0.01},
                    early_stopping={"monitor": "val_loss", "patience": 20, "restore_best_weights": True})
    return Project("Diabetes progression (regression)", g, data, training)


def breast_cancer_residual() -> Project:
    g = Graph()
    ids = _chain(g, [("Input", {}), ("Dense", {"units": 16, "activation": "relu"}),
                     ("Dense", {"units": 16, "activation": "relu"})])
    add = g.add_node("Add", {}, (660.0, 0.0)).id
    g.connect(ids[2], add)
    g.connect(ids[1], add)  # the skip connection
    out = g.add_node("Dense", {"units": 1, "activation": "sigmoid"}, (880.0, 0.0)).id
    g.connect(add, out)
    data = default_data()
    data.update(source={"kind": "builtin", "name": "breast_cancer"}, target="diagnosis")
    training = default_training()
    training.update(loss="binary_crossentropy", epochs=60, optimizer={"type": "adam", "learning_rate": 0.005},
                    regularization={"l1": 0.0, "l2": 0.0005})
    return Project("Breast cancer, residual MLP", g, data, training)


EXAMPLES = {
    "iris_mlp.nnproj": iris_mlp,
    "spiral.nnproj": spiral,
    "digits_cnn.nnproj": digits_cnn,
    "diabetes_regression.nnproj": diabetes_regression,
    "breast_cancer_residual.nnproj": breast_cancer_residual,
}

if __name__ == "__main__":
    for name, build in EXAMPLES.items():
        save_project(build(), HERE / name)
        print("wrote", HERE / name)
