"""Check a parsed `project.json` (current version) against the spec and turn it into a `Project`.

Every rule of shared/spec/project-format.md is checked here, defaults are filled in and unknown keys are
kept. A problem raises `ProjectError` whose text names the exact place, e.g.
`graph.nodes[2].params.units: must be a positive integer, got "many"`. Absurd sizes (units, shapes, total
parameter count) are refused here, before the engine allocates anything.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

from designer.data.augment import augment_settings
from designer.data.images import image_settings
from designer.data.settings import DATA_SPECS, SPLIT_SPECS
from designer.engine.registry import (
    LAYER_TYPES,
    LOSSES,
    MAX_TENSOR_ELEMENTS,
    MAX_TOTAL_PARAMS,
    OPTIMIZERS,
    ParamSpec,
    coerce_choice_params,
)
from designer.errors import DesignerError, ProjectError
from designer.graph import Graph
from designer.graph.model import NODE_ID
from designer.project.model import FORMAT_NAME, FORMAT_VERSION, Project, default_data, default_training
from designer.torch_backend import DEVICES, ENGINES
from designer.training.schedules import MONITORS as SCHEDULE_MONITORS
from designer.training.schedules import SCHEDULE_PARAMS
from designer.training.settings import MAX_SEED, TRAINING_SPECS

# Limits on the drawing itself: a person draws tens of layers, not thousands. They also bound the time
# the checks below take on a hostile file.
MAX_NODES = 2_000
MAX_EDGES = 8_000
MAX_NAME_LENGTH = 1_000
MAX_POSITION = 1e7
MAX_INTEGER = 2**63 - 1

BUILTIN_TABLES = ("iris", "wine", "breast_cancer", "digits", "diabetes", "line_outliers")
BUILTIN_GENERATED = ("circle", "xor", "gauss", "spiral", "moons", "reg_plane", "reg_gauss")
BUILTIN_DATASETS = BUILTIN_TABLES + BUILTIN_GENERATED

MONITORS = SCHEDULE_MONITORS

# Learning-rate schedules (optional `training.schedule`): type → its parameters, the table
# designer/training/schedules.py applies; "none"/"constant" keep the rate fixed.
SCHEDULES: dict[str, tuple[ParamSpec, ...]] = {"none": (), "constant": (), **SCHEDULE_PARAMS}

_INT = ParamSpec("value", "int")
_FLOAT = ParamSpec("value", "float")
_BOOL = ParamSpec("value", "bool")


def describe(value: Any) -> str:
    """A short rendering of a bad value for a message (long values are cut)."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)  # quotes, with newlines and the like escaped
    elif isinstance(value, dict):
        text = "an object"
    elif isinstance(value, list):
        text = "a list"
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def one_line(text: str) -> str:
    """Escape line breaks and other control characters: an error message is one readable line, even when
    it quotes a hostile value."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


F = TypeVar("F", bound=Callable[..., Any])


def single_line_errors(fn: F) -> F:
    """Decorate a public entry point: any ProjectError leaving it has a one-line message."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ProjectError as err:
            if str(err).isprintable():
                raise
            where = one_line(err.where) if err.where else None
            raise ProjectError(one_line(err.message), where) from None

    return wrapper  # type: ignore[return-value]


def _fail(where: str, message: str) -> ProjectError:
    return ProjectError(message, where)


def _coerce(spec: ParamSpec, value: Any, where: str) -> Any:
    try:
        return spec.coerce(value)
    except DesignerError as err:
        raise _fail(where, err.message) from None


