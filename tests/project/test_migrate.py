"""Older files are brought forward; newer ones are refused with both versions named."""

from __future__ import annotations

import json

import pytest

from designer.errors import ProjectError
from designer.project import Project
from designer.project.document import project_from_json
from designer.project.io import loads_project
from designer.project.migrate import MIGRATIONS, migrate
from designer.project.model import FORMAT_VERSION
from tests.project.helpers import project_zip, valid_doc


def version0_doc() -> dict:
    """The spec example as the pre-release (version 0) layout described in designer/project/migrate.py."""
    doc = valid_doc()
    doc["version"] = 0
    graph = doc.pop("graph")
    doc["graph"] = {
        "layers": [{"name": n["id"], **{k: v for k, v in n.items() if k != "id"}} for n in graph["nodes"]],
        "links": [{"from": s, "to": d} for s, d in graph["edges"]],
    }
    doc["training"]["optimizer"] = "adam"
    doc["training"]["learning_rate"] = 0.003
    return doc


def test_every_old_version_has_a_step():
    assert sorted(MIGRATIONS) == list(range(FORMAT_VERSION))


def test_version0_is_migrated_and_validated():
    old = version0_doc()
    snapshot = json.dumps(old)
    p = project_from_json(old)
    assert json.dumps(old) == snapshot  # the caller's document is not changed
    current = project_from_json(valid_doc())
    assert list(p.graph.nodes) == list(current.graph.nodes)
    assert p.graph.edges == current.graph.edges
    assert p.training["optimizer"] == {"type": "adam", "learning_rate": 0.003, "beta_1": 0.9, "beta_2": 0.999,
                                       "epsilon": 1e-7}
    assert "learning_rate" not in p.training
    assert p.to_json_dict()["version"] == FORMAT_VERSION


def test_version0_file_loads():
    p = loads_project(project_zip(version0_doc()))
    assert p.graph.nodes["dense_2"].params["units"] == 3


def test_broken_version0_file_gives_a_placed_error():
    old = version0_doc()
    old["graph"]["links"][1] = {"from": "dense_1", "to": "nowhere"}
    with pytest.raises(ProjectError, match=r'^graph\.edges\[1\]\[1\]: no layer has the id "nowhere"$'):
        project_from_json(old)
    old = version0_doc()
    old["graph"]["layers"] = "abc"
    with pytest.raises(ProjectError, match=r"^graph\.nodes: must be a list"):
        project_from_json(old)


def test_newer_version_is_refused_with_both_versions():
    doc = valid_doc()
    doc["version"] = FORMAT_VERSION + 1
    expected = (f"this project was written by a newer Network Designer (file version {FORMAT_VERSION + 1}; "
                f"this version reads up to {FORMAT_VERSION})")
    with pytest.raises(ProjectError) as info:
        migrate(doc)
    assert str(info.value) == expected
    with pytest.raises(ProjectError) as info:
        loads_project(project_zip(doc))
    assert str(info.value) == expected


def test_negative_version_is_refused():
    doc = valid_doc()
    doc["version"] = -1
    with pytest.raises(ProjectError, match=r"^version: must be a whole number, got -1$"):
        migrate(doc)


def _regression_doc(version: int) -> dict:
    doc = valid_doc()
    doc["version"] = version
    doc["data"] = {"source": {"kind": "builtin", "name": "diabetes"}, "target": "progression", "task": "regression"}
    return doc


def test_version1_regression_keeps_its_raw_target():
    """A version-1 file trained on the unscaled target; it keeps doing so (issue 13), and says so in the file."""
    old = _regression_doc(1)
    snapshot = json.dumps(old)
    p = project_from_json(old)
    assert json.dumps(old) == snapshot
    assert p.data["target_scaling"] == "none"
    assert p.to_json_dict()["data"]["target_scaling"] == "none"
    assert project_from_json(p.to_json_dict()).data["target_scaling"] == "none"  # stays on a round trip


def test_version1_file_that_chose_a_target_scaling_keeps_it():
    old = _regression_doc(1)
    old["data"]["target_scaling"] = "standard"
    assert project_from_json(old).data["target_scaling"] == "standard"


def test_current_files_and_new_projects_standardise_a_regression_target():
    assert project_from_json(_regression_doc(FORMAT_VERSION)).data["target_scaling"] == "standard"
    assert Project().data["target_scaling"] == "standard"


def test_hostile_target_scaling_is_refused_where_it_is():
    doc = _regression_doc(FORMAT_VERSION)
    for bad in ("minmax", 1, None, ["standard"]):
        doc["data"]["target_scaling"] = bad
        with pytest.raises(ProjectError, match=r"^data\.target_scaling: "):
            project_from_json(doc)
