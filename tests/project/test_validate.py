"""project.json against the spec: every rule gives a ProjectError naming the exact place."""

from __future__ import annotations

import re

import pytest

from designer.errors import ProjectError
from designer.project.document import project_from_json
from designer.project.validate import MAX_NODES, SCHEDULES
from tests.project.helpers import valid_doc

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list:
    return [int(i) if i else k for k, i in _STEP.findall(path)]


def with_value(path: str, value, doc: dict | None = None) -> dict:
    """A valid document with the value at `path` (e.g. graph.nodes[1].params.units) replaced."""
    doc = valid_doc() if doc is None else doc
    *parents, last = _steps(path)
    obj = doc
    for k in parents:
        obj = obj[k]
    obj[last] = value
    return doc


def without(path: str) -> dict:
    doc = valid_doc()
    *parents, last = _steps(path)
    obj = doc
    for k in parents:
        obj = obj[k]
    del obj[last]
    return doc


def error_of(doc) -> str:
    with pytest.raises(ProjectError) as info:
        project_from_json(doc)
    return str(info.value)


def test_spec_example_is_valid_and_defaults_are_filled():
    p = project_from_json(valid_doc())
    assert p.name == "Iris classifier"
    assert list(p.graph.nodes) == ["input_1", "dense_1", "dropout_1", "dense_2"]
    assert p.graph.edges == [("input_1", "dense_1"), ("dense_1", "dropout_1"), ("dropout_1", "dense_2")]
    dense = p.graph.nodes["dense_1"].params
    assert dense["use_bias"] is True and dense["kernel_initializer"] == "glorot_uniform"
    assert p.graph.nodes["dense_2"].position == (660.0, 0.0)
    assert p.training["optimizer"]["learning_rate"] == 0.01


def test_the_message_names_the_exact_place():
    doc = with_value("graph.nodes[1].params.units", "many")
    assert error_of(doc) == 'graph.nodes[1].params.units: must be a positive integer, got "many"'


def test_minimal_document_gets_every_default():
    p = project_from_json({"format": "nn-designer-project", "version": 1})
    assert p.name == "Untitled" and not p.graph.nodes
    assert p.data["source"] == {"kind": "builtin", "name": "iris"} and p.data["target"] == "species"
    assert p.training["epochs"] == 50 and p.training["early_stopping"] is None
    p = project_from_json(
        {"format": "nn-designer-project", "version": 1, "data": {"source": {"kind": "csv", "path": "a.csv"}},
         "training": {"optimizer": "adam", "early_stopping": {}}}
    )
    assert p.data["split"] == {"validation": 0.2, "test": 0.1, "shuffle": True, "stratify": True, "seed": 0}
    assert p.training["optimizer"] == {"type": "adam", "learning_rate": 0.01, "beta_1": 0.9, "beta_2": 0.999,
                                       "epsilon": 1e-7}
    assert p.training["early_stopping"] == {"monitor": "val_loss", "patience": 5, "restore_best_weights": True,
                                            "min_delta": 0.0}


def test_unknown_keys_are_kept_outside_params():
    doc = valid_doc()
    doc["notes"] = {"author": "me"}
    doc["data"]["comment"] = "from the shop"
    out = project_from_json(doc).to_json_dict()
    assert out["notes"] == {"author": "me"}
    assert out["data"]["comment"] == "from the shop"


@pytest.mark.parametrize("where, key, message", [
    ("training.optimizer", "clipnorm", 'training.optimizer: "sgd" has no parameter "clipnorm"'),
    ("graph.nodes[1].params", "future_param", 'graph.nodes[1].params: Dense has no parameter "future_param"'),
    ("graph.nodes[1].params.activation_params", "x\'\'\' + str(__import__(\'os\'))",
     "graph.nodes[1].params.activation_params: the relu activation has no parameter"),
    ("training.loss_params", "delta2", 'training.loss_params: "categorical_crossentropy" has no parameter'),
])
def test_unknown_keys_in_params_are_refused_naming_the_place(where, key, message):
    """Unknown keys in params-like dicts used to be kept and copied into exports (one way code got in)."""
    doc = valid_doc()
    target = doc
    for part in where.replace("[1]", ".1").split("."):
        target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
    target[key] = 1
    with pytest.raises(ProjectError) as err:
        project_from_json(doc)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_parameter_of_an_earlier_activation_choice_is_dropped_not_refused():
    doc = valid_doc()
    doc["graph"]["nodes"][1]["params"]["activation_params"] = {"negative_slope": 0.2}  # node is relu now
    out = project_from_json(doc).to_json_dict()
    assert out["graph"]["nodes"][1]["params"].get("activation_params", {}) == {}


