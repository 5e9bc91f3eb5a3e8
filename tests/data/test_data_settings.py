"""The data settings are one table (designer/data/settings.py): the project's defaults, the validator, the
data preparation and the Data view's fields all read it, so a rule changed there changes everywhere."""

import pytest

from designer.data import settings
from designer.data.prepare import resolve_config
from designer.engine.registry import ParamSpec
from designer.errors import DataError, ProjectError
from designer.project.document import project_from_json
from designer.project.model import default_data
from tests.project.helpers import valid_doc


def test_a_new_project_starts_with_the_tables_defaults():
    data = default_data()
    assert {k: data[k] for k in settings.DATA_SPECS} == {k: s.default for k, s in settings.DATA_SPECS.items()}
    assert data["split"] == settings.default_split() == {"validation": 0.2, "test": 0.1, "shuffle": True,
                                                         "stratify": True, "seed": 0}


def test_the_preparation_fills_the_tables_defaults():
    cfg = resolve_config({"source": {"kind": "builtin", "name": "iris"}, "split": {"test": 0.3}})
    assert (cfg["missing"], cfg["scaling"], cfg["target_scaling"]) == ("drop", "standard", "standard")
    assert cfg["split"] == {**settings.default_split(), "test": 0.3}


def test_a_choice_added_to_the_table_is_accepted_by_the_validator_and_the_preparation(monkeypatch):
    doc = valid_doc()
    doc["data"]["missing"] = "zero"
    with pytest.raises(ProjectError, match="data.missing: must be one of drop, mean, median, most_frequent"):
        project_from_json(doc)
    with pytest.raises(DataError, match="data.missing must be one of drop, mean, median, most_frequent, not 'zero'"):
        resolve_config(doc["data"])
    wider = ParamSpec("missing", "choice", "drop", choices=("drop", "mean", "median", "most_frequent", "zero"))
    monkeypatch.setitem(settings.DATA_SPECS, "missing", wider)
    assert project_from_json(doc).data["missing"] == "zero"
    assert resolve_config(doc["data"])["missing"] == "zero"


def test_the_split_rules_come_from_the_table(monkeypatch):
    doc = valid_doc()
    doc["data"]["split"] = {"validation": 1.5}
    with pytest.raises(ProjectError, match=r"data.split.validation: must be a fraction from 0 up to"):
        project_from_json(doc)
    doc["data"]["split"] = {"validation": 0.5, "test": 0.5}
    with pytest.raises(ProjectError, match=r"leave no rows for training"):
        project_from_json(doc)
    monkeypatch.setitem(settings.SPLIT_SPECS, "seed", ParamSpec("seed", "int", 7, 0, 100))
    doc["data"]["split"] = {}
    assert project_from_json(doc).data["split"]["seed"] == 7  # the default comes from the table
