"""The in-memory project: what a `.nnproj` file holds (spec: shared/spec/project-format.md)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from designer.data.settings import DATA_SPECS, default_split
from designer.graph import Graph
from designer.training.settings import TRAINING_SPECS

FORMAT_NAME = "nn-designer-project"
FORMAT_VERSION = 2


def default_data() -> dict:
    """A new project's data section: iris, with the defaults of designer/data/settings.py's table
    (target_scaling: version-1 files migrate to "none")."""
    return {
        "source": {"kind": "builtin", "name": "iris"},
        "target": "species",
        **{name: spec.default for name, spec in DATA_SPECS.items()},
        "split": default_split(),
    }


def default_training() -> dict:
    """A new project's training settings: the defaults of designer/training/settings.py's table (a file
    starts with seed 0, so a run can be repeated)."""
    return {
        "loss": "categorical_crossentropy",
        "optimizer": {"type": "sgd", "learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
        **{key: TRAINING_SPECS[key].default for key in ("epochs", "batch_size", "shuffle")},
        "seed": 0,
        "regularization": {key: TRAINING_SPECS[key].default for key in ("l1", "l2")},
        "early_stopping": None,
    }


@dataclass
class Project:
    """A user's work. `data` and `training` are the spec's sections as plain dicts (defaults filled in);
    `weights` maps "<node id>/<name>" to float32 arrays; `history` is the list of training runs
    (each {"settings": …, "epochs": [{"epoch": 1, "loss": …, "val_loss": …}, …]});
    `extra` keeps unknown top-level keys of project.json so a round trip does not drop them."""

    name: str = "Untitled"
    graph: Graph = field(default_factory=Graph)
    data: dict = field(default_factory=default_data)
    training: dict = field(default_factory=default_training)
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # What loading noticed but forgave (weights dropped or not fitting the graph, unreadable history);
    # never written to the file.
    warnings: list[str] = field(default_factory=list, compare=False, repr=False)

    def to_json_dict(self) -> dict:
        out = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "name": self.name,
            "graph": self.graph.to_dict(),
            "data": copy.deepcopy(self.data),
            "training": copy.deepcopy(self.training),
        }
        for k, v in self.extra.items():
            out.setdefault(k, copy.deepcopy(v))
        return out