BAD = [
    # header
    ("format", "keras", 'format: must be "nn-designer-project"'),
    ("version", "1", 'version: must be a whole number, got "1"'),
    ("version", 1.5, "version: must be a whole number, got 1.5"),
    ("version", True, "version: must be a whole number, got true"),
    ("name", 7, "name: must be a string, got 7"),
    # graph structure
    ("graph", [], "graph: must be an object, got a list"),
    ("graph.nodes", {}, "graph.nodes: must be a list, got an object"),
    ("graph.nodes[1]", "dense", 'graph.nodes[1]: must be an object, got "dense"'),
    ("graph.nodes[1].id", "dense 1", "graph.nodes[1].id: must be a name of 1 to 64 letters"),
    ("graph.nodes[1].id", "", "graph.nodes[1].id: must be a name"),
    ("graph.nodes[1].id", "x" * 65, "graph.nodes[1].id: must be a name"),
    ("graph.nodes[1].id", 3, "graph.nodes[1].id: must be a name"),
    ("graph.nodes[2].id", "dense_1", 'graph.nodes[2].id: "dense_1" is already used by graph.nodes[1]'),
    ("graph.nodes[1].type", "LSTM", 'graph.nodes[1].type: unknown layer type "LSTM"; known: Input, Dense'),
    ("graph.nodes[1].type", None, "graph.nodes[1].type: unknown layer type null"),
    ("graph.nodes[1].params", [16], "graph.nodes[1].params: must be an object, got [16]"),
    ("graph.nodes[1].position", [1], "graph.nodes[1].position: must be a pair of numbers"),
    ("graph.nodes[1].position", [1, "a"], 'graph.nodes[1].position[1]: must be a number, got "a"'),
    ("graph.nodes[1].position", [1, 1e300], "graph.nodes[1].position[1]: must be between"),
    # params, through the registry
    ("graph.nodes[1].params.units", 0, "graph.nodes[1].params.units: must be a positive integer, got 0"),
    ("graph.nodes[1].params.units", 10**9, "graph.nodes[1].params.units: must be"),
    ("graph.nodes[1].params.units", None, "graph.nodes[1].params.units: is required"),
    ("graph.nodes[1].params.activation", "swoosh", "graph.nodes[1].params.activation: must be one of linear"),
    ("graph.nodes[1].params.use_bias", "yes", 'graph.nodes[1].params.use_bias: must be true or false, got "yes"'),
    ("graph.nodes[2].params.rate", 1.0, "graph.nodes[2].params.rate: must be >= 0 and < 1, got 1.0"),
    ("graph.nodes[0].params.shape", [4, 0], "graph.nodes[0].params.shape: must be a list of integers from 1"),
    ("graph.nodes[0].params.shape", [16384, 16384], "graph.nodes[0].params.shape: has 268435456 elements"),
    ("graph.nodes[1].params.activation_params", 3, "graph.nodes[1].params.activation_params: must be an object"),
    # edges
    ("graph.edges", {}, "graph.edges: must be a list"),
    ("graph.edges[0]", ["input_1"], "graph.edges[0]: must be a pair [source_id, target_id]"),
    ("graph.edges[0]", "input_1->dense_1", "graph.edges[0]: must be a pair"),
    ("graph.edges[1]", ["dense_1", "ghost"], 'graph.edges[1][1]: no layer has the id "ghost"'),
    ("graph.edges[1]", [5, "dense_2"], "graph.edges[1][0]: no layer has the id 5"),
    ("graph.edges[1]", ["dense_1", "dense_1"], "graph.edges[1]: dense_1 cannot feed itself"),
    ("graph.edges[1]", ["input_1", "dense_1"], "graph.edges[1]: input_1 → dense_1 is listed twice"),
    ("graph.edges[1]", ["dense_1", "input_1"], "graph.edges[1]: input_1 is an Input layer: nothing can feed it"),
    ("graph.edges[2]", ["input_1", "dense_1"], "graph.edges[2]: input_1 → dense_1 is listed twice"),
    ("graph.edges[0]", ["dense_2", "dense_1"], "graph.edges: the connections form a cycle through"),
    ("graph.edges[2]", ["input_1", "dropout_1"], "graph.edges[2]: dropout_1 (Dropout) takes a single input"),
    # data
    ("data", "iris", 'data: must be an object, got "iris"'),
    ("data.source.kind", "sql", 'data.source.kind: must be one of builtin, csv, npz, images, got "sql"'),
    ("data.source.name", "mnist", 'data.source.name: must be one of iris, wine'),
    ("data.source", {"kind": "csv"}, "data.source.path: must be a non-empty string, got null"),
    ("data.source", {"kind": "csv", "path": ""}, 'data.source.path: must be a non-empty string, got ""'),
    ("data.source", {"kind": "npz", "path": "a.npz", "x": "x"}, "data.source.y: must be a non-empty string"),
    ("data.source", {"kind": "builtin", "name": "spiral", "samples": 0}, "data.source.samples: must be an integer"),
    ("data.source", {"kind": "builtin", "name": "moons", "noise": -1}, "data.source.noise: must be 0 or more"),
    ("data.target", 3, "data.target: must be a non-empty string, got 3"),
    ("data.features", "a", 'data.features: must be a list, got "a"'),
    ("data.features", ["a", 2], "data.features[1]: must be a non-empty string, got 2"),
    ("data.features", ["a", "a"], "data.features: lists a column more than once"),
    ("data.task", "clustering", 'data.task: must be one of classification, regression, got "clustering"'),
    ("data.missing", "zero", 'data.missing: must be one of drop, mean, median, most_frequent, got "zero"'),
    ("data.scaling", "log", 'data.scaling: must be one of standard, minmax, none, got "log"'),
    ("data.split", 0.2, "data.split: must be an object, got 0.2"),
    ("data.split.validation", 1.0, "data.split.validation: must be a fraction from 0 up to (not including) 1"),
    ("data.split.test", -0.1, "data.split.test: must be a fraction"),
    ("data.split.test", "0.1", 'data.split.test: must be a number, got "0.1"'),
    ("data.split.validation", 0.9, "data.split: validation 0.9 + test 0.1 leave no rows for training"),
    ("data.split.shuffle", 1, "data.split.shuffle: must be true or false, got 1"),
    ("data.split.seed", -1, "data.split.seed: must be an integer from 0 to"),
    ("data.split.seed", 2.5, "data.split.seed: must be an integer, got 2.5"),
    # training
    ("training", None, "training: must be an object, got null"),
    ("training.loss", "mse", 'training.loss: must be one of categorical_crossentropy'),
    ("training.loss_params", {"delta": 0}, None),  # categorical cross-entropy has no delta: kept, not checked
    ("training.optimizer", 3, "training.optimizer: must be an object, got 3"),
    ("training.optimizer.type", "lbfgs", 'training.optimizer.type: must be one of sgd, adam'),
    ("training.optimizer.learning_rate", 0, "training.optimizer.learning_rate: must be > 0 and <= 10, got 0"),
    ("training.optimizer.momentum", 1.0, "training.optimizer.momentum: must be >= 0 and < 1, got 1.0"),
    ("training.optimizer.nesterov", "no", 'training.optimizer.nesterov: must be true or false, got "no"'),
    ("training.epochs", 0, "training.epochs: must be an integer from 1 to 1,000,000, got 0"),
    ("training.epochs", 10**7, "training.epochs: must be an integer from 1 to 1,000,000"),
    ("training.epochs", "50", 'training.epochs: must be an integer, got "50"'),
    ("training.batch_size", 0, "training.batch_size: must be an integer from 1"),
    ("training.batch_size", 2_000_000, "training.batch_size: must be an integer from 1"),
    ("training.shuffle", "true", 'training.shuffle: must be true or false, got "true"'),
    ("training.seed", "s", 'training.seed: must be an integer, got "s"'),
    ("training.regularization", [0], "training.regularization: must be an object, got a list"),
    ("training.regularization.l1", -0.1, "training.regularization.l1: must be 0 or more, got -0.1"),
    ("training.regularization.l2", "x", 'training.regularization.l2: must be a number, got "x"'),
    ("training.early_stopping", 5, "training.early_stopping: must be an object, got 5"),
    ("training.early_stopping", {"monitor": "val_f1"}, 'training.early_stopping.monitor: must be one of val_loss'),
    ("training.early_stopping", {"patience": -1}, "training.early_stopping.patience: must be an integer from 0"),
    ("training.early_stopping", {"restore_best_weights": 1}, "training.early_stopping.restore_best_weights: must be"),
    ("training.early_stopping", {"min_delta": -1}, "training.early_stopping.min_delta: must be 0 or more"),
    ("training.schedule", {"type": "warp"}, 'training.schedule.type: must be one of none, constant, step'),
    ("training.schedule", {"type": "cosine", "t_max": 0}, "training.schedule.t_max: must be a positive integer"),
    ("training.schedule", {"type": "step", "gamma": 2}, "training.schedule.gamma: must be > 0 and <= 1, got 2"),
    ("training.schedule", "step", 'training.schedule: must be an object, got "step"'),
]


