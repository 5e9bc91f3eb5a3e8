"""Every pre-flight rule as a whole Check — severity, words, layer and one-click fix — written out in full,
so a rule that blocks when it should warn, names the wrong layer or offers the wrong fix is noticed."""

from __future__ import annotations

import pytest

from designer.training.preflight import Check, Fix, preflight
from tests.training.helpers import mlp_graph

OUT = "dense_2"
SAFE = Fix("Set learning rate to 0.01", optimizer={"learning_rate": 0.01})
CCE, BCE, MSE = "categorical_crossentropy", "binary_crossentropy", "mean_squared_error"
THREE = ["setosa", "versicolor", "virginica"]
SOFTMAX_CCE = Fix("Use softmax with categorical cross-entropy", OUT, {"units": 3, "activation": "softmax"},
                  {"loss": CCE})


def _checks(out_units, out_activation, loss, task, classes=None):
    graph = mlp_graph((8,), out_units=out_units, out_activation=out_activation)
    return preflight(graph, {"loss": loss, "optimizer": {"type": "adam", "learning_rate": 0.01}}, task, classes)


@pytest.mark.parametrize("case, expected", [
    ((3, "softmax", CCE, "classification", THREE), []),
    ((3, "linear", MSE, "classification", THREE),
     [Check("error", "the loss mean_squared_error is for regression, but the data has 3 classes", OUT, SOFTMAX_CCE)]),
    ((1, "sigmoid", BCE, "classification", THREE),
     [Check("error", "binary cross-entropy is for two classes, but the data has 3", OUT, SOFTMAX_CCE)]),
    ((2, "sigmoid", BCE, "classification", ["no", "yes"]),
     [Check("error", "binary cross-entropy needs 1 output unit, dense_2 has 2", OUT,
            Fix("Set units to 1 with sigmoid", OUT, {"units": 1, "activation": "sigmoid"}))]),
    ((1, "tanh", BCE, "classification", ["no", "yes"]),
     [Check("warning", "binary cross-entropy expects a sigmoid output, dense_2 uses tanh", OUT,
            Fix("Use sigmoid", OUT, {"activation": "sigmoid"}))]),
    ((1, "sigmoid", BCE, "classification", ["no", "yes"]), []),
    ((1, "softmax", CCE, "classification", THREE),
     [Check("error", "dense_2 has 1 output unit but the data has 3 classes (setosa, versicolor, virginica)", OUT,
            Fix("Set units to 3", OUT, {"units": 3}))]),
    ((2, "softmax", CCE, "classification", list("abcde")),
     [Check("error", "dense_2 has 2 output units but the data has 5 classes (a, b, c, d, …)", OUT,
            Fix("Set units to 5", OUT, {"units": 5}))]),
    ((3, "relu", CCE, "classification", THREE),
     [Check("warning", "categorical cross-entropy expects a softmax output, dense_2 uses relu", OUT, SOFTMAX_CCE)]),
    ((1, "linear", MSE, "regression", None), []),
    ((3, "softmax", CCE, "regression", None),
     [Check("error", "the loss categorical_crossentropy is for classification, but the target is a number "
                     "(regression)", OUT, Fix("Use mean squared error with a linear output", OUT,
                                              {"units": 1, "activation": "linear"}, {"loss": MSE}))]),
    ((2, "linear", MSE, "regression", None),
     [Check("error", "dense_2 has 2 output units but regression predicts one number", OUT,
            Fix("Set units to 1", OUT, {"units": 1}))]),
    ((1, "sigmoid", "huber", "regression", None),
     [Check("warning", "a sigmoid output cannot reach most target values", OUT,
            Fix("Use a linear output", OUT, {"activation": "linear"}))]),
    ((5, "relu", MSE, None, None), []),  # no data yet: nothing to compare with
])
def test_each_rule_gives_its_whole_check(case, expected):
    assert _checks(*case) == expected


@pytest.mark.parametrize("lr, expected", [
    (0.01, []),
    (5.0, [Check("warning", "learning rate 5 is very high: training will most likely diverge (typical values are "
                            "0.0001 to 0.1)", fix=SAFE)]),
    (0, [Check("error", "learning rate 0 is not valid: it must be a positive number",
               fix=SAFE)]),
    (True, [Check("error", "learning rate True is not valid: it must be a positive number",
                  fix=SAFE)]),
])
def test_learning_rate_rules(lr, expected):
    checks = preflight(mlp_graph((4,)), {"loss": CCE, "optimizer": {"type": "sgd", "learning_rate": lr}})
    assert checks == expected


def test_a_field_without_a_valid_value_blocks_train_first():
    checks = preflight(mlp_graph((4,)), {"loss": CCE, "optimizer": {"learning_rate": 0.01}},
                       field_errors=["Epochs: '-1' is not a positive whole number"])
    assert checks == [Check("error", "Epochs: '-1' is not a positive whole number: Train would use the previous "
                                     "value")]
