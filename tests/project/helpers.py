"""Builders for project files in tests: a valid document and archives of arbitrary (hostile) members."""

from __future__ import annotations

import copy
import io
import json
import zipfile

SPEC_EXAMPLE = {
    "format": "nn-designer-project",
    "version": 1,
    "name": "Iris classifier",
    "graph": {
        "nodes": [
            {"id": "input_1", "type": "Input", "params": {"shape": [4]}, "position": [0, 0]},
            {"id": "dense_1", "type": "Dense", "params": {"units": 16, "activation": "relu"}, "position": [220, 0]},
            {"id": "dropout_1", "type": "Dropout", "params": {"rate": 0.2}, "position": [440, 0]},
            {"id": "dense_2", "type": "Dense", "params": {"units": 3, "activation": "softmax"}, "position": [660, 0]},
        ],
        "edges": [["input_1", "dense_1"], ["dense_1", "dropout_1"], ["dropout_1", "dense_2"]],
    },
    "data": {
        "source": {"kind": "builtin", "name": "iris"},
        "target": "species",
        "task": "classification",
        "missing": "drop",
        "scaling": "standard",
        "split": {"validation": 0.2, "test": 0.1, "shuffle": True, "stratify": True, "seed": 0},
    },
    "training": {
        "loss": "categorical_crossentropy",
        "optimizer": {"type": "sgd", "learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
        "epochs": 50,
        "batch_size": 32,
        "shuffle": True,
        "seed": 0,
        "regularization": {"l1": 0.0, "l2": 0.0},
        "early_stopping": None,
    },
}


def valid_doc() -> dict:
    """The spec's example project.json (a fresh copy each call)."""
    return copy.deepcopy(SPEC_EXAMPLE)


def make_zip(members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def project_zip(doc: dict | None = None, extra: dict[str, bytes | str] | None = None) -> bytes:
    """An archive with `doc` (default: the spec example) as project.json plus any other members."""
    members: dict[str, bytes | str] = {"project.json": json.dumps(valid_doc() if doc is None else doc)}
    members.update(extra or {})
    return make_zip(members)