@pytest.mark.parametrize(("path", "value", "expected"), BAD, ids=[f"{p}={v!r}"[:60] for p, v, _ in BAD])
def test_each_rule_names_its_place(path, value, expected):
    doc = with_value(path, value)
    if expected is None:
        project_from_json(doc)
        return
    assert error_of(doc).startswith(expected)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("format", 'format: must be "nn-designer-project" (this is not a Network Designer project), got null'),
        ("version", "version: is missing"),
        ("graph.nodes[1].id", "graph.nodes[1].id: must be a name"),
        ("graph.nodes[1].type", "graph.nodes[1].type: unknown layer type null"),
        ("data.source.name", "data.source.name: must be one of"),
        ("data.source.kind", "data.source.kind: must be one of"),
        ("graph.nodes[1].params.units", "graph.nodes[1].params.units: is required"),
    ],
)
def test_missing_required_keys(path, expected):
    assert error_of(without(path)).startswith(expected)


def test_document_must_be_an_object():
    assert error_of([1, 2]) == "project.json must hold a JSON object, got a list"


def test_valid_variants_are_accepted_and_canonical():
    doc = with_value("training.loss", "huber")
    doc["training"]["loss_params"] = {"delta": 2}
    doc["training"]["schedule"] = {"type": "reduce_on_plateau", "patience": 2}
    doc["training"]["early_stopping"] = {"monitor": "val_accuracy", "patience": 3}
    doc["data"]["source"] = {"kind": "builtin", "name": "spiral", "samples": 300.0, "noise": 0.1, "seed": 3}
    doc["graph"]["nodes"][0]["params"]["shape"] = None  # taken from the data
    del doc["graph"]["nodes"][1]["position"]
    p = project_from_json(doc)
    assert p.training["loss_params"] == {"delta": 2.0}
    assert p.training["schedule"] == {"type": "reduce_on_plateau", "patience": 2, "monitor": "val_loss",
                                      "factor": 0.5, "min_lr": 0.0, "min_delta": 1e-4}
    assert p.data["source"]["samples"] == 300 and isinstance(p.data["source"]["samples"], int)
    assert p.graph.nodes["dense_1"].position == (0.0, 0.0)
    assert p.training["seed"] == 0
    assert project_from_json(with_value("training.seed", None)).training["seed"] is None


