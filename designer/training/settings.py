"""The training settings as one typed table: each setting's type, default and range, written once.

Read by the trainer (defaults and coercion at run time), the project validator (the rules a file must keep),
the project's defaults (`designer.project.model.default_training`) and the training panel (editor ranges).
Learning-rate schedules have their table in `designer.training.schedules.SCHEDULE_PARAMS`; losses and
optimizers theirs in `designer.engine.registry`.
"""

from __future__ import annotations

from designer.engine.registry import ParamSpec

MAX_SEED = 2**32 - 1  # the widest seed every NumPy RNG entry point accepts

TRAINING_SPECS: dict[str, ParamSpec] = {
    s.name: s
    for s in (
        ParamSpec("epochs", "int", 50, 1, 1_000_000, doc="passes over the training rows"),
        ParamSpec("batch_size", "int", 32, 1, 1_000_000, doc="rows per weight update"),
        ParamSpec("shuffle", "bool", True, doc="shuffle the training rows every epoch"),
        ParamSpec("seed", "int", None, 0, MAX_SEED, doc="same seed, same run (empty: a new one each time)"),
        ParamSpec("l1", "float", 0.0, 0.0, None, doc="L1 penalty on kernel weights"),
        ParamSpec("l2", "float", 0.0, 0.0, None, doc="L2 penalty on kernel weights"),
        ParamSpec("patience", "int", 5, 0, 1_000_000, doc="epochs without improvement before stopping"),
        ParamSpec("min_delta", "float", 0.0, 0.0, None, doc="the least change that counts as improvement"),
        ParamSpec("restore_best_weights", "bool", True, doc="end with the best epoch's weights"),
    )
}


def default(name: str):
    return TRAINING_SPECS[name].default
