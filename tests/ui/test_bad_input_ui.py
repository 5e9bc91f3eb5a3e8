"""Broken and hostile files opened from the window: one readable message, nothing the user had is lost,
the file is left untouched, and no traceback reaches the user."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import numpy as np
import pytest

from designer.project.io import save_project
from designer.ui import project_actions
from designer.ui.start_page import iris_mlp


@pytest.fixture
def errors(monkeypatch):
    shown = []
    monkeypatch.setattr(project_actions, "show_error", lambda parent, title, message: shown.append(message))
    return shown


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _doc(**changes) -> bytes:
    doc = iris_mlp().to_json_dict()
    doc.update(changes)
    return json.dumps(doc).encode()


def _pickled_weights() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **{"dense_1/kernel": np.array([{"evil": 1}], dtype=object)})
    return buf.getvalue()


HOSTILE = {
    "not a zip": b"this is not a project",
    "empty": b"",
    "truncated": _zip({"project.json": _doc()})[:40],
    "invalid json": _zip({"project.json": b"{\"format\": "}),
    "deep json": _zip({"project.json": b"[" * 10_000 + b"]" * 10_000}),
    "wrong types": _zip({"project.json": _doc(graph={"nodes": "many", "edges": []})}),
    "unknown layer": _zip({"project.json": _doc(graph={"nodes": [{"id": "a", "type": "Teleport", "params": {}}],
                                                       "edges": []})}),
    "pickled weights": _zip({"project.json": _doc(), "weights.npz": _pickled_weights()}),
    "future version": _zip({"project.json": _doc(version=7)}),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_project_file_gets_one_message_and_nothing_is_lost(make_window, tmp_path, errors, case):
    path = tmp_path / f"{case.replace(' ', '_')}.nnproj"
    path.write_bytes(HOSTILE[case])
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    window = make_window(iris_mlp())
    window.palette.add_requested.emit("Dense")  # unsaved work the user must not lose
    layers_before = set(window.project.graph.nodes)

    assert not window.open_path(str(path))

    assert len(errors) == 1
    message = errors[0]
    assert "\n" not in message.strip() and "Traceback" not in message
    assert path.name in message or "project" in message.lower()
    assert set(window.project.graph.nodes) == layers_before
    assert window.isWindowModified()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # nothing written beside it


def test_a_good_file_still_opens_after_a_bad_one(make_window, tmp_path, errors):
    bad = tmp_path / "bad.nnproj"
    bad.write_bytes(b"junk")
    good = tmp_path / "good.nnproj"
    save_project(iris_mlp(), good)
    window = make_window()
    assert not window.open_path(str(bad))
    assert window.open_path(str(good))
    assert window.project.name == "Iris classifier"
    assert len(errors) == 1
