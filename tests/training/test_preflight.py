"""Pre-flight checks: what Train would refuse or regret, found before Train, each with a fix that works."""

from __future__ import annotations

from designer.graph.model import Graph
from designer.project.model import default_training
from designer.training.preflight import preflight


def mlp(units: int = 16, activation: str = "softmax") -> Graph:
    g = Graph()
    g.add_node("Input", {}, node_id="input_1")
    g.add_node("Dense", {"units": 8, "activation": "relu"}, node_id="dense_1")
    g.add_node("Dense", {"units": units, "activation": activation}, node_id="dense_2")
    g.connect("input_1", "dense_1")
    g.connect("dense_1", "dense_2")
    return g


def apply(graph: Graph, training: dict, fix) -> None:
    for name, value in fix.params.items():
        graph.set_param(fix.node_id, name, value)
    training.update(fix.training)
    training["optimizer"] = {**training["optimizer"], **fix.optimizer}


def test_output_units_against_classes_is_an_error_with_a_fix():
    graph, training = mlp(16), default_training()
    checks = preflight(graph, training, "classification", ["a", "b", "c"])
    assert [c.severity for c in checks] == ["error"]
    assert "16 output units but the data has 3 classes" in checks[0].message
    assert checks[0].fix.label == "Set units to 3"
    apply(graph, training, checks[0].fix)
    assert preflight(graph, training, "classification", ["a", "b", "c"]) == []


def test_binary_crossentropy_on_three_classes_offers_softmax_with_cce():
    graph, training = mlp(1, "sigmoid"), dict(default_training(), loss="binary_crossentropy")
    [check] = preflight(graph, training, "classification", ["a", "b", "c"])
    assert check.fix.label == "Use softmax with categorical cross-entropy"
    apply(graph, training, check.fix)
    assert training["loss"] == "categorical_crossentropy" and graph.nodes["dense_2"].params["units"] == 3
    assert preflight(graph, training, "classification", ["a", "b", "c"]) == []


def test_cce_with_a_linear_output_is_a_warning():
    [check] = preflight(mlp(3, "linear"), default_training(), "classification", ["a", "b", "c"])
    assert check.severity == "warning" and "softmax" in check.message


def test_regression_with_a_classification_loss():
    graph, training = mlp(3), default_training()
    [check] = preflight(graph, training, "regression", [])
    assert check.severity == "error" and "regression" in check.message
    apply(graph, training, check.fix)
    assert preflight(graph, training, "regression", []) == []


def test_learning_rates_invalid_and_extreme():
    graph = mlp(3)
    bad = dict(default_training(), optimizer={"type": "sgd", "learning_rate": -1.0})
    [check] = preflight(graph, bad, "classification", ["a", "b", "c"])
    assert check.severity == "error" and "must be a positive number" in check.message
    high = dict(default_training(), optimizer={"type": "sgd", "learning_rate": 10.0})
    [check] = preflight(graph, high, "classification", ["a", "b", "c"])
    assert check.severity == "warning" and "very high" in check.message
    assert check.fix.label == "Set learning rate to 0.01"


def test_field_errors_block_and_unknown_data_is_not_judged():
    checks = preflight(mlp(16), default_training(), None, None, ["learning rate must be a number, got '-'"])
    assert [c.severity for c in checks] == ["error"] and "previous value" in checks[0].message
