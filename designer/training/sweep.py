"""Experiment grids ("sweeps"): train one run per combination of settings, every run from the same initial
weights, and compare their best validation scores.

Settings a sweep can vary (`SWEEPABLE`): the learning rate, the units of every hidden Dense layer, the rate of
every Dropout layer, the batch size, the optimizer and the number of epochs. A grid tries every combination;
`random=N` draws N of them (without repeats). Runs whose layers keep their shapes start from exactly the same
weights; when `units` changes a layer's shape, that layer's arrays are drawn afresh from the same seed.

Several processes (`workers`) help only when one run leaves a core idle; see `docs/experiments.md` for what
was measured on a 2-core machine.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from designer.errors import ParamError, TrainingError

SWEEPABLE = {
    "lr": "learning rate of the optimizer",
    "units": "units of every hidden Dense layer",
    "dropout": "rate of every Dropout layer",
    "batch_size": "rows per update",
    "optimizer": "optimizer type (sgd, adam, adamw, rmsprop, adagrad)",
    "epochs": "passes over the training rows",
}
ALIASES = {"learning_rate": "lr", "batch": "batch_size", "optimiser": "optimizer", "rate": "dropout"}
MAX_RUNS = 1000


def _value(name: str, text: str):
    text = text.strip()
    try:
        if name in ("units", "batch_size", "epochs"):
            value = int(text)
            if value < 1:
                raise ValueError
            return value
        if name == "optimizer":
            from designer.engine.registry import OPTIMIZERS

            if text not in OPTIMIZERS:
                raise ParamError(f"'{text}' is not an optimizer (choose from {', '.join(OPTIMIZERS)})",
                                 "sweep.optimizer")
            return text
        value = float(text)
        if not math.isfinite(value):
            raise ValueError
        if name == "lr" and not 0 < value <= 10:
            raise ParamError(f"a learning rate must be > 0 and ≤ 10, got {text}", "sweep.lr")
        if name == "dropout" and not 0 <= value < 1:
            raise ParamError(f"a dropout rate must be ≥ 0 and < 1, got {text}", "sweep.dropout")
        return value
    except ValueError:
        kind = "a positive whole number" if name in ("units", "batch_size", "epochs") else "a number"
        raise ParamError(f"'{text}' is not {kind}", f"sweep.{name}") from None


def parse_grid(items: list[str]) -> dict[str, list]:
    """["lr=0.001,0.01", "units=16,64"] → {"lr": [0.001, 0.01], "units": [16, 64]}."""
    grid: dict[str, list] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = ALIASES.get(name.strip().lower(), name.strip().lower())
        if not sep or not values.strip():
            raise ParamError(f"write NAME=V1,V2,… (got '{item}')", "sweep")
        if name not in SWEEPABLE:
            raise ParamError(f"cannot vary '{name}'; choose from {', '.join(SWEEPABLE)}", "sweep")
        parsed = [_value(name, v) for v in values.split(",") if v.strip()]
        grid[name] = list(dict.fromkeys(grid.get(name, []) + parsed))  # in order, without repeats
    if not grid:
        raise ParamError("give at least one setting to vary, e.g. lr=0.001,0.01", "sweep")
    return grid


def combinations(grid: dict[str, list], random: int | None = None, seed: int = 0) -> list[dict]:
    """Every combination of the grid, or `random` of them drawn without repeats (in grid order)."""
    names = list(grid)
    total = math.prod(len(grid[n]) for n in names)
    if random is not None:
        if random < 1:
            raise ParamError(f"the number of random runs must be at least 1, got {random}", "sweep.random")
        picks = sorted(np.random.default_rng(seed).choice(total, size=min(random, total), replace=False).tolist())
    else:
        picks = range(total)
    if len(picks) > MAX_RUNS:
        raise ParamError(f"the grid has {total} combinations; at most {MAX_RUNS} runs (use --random N)", "sweep")
    every = list(itertools.product(*(grid[n] for n in names)))
    return [dict(zip(names, every[i])) for i in picks]


def base_settings(project, names) -> dict:
    """The project's own value of each swept setting (what the differences are measured from)."""
    out = {}
    t = project.training or {}
    graph = project.graph
    for name in names:
        if name == "lr":
            out[name] = (t.get("optimizer") or {}).get("learning_rate")
        elif name == "optimizer":
            out[name] = (t.get("optimizer") or {}).get("type", "sgd")
        elif name in ("batch_size", "epochs"):
            out[name] = t.get(name)
        elif name == "units":
            hidden = _hidden_dense(graph)
            out[name] = graph.nodes[hidden[0]].params.get("units") if hidden else None
        elif name == "dropout":
            drops = [n for n in graph.nodes.values() if n.type == "Dropout"]
            out[name] = drops[0].params.get("rate") if drops else None
    return out


