"""Save → load → save gives the same file; what the application writes, plain zipfile/json/numpy can read."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np

from designer.graph import Graph
from designer.project import Project
from designer.project.io import dumps_project, load_project, loads_project, save_project
from tests.project.helpers import project_zip

DOCS = Path(__file__).resolve().parents[2] / "docs" / "file-format.md"


def conv_project() -> Project:
    """A project built the way the editor builds one: through Graph methods, with trained-looking weights."""
    g = Graph()
    g.add_node("Input", {"shape": [8, 8, 1]}, (0, 0))
    g.add_node("Conv2D", {"filters": 4, "kernel_size": [3, 2], "activation": "relu"}, (200, 0))
    g.add_node("BatchNormalization", None, (400, 0))
    g.add_node("MaxPooling2D", None, (600, 0))
    g.add_node("Flatten", None, (800, 0))
    g.add_node("Dense", {"units": 10, "activation": "softmax"}, (1000, 0.5))
    order = list(g.nodes)
    for a, b in zip(order, order[1:]):
        g.connect(a, b)
    rng = np.random.default_rng(0)
    weights = {
        "conv2d_1/kernel": rng.normal(size=(3, 2, 1, 4)),
        "conv2d_1/bias": rng.normal(size=4),
        "batch_normalization_1/gamma": np.ones(4),
        "batch_normalization_1/beta": np.zeros(4),
        "batch_normalization_1/moving_mean": rng.normal(size=4),
        "batch_normalization_1/moving_variance": rng.uniform(0.5, 2, size=4),
        "dense_1/kernel": rng.normal(size=(3 * 3 * 4, 10)),
        "dense_1/bias": rng.normal(size=10),
    }
    history = [
        {
            "settings": {"epochs": 2, "optimizer": {"type": "adam"}},
            "epochs": [{"epoch": 1, "loss": 2.1, "val_loss": 2.0}, {"epoch": 2, "loss": float("nan"), "val_loss": 1.9}],
        }
    ]
    return Project(
        name="Digits — ünïcödé",
        graph=g,
        weights={k: v.astype(np.float32) for k, v in weights.items()},
        history=history,
        extra={"notes": {"author": "me", "tags": ["a", "b"]}},
    )


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_save_load_save_is_identical(tmp_path):
    first, second = tmp_path / "a.nnproj", tmp_path / "b.nnproj"
    original = conv_project()
    save_project(original, first)
    loaded = load_project(first)
    assert loaded.warnings == []
    save_project(loaded, second)
    a, b = members(first.read_bytes()), members(second.read_bytes())
    assert list(a) == ["project.json", "weights.npz", "history.json"]
    assert a["project.json"] == b["project.json"]
    assert a["weights.npz"] == b["weights.npz"]
    assert first.read_bytes() == second.read_bytes()  # fixed timestamps: saving twice is byte-identical
    assert sorted(loaded.weights) == sorted(original.weights)
    for key, arr in original.weights.items():
        assert loaded.weights[key].dtype == np.float32
        np.testing.assert_array_equal(loaded.weights[key], arr)
    assert loaded.history[0]["epochs"][1]["loss"] is None  # NaN is stored as null
    assert loaded.extra == original.extra and loaded.name == original.name
    assert loaded.graph.to_dict() == original.graph.to_dict()


def test_hand_written_file_round_trips_to_a_fixed_point():
    once = dumps_project(loads_project(project_zip()))
    twice = dumps_project(loads_project(once))
    assert once == twice
    doc = json.loads(members(once)["project.json"])
    assert doc["graph"]["nodes"][1]["params"]["use_bias"] is True  # defaults written out


def test_weights_of_removed_layers_are_not_written():
    p = conv_project()
    p.weights["gone_1/kernel"] = np.ones(3, np.float32)
    p.graph.remove_node("dense_1")
    loaded = loads_project(dumps_project(p))
    assert "gone_1/kernel" not in loaded.weights and "dense_1/kernel" not in loaded.weights
    assert loaded.warnings == []


def test_project_json_is_readable_text():
    text = members(dumps_project(conv_project()))["project.json"].decode("utf-8")
    assert '"name": "Digits — ünïcödé"' in text
    assert '{"id": "flatten_1", "type": "Flatten", "params": {}, "position": [800.0, 0.0]}' in text
    assert text.endswith("}\n")


def test_docs_example_reads_a_project_with_zipfile_json_numpy_alone(tmp_path, monkeypatch):
    """The snippet in docs/file-format.md runs as printed against a file the application saved."""
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S).group(1)
    assert "designer" not in code
    save_project(conv_project(), tmp_path / "digits.nnproj")
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, str(DOCS), "exec"), scope)
    assert scope["project"]["name"] == "Digits — ünïcödé"
    assert scope["weights"]["dense_1/kernel"].shape == (36, 10)


def test_numpy_values_from_the_trainer_are_written_as_plain_json():
    p = conv_project()
    p.history = [{"epochs": [{"epoch": np.int64(1), "loss": np.float32(0.25), "val_loss": np.float64("inf"),
                              "confusion": np.array([[1, 0], [0, 1]]), "shape": (3, 4)}]}]
    p.training["epochs"] = np.int64(7)
    loaded = loads_project(dumps_project(p))
    assert loaded.history == [{"epochs": [{"epoch": 1, "loss": 0.25, "val_loss": None,
                                           "confusion": [[1, 0], [0, 1]], "shape": [3, 4]}]}]
    assert loaded.training["epochs"] == 7
