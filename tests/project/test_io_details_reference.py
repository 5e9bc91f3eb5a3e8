"""Project-file details read back byte for byte: the wrapped history form, float32 weights on disk, and the
version-0 rename that must not clobber a graph that already has nodes."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from designer.project.io import dumps_project, loads_project
from designer.project.migrate import migrate
from tests.project.helpers import project_zip, valid_doc


def test_a_history_wrapped_in_an_object_is_read_as_its_runs():
    runs = [{"epochs": [{"loss": 0.5}]}, {"epochs": []}]
    project = loads_project(project_zip(extra={"history.json": json.dumps({"runs": runs})}))
    assert project.history == runs and project.warnings == []


def test_weights_are_written_as_little_endian_float32_whatever_they_were_in_memory():
    project = loads_project(project_zip())
    project.weights = {"dense_1/kernel": np.arange(64, dtype=np.float64).reshape(4, 16) / 3,
                       "dense_1/bias": np.zeros(16, dtype=np.float16)}
    archive = zipfile.ZipFile(io.BytesIO(dumps_project(project)))
    inner = zipfile.ZipFile(io.BytesIO(archive.read("weights.npz")))
    kernel = np.lib.format.read_array(io.BytesIO(inner.read("dense_1/kernel.npy")))
    assert kernel.dtype == np.dtype("<f4")
    assert np.array_equal(kernel, np.float32(np.arange(64).reshape(4, 16) / 3))  # rounded, not garbled
    assert np.lib.format.read_array(io.BytesIO(inner.read("dense_1/bias.npy"))).dtype == np.dtype("<f4")


def test_the_old_layers_name_is_renamed_only_when_there_are_no_nodes():
    doc = valid_doc()
    doc["version"] = 0
    nodes = doc["graph"]["nodes"]
    doc["graph"]["layers"] = [{"name": "stray", "type": "Dense"}]
    migrated = migrate(doc)
    assert migrated["graph"]["nodes"] == nodes
    old = valid_doc()
    old["version"] = 0
    old["graph"]["layers"] = [dict(n, name=n["id"]) for n in old["graph"].pop("nodes")]
    for layer in old["graph"]["layers"]:
        del layer["id"]
    assert [n["id"] for n in migrate(old)["graph"]["nodes"]] == [n["id"] for n in nodes]