def _hidden_dense(graph) -> list[str]:
    """Dense layers that feed another layer (the output layer's units are fixed by the data)."""
    return [nid for nid in graph.topological_order() if graph.nodes[nid].type == "Dense" and graph.outputs_of(nid)]


def apply_settings(project, settings: dict):
    """A copy of `project` with the settings applied (the project itself is not changed)."""
    graph = project.graph.copy()
    training = copy.deepcopy(project.training or {})
    for name, value in settings.items():
        if name == "lr":
            training["optimizer"] = {**(training.get("optimizer") or {"type": "sgd"}), "learning_rate": value}
        elif name == "optimizer":
            old = training.get("optimizer") or {}
            training["optimizer"] = {"type": value, "learning_rate": old.get("learning_rate", 0.01)}
        elif name in ("batch_size", "epochs"):
            training[name] = value
        elif name == "units":
            hidden = _hidden_dense(graph)
            if not hidden:
                raise TrainingError("the network has no hidden Dense layer whose units a sweep could vary")
            for nid in hidden:
                graph.set_param(nid, "units", value)
        elif name == "dropout":
            drops = [nid for nid, n in graph.nodes.items() if n.type == "Dropout"]
            if not drops:
                raise TrainingError("the network has no Dropout layer: add one to vary its rate")
            for nid in drops:
                graph.set_param(nid, "rate", value)
    return dataclasses.replace(project, graph=graph, training=training, weights={}, history=[])


def initial_weights(project, base_dir) -> dict:
    """The fresh weights "Train from scratch" would start from (the project's seed)."""
    from designer.training.run import build_and_prepare

    network, _ = build_and_prepare(dataclasses.replace(project, weights={}), base_dir)
    return network.get_weights()


def score_key(task: str) -> tuple[str, str]:
    """(metric, "max"|"min"): what "best validation score" means for the task."""
    return ("val_accuracy", "max") if task == "classification" else ("val_loss", "min")


@dataclass
class SweepRun:
    index: int
    settings: dict
    changes: dict  # name → (base value, this run's value), only what differs from the project
    best_score: float | None
    best_epoch: int | None
    best_val_loss: float | None
    final: dict
    reason: str
    seconds: float
    history: list = field(default_factory=list)
    start_weights_digest: str = ""

    def to_dict(self, with_history: bool = False) -> dict:
        d = dataclasses.asdict(self)
        d["changes"] = {k: {"base": a, "run": b} for k, (a, b) in self.changes.items()}
        if not with_history:
            d.pop("history")
        return d


@dataclass
class SweepResult:
    metric: str
    mode: str
    base: dict
    runs: list[SweepRun]

    @property
    def best(self) -> SweepRun | None:
        scored = [r for r in self.runs if r.best_score is not None]
        if not scored:
            return None
        sign = 1 if self.mode == "max" else -1
        return max(scored, key=lambda r: (sign * r.best_score, -(r.best_val_loss or 0.0)))

    def to_dict(self) -> dict:
        best = self.best
        return {"metric": self.metric, "mode": self.mode, "base": self.base,
                "best": None if best is None else best.index, "runs": [r.to_dict() for r in self.runs]}


def digest(weights: dict) -> str:
    import hashlib

    h = hashlib.sha256()
    for key in sorted(weights):
        h.update(key.encode())
        h.update(np.ascontiguousarray(weights[key], dtype=np.float32).tobytes())
    return h.hexdigest()[:16]


