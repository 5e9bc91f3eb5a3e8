"""The data preparation settings as one typed table: each setting's type, default and choices, written once.

Read by the data preparation (`designer.data.prepare.resolve_config` fills defaults and refuses bad values),
the project validator (the rules a file must keep), the project's defaults
(`designer.project.model.default_data`) and the Data view / import dialog (`designer.ui.prep_fields`: the
combo boxes' items and what an absent key shows). The source and its columns are checked by the validator
and the catalogue; the training settings have their own table in `designer.training.settings`.
"""

from __future__ import annotations

from designer.engine.registry import ParamSpec
from designer.training.settings import MAX_SEED

# data.<name>
DATA_SPECS: dict[str, ParamSpec] = {
    s.name: s
    for s in (
        ParamSpec("task", "choice", "classification", choices=("classification", "regression"),
                  doc="what the network predicts: a class or a number"),
        ParamSpec("missing", "choice", "drop", choices=("drop", "mean", "median", "most_frequent"),
                  doc="what happens to a missing value: drop the row, or fill it from the training rows"),
        ParamSpec("scaling", "choice", "standard", choices=("standard", "minmax", "none"),
                  doc="how numeric features are scaled (fitted on the training rows)"),
        ParamSpec("target_scaling", "choice", "standard", choices=("standard", "none"),
                  doc="regression only: train on the standardised target, answer in its own units"),
    )
}

# data.split.<name>; validation + test must leave rows for training (the sum stays below 1)
SPLIT_SPECS: dict[str, ParamSpec] = {
    s.name: s
    for s in (
        ParamSpec("validation", "float", 0.2, 0.0, 1.0, exclusive_max=True, doc="share of rows held out to validate"),
        ParamSpec("test", "float", 0.1, 0.0, 1.0, exclusive_max=True, doc="share of rows held out to test"),
        ParamSpec("shuffle", "bool", True, doc="shuffle the rows before splitting"),
        ParamSpec("stratify", "bool", True, doc="classification: keep the class shares in every split"),
        ParamSpec("seed", "int", 0, 0, MAX_SEED, doc="the split's random seed"),
    )
}


def default(name: str):
    """The default of data.<name>."""
    return DATA_SPECS[name].default


def default_split() -> dict:
    return {name: spec.default for name, spec in SPLIT_SPECS.items()}