def _object(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(where, f"must be an object, got {describe(value)}")
    return value


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise _fail(where, f"must be a list, got {describe(value)}")
    return value


def _string(value: Any, where: str, *, empty_ok: bool = False) -> str:
    if not isinstance(value, str) or (not empty_ok and not value.strip()):
        word = "a string" if empty_ok else "a non-empty string"
        raise _fail(where, f"must be {word}, got {describe(value)}")
    if len(value) > MAX_NAME_LENGTH:
        raise _fail(where, f"is {len(value)} characters long; the limit is {MAX_NAME_LENGTH}")
    return value


def _choice(value: Any, choices: tuple[str, ...], where: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise _fail(where, f"must be one of {', '.join(choices)}, got {describe(value)}")
    return value


def _int(value: Any, where: str, lo: int, hi: int) -> int:
    v = _coerce(_INT, value, where)
    if not lo <= v <= hi:
        raise _fail(where, f"must be an integer from {lo:,} to {hi:,}, got {describe(value)}")
    return v


def _setting(name: str, value: Any, where: str) -> Any:
    """One training setting checked against its spec in designer/training/settings.py (the one table)."""
    spec = TRAINING_SPECS[name]
    if spec.kind == "int" and spec.minimum is not None and spec.maximum is not None:
        return _int(value, where, int(spec.minimum), int(spec.maximum))
    if spec.kind == "float" and spec.minimum == 0.0 and spec.maximum is None:
        return _nonnegative(value, where)
    return _coerce(spec, value, where)


def _seed(value: Any, where: str) -> int | None:
    return None if value is None else _int(value, where, 0, MAX_SEED)


def _fraction(value: Any, where: str) -> float:
    v = _coerce(_FLOAT, value, where)
    if not 0.0 <= v < 1.0:
        raise _fail(where, f"must be a fraction from 0 up to (not including) 1, got {describe(value)}")
    return v


def _nonnegative(value: Any, where: str) -> float:
    v = _coerce(_FLOAT, value, where)
    if v < 0:
        raise _fail(where, f"must be 0 or more, got {describe(value)}")
    return v


# ---------------------------------------------------------------------------------------------- top level
@single_line_errors
def check_header(doc: Any) -> int:
    """Check `format` and `version` (before migration); return the file's version."""
    if not isinstance(doc, dict):
        raise ProjectError(f"project.json must hold a JSON object, got {describe(doc)}")
    fmt = doc.get("format")
    if fmt != FORMAT_NAME:
        raise _fail("format", f'must be "{FORMAT_NAME}" (this is not a Network Designer project), got {describe(fmt)}')
    if "version" not in doc:
        raise _fail("version", "is missing")
    version = doc["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise _fail("version", f"must be a whole number, got {describe(version)}")
    return version


@single_line_errors
def validate_document(doc: Any) -> Project:
    """Validate a current-version `project.json` object and build the Project (weights/history empty)."""
    version = check_header(doc)
    if version != FORMAT_VERSION:
        raise _fail("version", f"must be {FORMAT_VERSION} here (migrate older files first), got {version}")
    _check_integers(doc, "")
    name = _string(doc.get("name", "Untitled"), "name", empty_ok=True)
    graph = validate_graph(doc.get("graph", {"nodes": [], "edges": []}), "graph")
    data = validate_data(doc.get("data", default_data()), "data")
    training = validate_training(doc.get("training", default_training()), "training")
    known = {"format", "version", "name", "graph", "data", "training"}
    extra = {k: copy.deepcopy(v) for k, v in doc.items() if k not in known}
    return Project(name=name, graph=graph, data=data, training=training, extra=extra)


def _check_integers(value: Any, where: str) -> None:
    """JSON integers have no size limit; one with hundreds of digits would overflow every float
    conversion further on, so it is refused here, at its place."""
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_INTEGER:
            raise _fail(where, f"the integer is too large ({value.bit_length()} bits; the limit is ±{MAX_INTEGER:,})")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_integers(v, f"{where}.{k}" if where else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_integers(v, f"{where}[{i}]")


# ---------------------------------------------------------------------------------------------- graph
def validate_graph(section: Any, where: str = "graph") -> Graph:
    section = _object(section, where)
    nodes_in = _list(section.get("nodes", []), f"{where}.nodes")
    edges_in = _list(section.get("edges", []), f"{where}.edges")
    if len(nodes_in) > MAX_NODES:
        raise _fail(f"{where}.nodes", f"has {len(nodes_in):,} layers; the limit is {MAX_NODES:,}")
    if len(edges_in) > MAX_EDGES:
        raise _fail(f"{where}.edges", f"has {len(edges_in):,} connections; the limit is {MAX_EDGES:,}")

    nodes: list[dict] = []
    index: dict[str, int] = {}
    for i, raw in enumerate(nodes_in):
        at = f"{where}.nodes[{i}]"
        node = _object(raw, at)
        nid = node.get("id")
        if not isinstance(nid, str) or not NODE_ID.match(nid):
            raise _fail(
                f"{at}.id", f"must be a name of 1 to 64 letters, digits, _ or - characters, got {describe(nid)}"
            )
        if nid in index:
            raise _fail(f"{at}.id", f'"{nid}" is already used by {where}.nodes[{index[nid]}]')
        type_name = node.get("type")
        ltype = LAYER_TYPES.get(type_name) if isinstance(type_name, str) else None
        if ltype is None:
            raise _fail(f"{at}.type", f"unknown layer type {describe(type_name)}; known: {', '.join(LAYER_TYPES)}")
        raw_params = node.get("params")
        try:
            params = ltype.coerce_params({} if raw_params is None else raw_params, f"{at}.params")
        except DesignerError as err:
            raise ProjectError(err.message, err.where) from None
        nodes.append({"id": nid, "type": type_name, "params": params, "position": _position(node, at)})
        index[nid] = i

    edges = _validate_edges(edges_in, nodes, index, f"{where}.edges")
    graph = Graph.from_dict({"nodes": nodes, "edges": edges})
    _check_sizes(graph, index, where)
    return graph


def _position(node: dict, at: str) -> list[float]:
    pos = node.get("position")
    if pos is None:
        return [0.0, 0.0]
    if not isinstance(pos, list) or len(pos) != 2:
        raise _fail(f"{at}.position", f"must be a pair of numbers [x, y], got {describe(pos)}")
    out = []
    for k, v in enumerate(pos):
        x = _coerce(_FLOAT, v, f"{at}.position[{k}]")
        if abs(x) > MAX_POSITION:
            raise _fail(f"{at}.position[{k}]", f"must be between -{MAX_POSITION:g} and {MAX_POSITION:g}, got {x:g}")
        out.append(x)
    return out


def _validate_edges(edges_in: list, nodes: list[dict], index: dict[str, int], where: str) -> list[list[str]]:
    seen: set[tuple[str, str]] = set()
    n_inputs: dict[str, int] = {}
    succ: dict[str, list[str]] = {n["id"]: [] for n in nodes}
    edges: list[list[str]] = []
    for i, raw in enumerate(edges_in):
        at = f"{where}[{i}]"
        if not isinstance(raw, list) or len(raw) != 2:
            raise _fail(at, f"must be a pair [source_id, target_id], got {describe(raw)}")
        src, dst = raw
        for k, end in enumerate((src, dst)):
            if not isinstance(end, str) or end not in index:
                raise _fail(f"{at}[{k}]", f"no layer has the id {describe(end)}")
        if src == dst:
            raise _fail(at, f"{src} cannot feed itself")
        if (src, dst) in seen:
            raise _fail(at, f"{src} → {dst} is listed twice")
        ltype = LAYER_TYPES[nodes[index[dst]]["type"]]
        if ltype.max_inputs == 0:
            raise _fail(at, f"{dst} is an Input layer: nothing can feed it")
        n_inputs[dst] = n_inputs.get(dst, 0) + 1
        if ltype.max_inputs is not None and n_inputs[dst] > ltype.max_inputs:
            raise _fail(at, f"{dst} ({ltype.name}) takes a single input but has more than one")
        seen.add((src, dst))
        succ[src].append(dst)
        edges.append([src, dst])
    _check_acyclic(succ, where)
    return edges


def _check_acyclic(succ: dict[str, list[str]], where: str) -> None:
    """Kahn's algorithm on an adjacency list: linear time even for a hostile file."""
    indeg = dict.fromkeys(succ, 0)
    for targets in succ.values():
        for d in targets:
            indeg[d] += 1
    ready = [n for n, k in indeg.items() if k == 0]
    done = 0
    while ready:
        n = ready.pop()
        done += 1
        for d in succ[n]:
            indeg[d] -= 1
            if indeg[d] == 0:
                ready.append(d)
    if done != len(succ):
        stuck = [n for n, k in indeg.items() if k > 0]
        shown = ", ".join(stuck[:8]) + (" …" if len(stuck) > 8 else "")
        raise _fail(where, f"the connections form a cycle through {shown}")


def _check_sizes(graph: Graph, index: dict[str, int], where: str) -> None:
    """Refuse networks too big to build: per-sample tensor sizes and the total parameter count.

    A half-drawn network (unconnected layers, shapes that do not fit yet) is fine in a file: the editor
    shows those problems. Sizes that would exhaust memory are not."""
    analysis = graph.analyze()
    for nid, shape in analysis.shapes.items():
        if shape is not None and math.prod(shape) > MAX_TENSOR_ELEMENTS:
            raise _fail(
                f"{where}.nodes[{index[nid]}]",
                f"{nid} would output {math.prod(shape):,} values per sample; the limit is {MAX_TENSOR_ELEMENTS:,}",
            )
    if analysis.total_params > MAX_TOTAL_PARAMS:
        raise _fail(where, f"the network has {analysis.total_params:,} parameters; the limit is {MAX_TOTAL_PARAMS:,}")


# ---------------------------------------------------------------------------------------------- data
def validate_data(section: Any, where: str = "data") -> dict:
    out = copy.deepcopy(_object(section, where))
    defaults = default_data()
    if "source" not in out:
        out["source"] = defaults["source"]
        out.setdefault("target", defaults["target"])
    out["source"] = _validate_source(out["source"], f"{where}.source")
    if out.get("target") is not None:
        out["target"] = _string(out["target"], f"{where}.target")
    if out.get("features") is not None:
        feats = _list(out["features"], f"{where}.features")
        for i, f in enumerate(feats):
            _string(f, f"{where}.features[{i}]")
        if len(set(feats)) != len(feats):
            raise _fail(f"{where}.features", "lists a column more than once")
    for name, spec in DATA_SPECS.items():  # the choices of designer/data/settings.py (the one table)
        out[name] = _choice(out.get(name, defaults[name]), spec.choices, f"{where}.{name}")
    out["split"] = _validate_split(out.get("split", defaults["split"]), defaults["split"], f"{where}.split")
    return out


def _validate_source(source: Any, where: str) -> dict:
    out = dict(_object(source, where))
    kind = _choice(out.get("kind"), ("builtin", "csv", "npz", "images"), f"{where}.kind")
    if kind == "builtin":
        out["name"] = _choice(out.get("name"), BUILTIN_DATASETS, f"{where}.name")
        if out["name"] in BUILTIN_GENERATED:
            if out.get("samples") is not None:
                out["samples"] = _int(out["samples"], f"{where}.samples", 1, 1_000_000)
            if out.get("noise") is not None:
                out["noise"] = _nonnegative(out["noise"], f"{where}.noise")
            if out.get("seed") is not None:
                out["seed"] = _seed(out["seed"], f"{where}.seed")
    else:
        out["path"] = _string(out.get("path"), f"{where}.path")
        if "\x00" in out["path"]:
            raise _fail(f"{where}.path", "must not contain a NUL character")
        if kind == "npz":
            out["x"] = _string(out.get("x"), f"{where}.x")
            out["y"] = _string(out.get("y"), f"{where}.y")
        if kind == "images":
            _validate_image_source(out, where)
    return out


def _validate_image_source(out: dict, where: str) -> None:
    """size, color and augment of an image folder source (designer/data/images.py, augment.py)."""
    try:
        size, color = image_settings(out)
        if out.get("augment") is not None:
            out["augment"] = augment_settings(out["augment"])
    except DesignerError as e:
        raise ProjectError(e.message, e.where or where) from None
    out["size"], out["color"] = list(size), color


def _validate_split(split: Any, defaults: dict, where: str) -> dict:
    out = dict(_object(split, where))
    checks = {"float": _fraction, "bool": lambda v, at: _coerce(_BOOL, v, at), "int": _seed}
    for name, spec in SPLIT_SPECS.items():  # designer/data/settings.py's table: kinds and defaults
        out[name] = checks[spec.kind](out.get(name, defaults[name]), f"{where}.{name}")
        if name == "test" and out["validation"] + out["test"] >= 1.0:
            raise _fail(where, f"validation {out['validation']:g} + test {out['test']:g} leave no rows for "
                               "training: the sum must be below 1")
    return out


# ---------------------------------------------------------------------------------------------- training
def validate_training(section: Any, where: str = "training") -> dict:
    out = copy.deepcopy(_object(section, where))
    defaults = default_training()

    loss = out.get("loss", defaults["loss"])
    out["loss"] = _choice(loss, tuple(LOSSES), f"{where}.loss")
    loss_params = _object(out.get("loss_params", {}), f"{where}.loss_params")
    loss_params = _choice_params(LOSSES, out["loss"], loss_params, f"{where}.loss_params")
    if loss_params or "loss_params" in out:
        out["loss_params"] = loss_params

    out["optimizer"] = _validate_optimizer(out.get("optimizer", defaults["optimizer"]), f"{where}.optimizer")
    for key in ("epochs", "batch_size", "shuffle"):
        out[key] = _setting(key, out.get(key, defaults[key]), f"{where}.{key}")
    out["seed"] = _seed(out.get("seed", defaults["seed"]), f"{where}.seed")

    reg = dict(_object(out.get("regularization", defaults["regularization"]), f"{where}.regularization"))
    for key in ("l1", "l2"):
        reg[key] = _setting(key, reg.get(key, TRAINING_SPECS[key].default), f"{where}.regularization.{key}")
    out["regularization"] = reg

    out["early_stopping"] = _validate_early_stopping(out.get("early_stopping"), f"{where}.early_stopping")
    for key, choices in (("engine", ENGINES), ("device", DEVICES)):  # version 2: the optional PyTorch engine
        if out.get(key) is not None:
            out[key] = _choice(out[key], choices, f"{where}.{key}")
    if out.get("schedule") is not None:
        out["schedule"] = _validate_schedule(out["schedule"], f"{where}.schedule")
    return out


def _validate_optimizer(opt: Any, where: str) -> dict:
    if isinstance(opt, str):  # hand-written shorthand: "adam" → {"type": "adam", defaults}
        opt = {"type": opt}
    opt = _object(opt, where)
    kind = _choice(opt.get("type"), tuple(OPTIMIZERS), f"{where}.type")
    return _choice_params(OPTIMIZERS, kind, opt, where)


def _choice_params(table: dict, name: str, params: dict, where: str) -> dict:
    try:
        return coerce_choice_params(table, name, params, where)
    except DesignerError as err:
        raise ProjectError(err.message, err.where) from None


def _validate_early_stopping(es: Any, where: str) -> dict | None:
    if es is None or es is False:
        return None
    es = dict(_object(es, where))
    es["monitor"] = _choice(es.get("monitor", "val_loss"), MONITORS, f"{where}.monitor")
    for key in ("patience", "restore_best_weights", "min_delta"):
        es[key] = _setting(key, es.get(key, TRAINING_SPECS[key].default), f"{where}.{key}")
    return es


def _validate_schedule(schedule: Any, where: str) -> dict:
    schedule = dict(_object(schedule, where))
    kind = _choice(schedule.get("type"), tuple(SCHEDULES), f"{where}.type")
    if "min_learning_rate" in schedule and "min_lr" not in schedule:  # the name early files used
        schedule["min_lr"] = schedule.pop("min_learning_rate")
    for spec in SCHEDULES[kind]:
        value = schedule.get(spec.name)
        if value is not None:
            schedule[spec.name] = _coerce(spec, value, f"{where}.{spec.name}")
        elif spec.default is not None:
            schedule[spec.name] = spec.default
        else:
            schedule.pop(spec.name, None)
    return schedule