def _train_one(project, base_dir, start: dict, settings: dict, index: int, base: dict, metric: str, mode: str,
               control=None) -> SweepRun:
    from designer.training.run import TrainingRun, build_and_prepare

    variant = apply_settings(project, settings)
    # the shared start: every array whose shape still fits; a resized layer keeps its own seeded draw
    network, _ = build_and_prepare(variant, base_dir)
    network.set_weights(start)
    variant.weights = network.get_weights()
    t0 = time.perf_counter()
    outcome = TrainingRun(variant, base_dir, control=control).run()
    history = outcome.result.history
    values = [h.get(metric) for h in history if h.get(metric) is not None and math.isfinite(h.get(metric))]
    best_score = (max(values) if mode == "max" else min(values)) if values else None
    best_epoch = next((h["epoch"] for h in history if h.get(metric) == best_score), None)
    val_losses = [h["val_loss"] for h in history if math.isfinite(h.get("val_loss", math.nan))]
    changes = {k: (base.get(k), v) for k, v in settings.items() if base.get(k) != v}
    final = {k: v for k, v in (history[-1] if history else {}).items() if k != "epoch"}
    return SweepRun(index, dict(settings), changes, best_score, best_epoch, min(val_losses) if val_losses else None,
                    final, outcome.reason, time.perf_counter() - t0, history, digest(variant.weights))


def _worker(payload: bytes, base_dir, start, settings, index, base, metric, mode):
    """In a child process: one thread of BLAS (the processes share the cores), the project from its bytes."""
    from threadpoolctl import threadpool_limits

    from designer.project.io import loads_project

    with threadpool_limits(limits=1, user_api="blas"):
        return _train_one(loads_project(payload), base_dir, start, settings, index, base, metric, mode)


def run_sweep(project, base_dir: str | Path | None, grid: dict[str, list], *, random: int | None = None,
              seed: int = 0, workers: int = 1, on_run: Callable[[SweepRun], None] | None = None,
              should_stop: Callable[[], bool] | None = None, control=None) -> SweepResult:
    """Train every combination (or `random` of them) from the project's initial weights; the project is not
    changed. `on_run` is called after each run (in the order they finish); `should_stop` ends the sweep
    between runs. Raises the errors a training run raises before the first run starts."""
    from designer.training.run import build_and_prepare

    combos = combinations(grid, random, seed)
    for settings in combos:  # refuse a bad combination before anything trains
        apply_settings(project, settings)
    _, prepared = build_and_prepare(dataclasses.replace(project, weights={}), base_dir)
    metric, mode = score_key(prepared.task)
    if prepared.x_val is None or not len(prepared.x_val):
        metric, mode = ("accuracy", "max") if prepared.task == "classification" else ("loss", "min")
    base = base_settings(project, grid)
    start = initial_weights(project, base_dir)
    runs: list[SweepRun] = []

    def done(run: SweepRun) -> None:
        runs.append(run)
        if on_run is not None:
            on_run(run)

    if workers <= 1:
        for i, settings in enumerate(combos, start=1):
            if should_stop is not None and should_stop():
                break
            run = _train_one(project, base_dir, start, settings, i, base, metric, mode, control)
            if run.reason == "stopped":
                break
            done(run)
    else:
        import concurrent.futures as cf
        import multiprocessing

        from designer.project.io import dumps_project

        payload = dumps_project(dataclasses.replace(project, weights={}, history=[]))
        ctx = multiprocessing.get_context("spawn")  # no forked copies of a GUI or of BLAS thread pools
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [pool.submit(_worker, payload, base_dir, start, s, i, base, metric, mode)
                       for i, s in enumerate(combos, start=1)]
            for future in cf.as_completed(futures):
                if should_stop is not None and should_stop():
                    for f in futures:
                        f.cancel()
                    break
                done(future.result())
        runs.sort(key=lambda r: r.index)
    return SweepResult(metric, mode, base, runs)