def test_huber_gets_its_default_delta():
    p = project_from_json(with_value("training.loss", "huber"))
    assert p.training["loss_params"] == {"delta": 1.0}
    assert error_of(with_value("training.loss_params", {"delta": -1}, with_value("training.loss", "huber"))) == (
        "training.loss_params.delta: must be > 0, got -1.0"
    )


def test_half_drawn_networks_are_allowed():
    """An unconnected layer or shapes that do not fit yet are the editor's problems list, not file errors."""
    doc = valid_doc()
    doc["graph"]["edges"] = doc["graph"]["edges"][:1]
    doc["graph"]["nodes"].append({"id": "conv", "type": "Conv2D", "params": {"filters": 4}})
    doc["graph"]["edges"].append(["dense_1", "conv"])  # Conv2D after a flat tensor: a shape problem
    p = project_from_json(doc)
    assert not p.graph.analyze().ok


def test_merge_layers_take_several_inputs():
    doc = valid_doc()
    doc["graph"]["nodes"].append({"id": "add", "type": "Add"})
    doc["graph"]["edges"] += [["dense_1", "add"], ["dropout_1", "add"]]
    doc["graph"]["nodes"][3]["params"]["units"] = 16
    doc["graph"]["edges"].remove(["dropout_1", "dense_2"])
    doc["graph"]["edges"].append(["add", "dense_2"])
    p = project_from_json(doc)
    assert p.graph.inputs_of("add") == ["dense_1", "dropout_1"]
    assert p.graph.analyze().ok


