"""From a Project to a ready Network + data, and a whole training run with the project updated.

`build_and_prepare` is the one place that turns a project into something trainable; the CLI, the UI
worker and the tests all go through it, so every misfit between network and data gets the same message.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
from collections.abc import Callable
from pathlib import Path

from designer.data import prepare_data
from designer.engine.losses import CLASSIFICATION_LOSSES
from designer.engine.network import Network
from designer.errors import GraphError, ShapeError, TrainingError
from designer.training.control import TrainingControl
from designer.training.trainer import Trainer

log = logging.getLogger(__name__)


def _input_node(graph):
    inputs = graph.input_nodes()
    if not inputs:
        raise GraphError("the network has no Input layer: add one and connect it")
    if len(inputs) > 1:
        raise GraphError("only one Input layer is supported: " + ", ".join(inputs))
    return graph.nodes[inputs[0]]


def _check_output_fits(network, prepared, loss: str) -> list[str]:
    """Raise TrainingError when the output layer cannot fit the data's targets; return soft warnings."""
    out_id = network.output_id
    if len(network.output_shape) != 1:
        raise TrainingError(f"the output layer {out_id} outputs shape {list(network.output_shape)}; end the network "
                            "with Flatten and a Dense layer so each row gets one vector of outputs")
    n_out = math.prod(network.output_shape)
    units = f"{n_out} unit{'s' if n_out != 1 else ''}"
    if prepared.task == "regression":
        if loss in CLASSIFICATION_LOSSES:
            raise TrainingError(f"the loss {loss} is for classification, but '{prepared.target_name}' is a "
                                "regression target: choose mean_squared_error, mean_absolute_error or huber")
        n_targets = prepared.y_train.shape[1] if prepared.y_train.ndim > 1 else 1
        if n_out != n_targets:
            raise TrainingError(f"the output layer {out_id} has {units} but the data has {n_targets} "
                                f"target value{'s' if n_targets != 1 else ''} per row: set its units to {n_targets}")
        return []
    n_classes = prepared.n_classes
    binary_single = n_out == 1 and n_classes == 2 and loss != "categorical_crossentropy"
    if n_out != n_classes and not binary_single:
        names = ", ".join(prepared.classes[:6]) + (", …" if n_classes > 6 else "")
        if n_out == 1 and n_classes == 2:
            raise TrainingError(f"the output layer {out_id} has 1 unit, but categorical_crossentropy needs one unit "
                                "per class: give it 2 units with softmax, or use binary_crossentropy with sigmoid")
        raise TrainingError(f"the output layer {out_id} has {units} but the data has {n_classes} classes "
                            f"({names}): set its units to {n_classes}")
    warnings = []
    activation = getattr(network.layers[out_id], "config", {}).get("activation")
    wanted = {"categorical_crossentropy": "softmax", "binary_crossentropy": "sigmoid"}.get(loss)
    if wanted and activation is not None and activation != wanted:
        warnings.append(f"{out_id}: {loss} expects a {wanted} output, but its activation is {activation}")
    return warnings


def build_and_prepare(project, base_dir: str | Path | None, *, warnings_out: list[str] | None = None):
    """(network, prepared data) for `project`; the Input shape comes from the data when the node has none.

    Saved weights are loaded when they fit; each array that does not is reported (re-initialised) in
    `warnings_out` and the log. Raises DataError, ShapeError, GraphError or TrainingError.
    """
    warnings = warnings_out if warnings_out is not None else []
    node = _input_node(project.graph)
    node_shape = node.params.get("shape")
    prepared = prepare_data(project.data, base_dir, input_shape=node_shape)
    n_features = prepared.x_train.shape[1] if prepared.x_train.ndim > 1 else 1
    shape = tuple(prepared.input_shape)
    if node_shape:
        size = math.prod(int(d) for d in node_shape)
        if size != n_features:
            raise ShapeError(f"the Input layer {node.id} has shape {list(node_shape)} ({size} values) but the data "
                             f"has {n_features} features per row: clear its shape or set one holding {n_features}")
        shape = tuple(int(d) for d in node_shape)
    training = project.training or {}
    network = Network.from_graph(project.graph, input_shape=shape, seed=training.get("seed", 0))
    warnings.extend(_check_output_fits(network, prepared, training.get("loss", "categorical_crossentropy")))
    warnings.extend((prepared.report or {}).get("csv", {}).get("warnings", []))  # e.g. not UTF-8, on which line
    if project.weights:
        warnings.extend(network.set_weights(project.weights))
    for w in warnings:
        log.warning(w)
    return network, prepared


def final_metrics(history: list[dict], reason: str, best_epoch: int | None, restored_best: bool) -> dict:
    """The metrics of the weights training ended with (the best epoch's when those were restored)."""
    entry = {}
    if history:
        entry = history[best_epoch - 1] if restored_best and best_epoch else history[-1]
    return {**entry, "epochs_run": len(history), "reason": reason, "best_epoch": best_epoch}


def train_project(
    project,
    base_dir: str | Path | None,
    epochs: int | None = None,
    seed: int | None = None,
    reset: bool = False,
    on_event: Callable | None = None,
    control: TrainingControl | None = None,
    warnings_out: list[str] | None = None,
    probe_interval: float | None = None,
):
    """Train with the project's settings (optionally overriding epochs/seed, or from fresh weights).

    No histograms or norms by default (`probe_interval=None`): the command line reports neither, and on a
    small network they cost more than the training itself. See `Trainer` for the other values.

    Returns (updated project, final metrics). The given project is left unchanged; the returned one
    carries the trained weights and a new history run {"settings", "epochs", "reason", "best_epoch",
    "message"}.
    """
    cfg = copy.deepcopy(project.training or {})
    if epochs is not None:
        cfg["epochs"] = epochs
    if seed is not None:
        cfg["seed"] = seed
    start = dataclasses.replace(project, training=cfg, weights={} if reset else project.weights)
    network, prepared = build_and_prepare(start, base_dir, warnings_out=warnings_out)
    trainer = Trainer(network, prepared, cfg, control=control, on_event=on_event, probe_interval=probe_interval)
    result = trainer.run()
    run = {
        "settings": copy.deepcopy(cfg),
        "epochs": result.history,
        "reason": result.reason,
        "best_epoch": result.best_epoch,
        "message": result.message,
    }
    restored = result.reason == "early_stopping" and bool((trainer.early or {}).get("restore_best_weights"))
    updated = dataclasses.replace(project, weights=network.get_weights(), history=[*project.history, run])
    return updated, final_metrics(result.history, result.reason, result.best_epoch, restored)
