"""The overfitting lab: a learning curve (the validation score against 10 % … 100 % of the training rows, to
show what more data would do) and an A/B of each remedy the course names — dropout, a smaller network, batch
normalisation, L2, early stopping — each trained from the same start as the base run.

"The same start": every layer the remedy keeps starts with the base run's initial weights (inserted Dropout
and batch normalisation layers add none that differ: it starts at γ = 1, β = 0); a smaller network's resized
layers draw theirs from the same seed.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable

import numpy as np

from designer.engine.registry import types_with_role
from designer.errors import TrainingError
from designer.training.sweep import initial_weights, score_key

FRACTIONS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
NORMALIZATION = types_with_role("normalization")[0]  # the layer type the "batchnorm" remedy inserts
REMEDIES = {
    "dropout": "a Dropout layer (rate 0.5) after every hidden Dense layer",
    "smaller": "every hidden Dense layer with half its units",
    "batchnorm": f"a {NORMALIZATION} layer after every hidden Dense layer",
    "l2": "an L2 penalty of 0.001 on the weights",
    "early_stopping": "early stopping: patience 10 epochs on the validation loss, best weights kept",
}


def _hidden_dense(graph) -> list[str]:
    return [nid for nid in graph.topological_order() if graph.nodes[nid].type == "Dense" and graph.outputs_of(nid)]


def _insert_after(graph, nid: str, kind: str, params: dict) -> None:
    x, y = graph.nodes[nid].position
    new = graph.add_node(kind, params, (x + 110.0, y + 90.0)).id
    for succ in list(graph.outputs_of(nid)):
        graph.disconnect(nid, succ)
        graph.connect(new, succ)
    graph.connect(nid, new)


def remedy_project(project, name: str):
    """A copy of `project` with one remedy applied (the project itself is not changed)."""
    if name not in REMEDIES:
        raise TrainingError(f"no remedy called '{name}' (choose from {', '.join(REMEDIES)})")
    graph = project.graph.copy()
    training = copy.deepcopy(project.training or {})
    hidden = _hidden_dense(graph)
    if name in ("dropout", "smaller", "batchnorm") and not hidden:
        raise TrainingError("the network has no hidden Dense layer to apply this remedy to")
    if name == "dropout":
        for nid in hidden:
            _insert_after(graph, nid, "Dropout", {"rate": 0.5})
    elif name == "batchnorm":
        for nid in hidden:
            _insert_after(graph, nid, NORMALIZATION, {})
    elif name == "smaller":
        for nid in hidden:
            graph.set_param(nid, "units", max(1, int(graph.nodes[nid].params.get("units", 2)) // 2))
    elif name == "l2":
        training["regularization"] = {**(training.get("regularization") or {}), "l2": 1e-3}
    elif name == "early_stopping":
        training["early_stopping"] = {"monitor": "val_loss", "patience": 10, "min_delta": 0.0,
                                      "restore_best_weights": True}
    return dataclasses.replace(project, graph=graph, training=training, weights={}, history=[])


def _train(project, base_dir, start: dict, prepared=None, rows: int | None = None, control=None) -> dict:
    """One run from `start` (arrays that fit); with `rows`, on the first rows of the training split only."""
    from designer.training.run import build_and_prepare
    from designer.training.sweep import digest
    from designer.training.trainer import Trainer

    network, data = build_and_prepare(project, base_dir)
    if prepared is not None:
        data = prepared
    network.set_weights(start)
    first = network.get_weights()
    start_digest = digest({k: first[k] for k in start if k in first})  # the arrays the base run has too
    if rows is not None:
        data = dataclasses.replace(data, x_train=data.x_train[:rows], y_train=data.y_train[:rows])
    result = Trainer(network, data, project.training, control=control, probe_interval=None).run()
    if result.reason == "stopped":
        raise TrainingError("stopped")
    metric, mode = score_key(data.task)
    history = result.history
    values = [h[metric] for h in history if math.isfinite(h.get(metric, math.nan))]
    best = (max(values) if mode == "max" else min(values)) if values else None
    last = history[-1] if history else {}
    return {"history": history, "metric": metric, "best_score": best, "reason": result.reason,
            "best_val_loss": min((h["val_loss"] for h in history), default=None),
            "final_loss": last.get("loss"), "final_val_loss": last.get("val_loss"),
            "gap": (last.get("val_loss", math.nan) - last.get("loss", math.nan)) if last else None,
            "start_digest": start_digest}


def _check_validation(prepared) -> None:
    if prepared.x_val is None or not len(prepared.x_val):
        raise TrainingError("the lab compares validation scores, but the data has no validation rows: set a "
                            "validation fraction on the Data tab")


def learning_curve(project, base_dir, fractions=FRACTIONS, *, on_point: Callable[[dict], None] | None = None,
                   should_stop: Callable[[], bool] | None = None, control=None) -> list[dict]:
    """Train on the first 10 %, 20 % … of the (shuffled) training split, every time from the same initial
    weights and with the same validation rows: [{"fraction", "rows", "best_score", "metric", …}]."""
    from designer.training.run import build_and_prepare

    _, prepared = build_and_prepare(dataclasses.replace(project, weights={}), base_dir)
    _check_validation(prepared)
    start = initial_weights(project, base_dir)
    n = len(prepared.x_train)
    order = np.random.default_rng(int((project.training or {}).get("seed") or 0)).permutation(n)
    shuffled = dataclasses.replace(prepared, x_train=prepared.x_train[order], y_train=prepared.y_train[order])
    points = []
    for fraction in fractions:
        if should_stop is not None and should_stop():
            break
        rows = max(2, int(round(fraction * n)))
        run = _train(dataclasses.replace(project, weights={}), base_dir, start, shuffled, rows, control)
        point = {"fraction": fraction, "rows": rows, **{k: v for k, v in run.items() if k != "history"}}
        points.append(point)
        if on_point is not None:
            on_point(point)
    return points


def compare_remedies(project, base_dir, names=tuple(REMEDIES), *,
                     on_run: Callable[[str, dict], None] | None = None,
                     should_stop: Callable[[], bool] | None = None, control=None) -> dict[str, dict]:
    """The base run and one run per remedy, all from the base's initial weights: {"base": run, name: run}."""
    from designer.training.run import build_and_prepare

    _, prepared = build_and_prepare(dataclasses.replace(project, weights={}), base_dir)
    _check_validation(prepared)
    variants = {"base": dataclasses.replace(project, weights={}, history=[])}
    variants.update({name: remedy_project(project, name) for name in names})  # refuse before training
    start = initial_weights(project, base_dir)
    runs: dict[str, dict] = {}
    for name, variant in variants.items():
        if should_stop is not None and should_stop():
            break
        runs[name] = _train(variant, base_dir, start, control=control)
        if on_run is not None:
            on_run(name, runs[name])
    return runs
