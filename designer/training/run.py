"""From a Project to a ready Network + data, and one whole training run (`TrainingRun`) that the command
line and the window's worker both use.

`build_and_prepare` is the one place that turns a project into something trainable; the CLI, the UI
worker and the tests all go through it, so every misfit between network and data gets the same message.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from designer.data import prepare_data
from designer.engine.losses import CLASSIFICATION_LOSSES
from designer.engine.network import Network
from designer.errors import DesignerError, GraphError, ShapeError, TrainingError
from designer.training import engines
from designer.training.control import TrainingControl
from designer.training.events import TrainingResult
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
    pre = prepared.preprocessor
    if pre is not None and pre.target_mean is not None:
        network.set_target_scaling(pre.target_mean, pre.target_scale)
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


@dataclass
class RunStarted:
    """Sent through `on_event` once the network and data are ready, before the first epoch."""

    total_epochs: int
    task: str
    class_names: list[str]
    layer_ids: list[str]
    layer_kinds: dict[str, str] = field(default_factory=dict)  # node id → activation, for the health view
    warnings: list[str] = field(default_factory=list)
    engine: str = "numpy"  # "numpy" or "torch (cpu)", "torch (cuda)" … (designer.training.engines)
    # "standardised target" when a regression network learns (y − mean) / std: the loss is in those units while
    # the metrics (MAE, R²) are in the target's own; "" otherwise
    loss_units: str = ""


@dataclass
class RunOutcome:
    """What one run leaves behind: the weights and history entry the project keeps, the final metrics (the
    CLI prints them) and, when asked for, the evaluation on the held-out split."""

    result: TrainingResult
    weights: dict
    settings: dict
    metrics: dict
    evaluation: dict | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return self.result.reason

    @property
    def message(self) -> str:
        return self.result.message

    def history_entry(self) -> dict:
        """The run as the project's `history` keeps it (shared/spec/project-format.md)."""
        return {"settings": copy.deepcopy(self.settings), "epochs": list(self.result.history),
                "reason": self.result.reason, "best_epoch": self.result.best_epoch, "message": self.result.message}


class TrainingRun:
    """One training run, the same for the command line and the window: project → network and data →
    trainer → outcome. The project is not changed; the caller records the outcome (`ProjectSession.record_run`).

    `on_event` receives RunStarted, then the trainer's events, on the calling thread. With `probes`, a
    `PlaneProbe` is ready (for 2-feature data) once RunStarted is sent, for boundary and neuron grids of the
    weights as they are; with `evaluate`, the outcome carries the held-out evaluation and the worst rows.
    """

    def __init__(self, project, base_dir: str | Path | None, *, epochs: int | None = None, seed: int | None = None,
                 reset: bool = False, control: TrainingControl | None = None, on_event: Callable | None = None,
                 evaluate: bool = False, probes: bool = False, probe_interval: float | None = None,
                 engine: str | None = None, device: str | None = None, strict_engine: bool = False) -> None:
        """engine/device override training.engine/device for this run; with `strict_engine` a torch run
        where torch is missing is refused instead of falling back to NumPy (the command line's --engine)."""
        self.settings = copy.deepcopy(project.training or {})
        for key, value in (("epochs", epochs), ("engine", engine), ("device", device)):
            if value is not None:
                self.settings[key] = value
        self.strict_engine = strict_engine
        if seed is not None:
            self.settings["seed"] = seed
        self.project = dataclasses.replace(project, training=self.settings,
                                           weights={} if reset else project.weights)
        self.base_dir = base_dir
        self.control = control
        self.on_event = on_event
        self.evaluate = evaluate
        self.probes = probes
        self.probe_interval = probe_interval  # histograms and norms: None for the CLI (see Trainer)
        self.network = None
        self.probe = None

    def _emit(self, event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def run(self) -> RunOutcome:
        """Raises DataError, ShapeError, GraphError or TrainingError before training when the project cannot
        train; the run itself ends with a reason (completed, stopped, early_stopping, nan)."""
        from designer.training.probes import PlaneProbe, evaluate_run

        project, cfg = self.project, self.settings
        warnings: list[str] = []
        # Loads the project's weights when they fit (continue training); misfits come back as warnings.
        network, prepared = build_and_prepare(project, self.base_dir, warnings_out=warnings)
        # the PyTorch engine (same weights) when the settings ask for it
        network = engines.for_run(network, cfg, warnings, strict=self.strict_engine)
        self.network = network
        if self.probes:
            self.probe = PlaneProbe.for_run(project.graph, network, prepared)
        self._emit(RunStarted(
            total_epochs=int(cfg.get("epochs", 1)),
            task=prepared.task,
            class_names=list(prepared.classes),
            layer_ids=list(network.order),
            layer_kinds={nid: str(n.params["activation"]) for nid, n in project.graph.nodes.items()
                         if n.params.get("activation")},
            warnings=list(warnings),
            engine=engines.describe(network),
            loss_units="standardised target" if getattr(network, "target_scaling", None) is not None else "",
        ))
        trainer = Trainer(network, prepared, cfg, control=self.control, on_event=self.on_event,
                          probe_interval=self.probe_interval)
        result = trainer.run()
        restored = result.reason == "early_stopping" and bool((trainer.early or {}).get("restore_best_weights"))
        evaluation = None
        if self.evaluate:
            try:
                evaluation = evaluate_run(network, prepared, cfg)
            except DesignerError as exc:
                warnings.append(f"evaluation skipped: {exc}")
        return RunOutcome(result=result, weights=network.get_weights(), settings=copy.deepcopy(cfg),
                          metrics=final_metrics(result.history, result.reason, result.best_epoch, restored),
                          evaluation=evaluation, warnings=warnings)


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
    outcome = TrainingRun(project, base_dir, epochs=epochs, seed=seed, reset=reset, control=control,
                          on_event=on_event, probe_interval=probe_interval).run()
    if warnings_out is not None:
        warnings_out.extend(outcome.warnings)
    updated = dataclasses.replace(project, weights=outcome.weights, history=[*project.history, outcome.history_entry()])
    return updated, outcome.metrics
