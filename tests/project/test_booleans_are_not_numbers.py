"""`true` is not a number: JSON booleans are Python ints, so every numeric setting must refuse them by name.

Checked at both doors: every numeric ParamSpec the app knows (layers, losses, optimizers, activations,
schedules), and a project file with `true` in each numeric place, which must be refused naming that place.
"""

from __future__ import annotations

import pytest

from designer.engine.registry import ACTIVATIONS, LAYER_TYPES, LOSSES, OPTIMIZERS
from designer.errors import ParamError
from designer.training.schedules import SCHEDULE_PARAMS
from tests.project.test_validate import error_of, with_value


def _numeric_specs():
    tables = [(f"layer {n}", t.params) for n, t in LAYER_TYPES.items()]
    for label, table in (("loss", LOSSES), ("optimizer", OPTIMIZERS), ("activation", ACTIVATIONS)):
        tables += [(f"{label} {n}", c.params) for n, c in table.items()]
    tables += [(f"schedule {n}", specs) for n, specs in SCHEDULE_PARAMS.items()]
    return [(f"{where}.{s.name}", s) for where, specs in tables for s in specs
            if s.kind in ("float", "int", "int_or_pair")]


NUMERIC = _numeric_specs()


def test_the_list_covers_the_settings_the_issue_names():
    names = {label for label, _ in NUMERIC}
    assert {"optimizer sgd.learning_rate", "layer Dropout.rate", "loss huber.delta", "layer Dense.units"} <= names


@pytest.mark.parametrize(("label", "spec"), NUMERIC, ids=[label for label, _ in NUMERIC])
@pytest.mark.parametrize("value", [True, False])
def test_every_numeric_parameter_refuses_a_boolean(label, spec, value):
    with pytest.raises(ParamError, match="true" if value else "false"):
        spec.coerce(value)


def test_int_or_pair_refuses_a_pair_with_a_boolean():
    spec = next(s for s in LAYER_TYPES["Conv2D"].params if s.kind == "int_or_pair")
    with pytest.raises(ParamError):
        spec.coerce([3, True])


PLACES = [
    "training.optimizer.learning_rate",
    "training.optimizer.momentum",
    "training.regularization.l1",
    "training.regularization.l2",
    "training.epochs",
    "training.batch_size",
    "training.seed",
    "graph.nodes[2].params.rate",
    "graph.nodes[1].params.units",
    "data.split.validation",
    "data.split.test",
]


@pytest.mark.parametrize("path", PLACES)
def test_a_project_file_with_true_in_a_numeric_place_is_refused_there(path):
    message = error_of(with_value(path, True))
    assert message.startswith(path + ":") and "true" in message


def test_true_as_huber_delta_is_refused_there():
    doc = with_value("training.loss", "huber")
    doc["training"]["loss_params"] = {"delta": True}
    message = error_of(doc)
    assert message.startswith("training.loss_params.delta:") and "true" in message


def test_true_in_a_schedule_is_refused_there():
    doc = with_value("training.schedule", {"type": "step", "step_size": 3, "gamma": True})
    message = error_of(doc)
    assert message.startswith("training.schedule.gamma:") and "true" in message