def test_absurd_total_parameter_count_is_refused():
    doc = valid_doc()
    doc["graph"]["nodes"][0]["params"]["shape"] = [16_000]
    doc["graph"]["nodes"][1]["params"]["units"] = 16_000  # each size is within its cap …
    err = error_of(doc)  # … but 16 000 × 16 000 weights are not
    assert err.startswith("graph: the network has 256,0") and "the limit is 200,000,000" in err


def test_absurd_tensor_size_is_refused():
    doc = valid_doc()
    doc["graph"]["nodes"] = [
        {"id": "img", "type": "Input", "params": {"shape": [2048, 2048, 1]}},
        {"id": "conv", "type": "Conv2D", "params": {"filters": 4096, "kernel_size": 1}},
    ]
    doc["graph"]["edges"] = [["img", "conv"]]
    assert error_of(doc).startswith("graph.nodes[1]: conv would output 17,179,869,184 values per sample")


def test_too_many_layers_is_refused():
    doc = valid_doc()
    doc["graph"]["nodes"] = [{"id": f"n{i}", "type": "Flatten"} for i in range(MAX_NODES + 1)]
    doc["graph"]["edges"] = []
    assert error_of(doc).startswith("graph.nodes: has 2,001 layers; the limit is 2,000")


def test_long_chain_cycle_check_is_linear():
    doc = valid_doc()
    n = MAX_NODES
    doc["graph"]["nodes"] = [{"id": "in", "type": "Input", "params": {"shape": [4]}}] + [
        {"id": f"a{i}", "type": "Activation"} for i in range(n - 1)
    ]
    doc["graph"]["edges"] = [["in", "a0"]] + [[f"a{i}", f"a{i + 1}"] for i in range(n - 2)]
    p = project_from_json(doc)
    assert len(p.graph.nodes) == n


def test_enormous_integers_are_refused_at_their_place():
    doc = with_value("training.optimizer.learning_rate", 10**400)  # float() of it would overflow
    assert error_of(doc).startswith("training.optimizer.learning_rate: the integer is too large (1329 bits")
    doc = with_value("graph.nodes[1].position", [0, -(10**30)])
    assert error_of(doc).startswith("graph.nodes[1].position[1]: the integer")


def test_schedules_are_the_trainers_table_and_every_one_loads_and_runs():
    from designer.training.schedules import SCHEDULE_PARAMS, make_schedule

    for kind, specs in SCHEDULE_PARAMS.items():
        assert SCHEDULES[kind] is specs  # one table, not two kept in step
        doc = with_value("training.schedule", {"type": kind})
        make_schedule(project_from_json(doc).training["schedule"], 0.01, 10)
    doc = with_value("training.schedule", {"type": "cosine", "min_learning_rate": 0.001})
    assert project_from_json(doc).training["schedule"] == {"type": "cosine", "min_lr": 0.001}


def test_training_rules_come_from_the_settings_table(monkeypatch):
    """The validator reads each training setting's range from designer/training/settings.py."""
    from designer.engine.registry import ParamSpec
    from designer.training import settings

    monkeypatch.setitem(settings.TRAINING_SPECS, "epochs", ParamSpec("epochs", "int", 50, 1, 10))
    assert error_of(with_value("training.epochs", 11)) == (
        "training.epochs: must be an integer from 1 to 10, got 11")


def test_hostile_values_cannot_break_the_one_line_message():
    assert error_of(with_value("graph.nodes[1].params.units", "1\n2")) == (
        'graph.nodes[1].params.units: must be a positive integer, got "1\\n2"'
    )
    doc = valid_doc()
    doc["notes\n"] = {"x\r": 10**30}
    assert error_of(doc).startswith("notes\\n.x\\r: the integer is too large")
