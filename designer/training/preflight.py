"""Pre-flight: before Train, everything Train would refuse or regret, each with a one-click fix.

Train used to find these one at a time, after a click ("the output layer has 16 units but the data has 3
classes"), or not at all (a learning rate of 10). The Problems list shows them as soon as they exist; a fix is
plain data the window applies as one undoable edit: layer parameters and/or training settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from designer.engine.losses import CLASSIFICATION_LOSSES
from designer.graph.model import Graph

SAFE_LEARNING_RATE = 0.01
HIGH_LEARNING_RATE = 1.0
CCE, BCE = "categorical_crossentropy", "binary_crossentropy"


@dataclass
class Fix:
    label: str                                            # the button's text: "Set units to 3"
    node_id: str | None = None
    params: dict = field(default_factory=dict)            # layer parameters to set on node_id
    training: dict = field(default_factory=dict)          # training settings to set (top-level keys)
    optimizer: dict = field(default_factory=dict)         # keys of training["optimizer"] to set


@dataclass
class Check:
    severity: str                                         # "error" blocks Train; "warning" does not
    message: str
    node_id: str | None = None
    fix: Fix | None = None


def _lr_checks(training: dict) -> list[Check]:
    lr = (training.get("optimizer") or {}).get("learning_rate", SAFE_LEARNING_RATE)
    safe = Fix(f"Set learning rate to {SAFE_LEARNING_RATE:g}", optimizer={"learning_rate": SAFE_LEARNING_RATE})
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        return [Check("error", f"learning rate {lr!r} is not valid: it must be a positive number", fix=safe)]
    if lr > HIGH_LEARNING_RATE:
        return [Check("warning", f"learning rate {lr:g} is very high: training will most likely diverge "
                                 "(typical values are 0.0001 to 0.1)", fix=safe)]
    return []


def preflight(graph: Graph, training: dict, task: str | None = None, classes: list[str] | None = None,
              field_errors: list[str] | None = None) -> list[Check]:
    """The checks for a network, its training settings and the data's task and classes (when known).

    `field_errors` are fields of the window that hold no valid value (a half-typed "-1"): each blocks Train.
    """
    checks = [Check("error", f"{message}: Train would use the previous value") for message in field_errors or []]
    checks += _lr_checks(training)
    outputs = graph.output_nodes()
    if len(outputs) != 1 or task is None:
        return checks
    out = graph.nodes[outputs[0]]
    if out.type != "Dense":
        return checks
    units, activation = int(out.params.get("units", 1)), str(out.params.get("activation", "linear"))
    loss = training.get("loss", CCE)
    nid = out.id
    if task == "classification" and classes:
        k = len(classes)
        softmax_cce = Fix("Use softmax with categorical cross-entropy", nid, {"units": k, "activation": "softmax"},
                          {"loss": CCE})
        if loss not in CLASSIFICATION_LOSSES:
            checks.append(Check("error", f"the loss {loss} is for regression, but the data has {k} classes",
                                nid, softmax_cce))
        elif loss == BCE and k > 2:
            checks.append(Check("error", f"binary cross-entropy is for two classes, but the data has {k}", nid,
                                softmax_cce))
        elif loss == BCE and units != 1:
            checks.append(Check("error", f"binary cross-entropy needs 1 output unit, {nid} has {units}", nid,
                                Fix("Set units to 1 with sigmoid", nid, {"units": 1, "activation": "sigmoid"})))
        elif loss == BCE and activation != "sigmoid":
            checks.append(Check("warning", f"binary cross-entropy expects a sigmoid output, {nid} uses "
                                           f"{activation}", nid, Fix("Use sigmoid", nid, {"activation": "sigmoid"})))
        elif loss != BCE and units != k:
            names = ", ".join(classes[:4]) + (", …" if k > 4 else "")
            checks.append(Check("error", f"{nid} has {units} output unit{'s' if units != 1 else ''} but the data "
                                         f"has {k} classes ({names})", nid, Fix(f"Set units to {k}", nid,
                                                                                {"units": k})))
        elif loss == CCE and activation != "softmax":
            checks.append(Check("warning", f"categorical cross-entropy expects a softmax output, {nid} uses "
                                           f"{activation}", nid, softmax_cce))
    elif task == "regression":
        if loss in CLASSIFICATION_LOSSES:
            checks.append(Check("error", f"the loss {loss} is for classification, but the target is a number "
                                         "(regression)", nid,
                                Fix("Use mean squared error with a linear output", nid,
                                    {"units": 1, "activation": "linear"}, {"loss": "mean_squared_error"})))
        elif units != 1:
            checks.append(Check("error", f"{nid} has {units} output units but regression predicts one number", nid,
                                Fix("Set units to 1", nid, {"units": 1})))
        elif activation in ("softmax", "sigmoid"):
            checks.append(Check("warning", f"a {activation} output cannot reach most target values", nid,
                                Fix("Use a linear output", nid, {"activation": "linear"})))
    return checks
