"""Thousands of mutated projects: each one loads or gives a ProjectError — never another exception — and
whatever loads can be saved and reloaded unchanged. Everything stays in memory: nothing is written."""

from __future__ import annotations

import copy
import io
import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.errors import ProjectError
from designer.project import Project
from designer.project.document import project_from_json
from designer.project.io import dumps_project, loads_project
from tests.project.helpers import valid_doc

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    database=None,  # no .hypothesis folder: the run writes nothing
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

WORDS = [
    "Input", "Dense", "Conv2D", "Add", "Concatenate", "Flatten", "MaxPooling2D", "BatchNormalization",
    "input_1", "dense_1", "dropout_1", "dense_2", "relu", "softmax", "huber", "adam", "sgd", "csv", "npz",
    "builtin", "spiral", "regression", "val_loss", "step", "nodes", "edges", "params", "units", "shape",
    "../x", "", " ", "a" * 70,
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.sampled_from([0, 1, -1, 2, 3, 16, 65_536, 65_537, 10**7, 2**32, 0.5, 1.0, 1e300, -0.0])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(WORDS)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8) | st.sampled_from(WORDS), inner,
                                                                max_size=4),
    max_leaves=6,
)


def _paths(obj, prefix=()):
    """Every place in a JSON document: (path to the container, key or index)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix, k
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield prefix, i
            yield from _paths(v, (*prefix, i))


def _container(doc, path):
    for k in path:
        doc = doc[k]
    return doc


@st.composite
def mutated_docs(draw):
    doc = valid_doc()
    if draw(st.booleans()):
        doc["training"]["loss"] = "huber"
        doc["training"]["schedule"] = {"type": "step"}
        doc["training"]["early_stopping"] = {"patience": 2}
        doc["graph"]["nodes"].append({"id": "add_1", "type": "Add"})
        doc["graph"]["edges"] += [["dense_1", "add_1"], ["dropout_1", "add_1"]]
    for _ in range(draw(st.integers(1, 3))):
        places = list(_paths(doc))
        path, key = places[draw(st.integers(0, len(places) - 1))]
        parent = _container(doc, path)
        action = draw(st.sampled_from(["replace", "replace", "delete", "insert", "duplicate", "swap"]))
        if action == "replace":
            parent[key] = draw(JSON_VALUES)
        elif action == "delete":
            del parent[key]
        elif action == "insert" and isinstance(parent, dict):
            parent[draw(st.text(max_size=6) | st.sampled_from(WORDS))] = draw(JSON_VALUES)
        elif action == "insert":
            parent.insert(key, draw(JSON_VALUES))
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif action == "swap" and isinstance(parent, list) and len(parent) > 1:
            parent[0], parent[-1] = parent[-1], parent[0]
    return doc


@pytest.fixture(scope="module", autouse=True)
def empty_cwd(tmp_path_factory):
    """Run in an empty folder and check that it is still empty afterwards."""
    work = tmp_path_factory.mktemp("fuzz-cwd")
    old = os.getcwd()
    os.chdir(work)
    yield
    os.chdir(old)
    assert list(work.iterdir()) == []


def _round_trip_is_stable(project: Project) -> None:
    once = dumps_project(project)
    again = loads_project(once)
    assert dumps_project(again) == once


@FUZZ
@given(mutated_docs())
def test_mutated_project_json_loads_or_says_why(doc):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))
    try:
        project = loads_project(data.getvalue())
    except ProjectError as err:
        assert str(err) and str(err).isprintable()  # one readable line
        return
    _round_trip_is_stable(project)


def _base_archive() -> bytes:
    p = project_from_json(valid_doc())
    rng = np.random.default_rng(0)
    p.weights = {
        "dense_1/kernel": rng.normal(size=(4, 16)).astype(np.float32),
        "dense_1/bias": np.zeros(16, np.float32),
        "dense_2/kernel": rng.normal(size=(16, 3)).astype(np.float32),
    }
    p.history = [{"epochs": [{"epoch": 1, "loss": 1.0}]}]
    return dumps_project(p)


BASE = _base_archive()


@st.composite
def damaged_archives(draw):
    data = bytearray(BASE)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "flip", "truncate", "insert", "delete"]))
        pos = draw(st.integers(0, len(data) - 1)) if data else 0
        if kind == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[pos:]
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[pos : pos + draw(st.integers(1, 8))]
    return bytes(data)


@FUZZ
@given(damaged_archives())
def test_damaged_archive_bytes_load_or_say_why(data):
    try:
        project = loads_project(data)
    except ProjectError as err:
        assert str(err) and str(err).isprintable()  # one readable line
        return
    _round_trip_is_stable(project)
