"""Bring an older `project.json` forward to the current version, one step at a time.

`MIGRATIONS[v]` turns a version-`v` document into a version-`v + 1` one. Files from a newer Network
Designer are refused with a message naming both versions: guessing at a future format could lose work.

Version 0 was the pre-release layout, still read so early files open:
- `graph.layers` instead of `graph.nodes`, each layer with `name` instead of `id`;
- `graph.links` instead of `graph.edges`, each link an object `{"from": id, "to": id}`;
- `training.optimizer` a bare name, with `training.learning_rate` beside it.
Version 1 had no `data.target_scaling`: its regression targets were used unscaled (now `"none"`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from designer.errors import ProjectError
from designer.project.model import FORMAT_VERSION
from designer.project.validate import check_header, describe, single_line_errors


def _v0_to_v1(doc: dict) -> dict:
    out = copy.deepcopy(doc)
    graph = out.get("graph")
    if isinstance(graph, dict):
        if "layers" in graph and "nodes" not in graph:
            layers = graph.pop("layers")
            if isinstance(layers, list):
                layers = [_rename(layer, "name", "id") for layer in layers]
            graph["nodes"] = layers
        if "links" in graph and "edges" not in graph:
            links = graph.pop("links")
            if isinstance(links, list):
                links = [[lk.get("from"), lk.get("to")] if isinstance(lk, dict) else lk for lk in links]
            graph["edges"] = links
    training = out.get("training")
    if isinstance(training, dict) and isinstance(training.get("optimizer"), str):
        opt: dict[str, Any] = {"type": training["optimizer"]}
        if "learning_rate" in training:
            opt["learning_rate"] = training.pop("learning_rate")
        training["optimizer"] = opt
    out["version"] = 1
    return out


def _rename(obj: Any, old: str, new: str) -> Any:
    if isinstance(obj, dict) and old in obj and new not in obj:
        obj = dict(obj)
        obj[new] = obj.pop(old)
    return obj


def _v1_to_v2(doc: dict) -> dict:
    """Version 2 standardises a regression target by default; a version-1 file trained on the raw target, so
    it keeps `target_scaling: "none"` and behaves as before."""
    out = copy.deepcopy(doc)
    data = out.get("data")
    if isinstance(data, dict):
        data.setdefault("target_scaling", "none")
    out["version"] = 2
    return out


MIGRATIONS: dict[int, Callable[[dict], dict]] = {0: _v0_to_v1, 1: _v1_to_v2}


@single_line_errors
def migrate(doc: Any) -> dict:
    """Return `doc` (a parsed project.json) at FORMAT_VERSION. Raises ProjectError for unknown versions."""
    version = check_header(doc)
    if version > FORMAT_VERSION:
        raise ProjectError(
            f"this project was written by a newer Network Designer (file version {version}; "
            f"this version reads up to {FORMAT_VERSION})"
        )
    while version < FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ProjectError(f"file version {version} is not one this Network Designer can read", "version")
        doc = step(doc)
        new_version = doc.get("version")
        if new_version != version + 1:  # a migration bug, not the user's: say so plainly
            raise AssertionError(f"migration from version {version} produced version {describe(new_version)}")
        version = new_version
    return doc
