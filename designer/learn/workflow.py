"""The workflow rail's steps and their states, without Qt: Ingest → Clean → Prepare → Explore → Design →
Train → Evaluate → Deploy, each "done", "attention" (something to fix or look at, with the reason) or "todo".

`workflow_states` reads only plain facts: the project, what the data view found (`data`: loaded, load_error,
missing_cells, prepare_error, validation_rows), the graph's problems, and two things only the window knows
(the data was looked at; an export was written).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

STEPS = (("ingest", "Ingest"), ("clean", "Clean"), ("prepare", "Prepare"), ("explore", "Explore"),
         ("design", "Design"), ("train", "Train"), ("evaluate", "Evaluate"), ("deploy", "Deploy"))
STATES = ("done", "attention", "todo")
OVERFIT_RISE = 0.10  # the last validation loss this far above its best: the run overfitted


@dataclass(frozen=True)
class StepState:
    key: str
    title: str
    state: str  # one of STATES
    reason: str


def _last_run(project) -> dict | None:
    return project.history[-1] if project.history else None


def workflow_states(project, *, data: dict | None = None, problems: list[str] | tuple = (),
                    explored: bool = False, exported: bool = False) -> list[StepState]:
    data = data or {}
    out: dict[str, tuple[str, str]] = {}
    loaded, load_error = bool(data.get("loaded")), data.get("load_error")
    source = (project.data or {}).get("source") or {}
    name = source.get("name") or source.get("path") or "the data"

    if load_error:
        out["ingest"] = ("attention", f"cannot read the data: {load_error}")
    elif loaded:
        out["ingest"] = ("done", f"{name} is read")
    else:
        out["ingest"] = ("todo", "pick a dataset on the Data tab or import a file")

    missing = int(data.get("missing_cells") or 0)
    policy = (project.data or {}).get("missing", "drop")
    if not loaded:
        out["clean"] = ("todo", "read the data first")
    elif missing:
        out["clean"] = ("done", f"{missing:,} missing cells, handled by '{policy}'")
    else:
        out["clean"] = ("done", "no missing values")

    if not loaded:
        out["prepare"] = ("todo", "read the data first")
    elif data.get("prepare_error"):
        out["prepare"] = ("attention", str(data["prepare_error"]))
    elif not data.get("validation_rows"):
        out["prepare"] = ("attention", "no validation rows: overfitting cannot be seen; set a validation fraction")
    else:
        out["prepare"] = ("done", f"target '{(project.data or {}).get('target')}', "
                                  f"{data['validation_rows']:,} validation rows")

    out["explore"] = (("done", "the data was looked at") if explored else
                      ("todo", "look at the columns, histograms and correlations on the Data tab"))

    nodes = len(project.graph.nodes)
    if problems:
        out["design"] = ("attention", problems[0])
    elif nodes < 2:
        out["design"] = ("todo", "add layers after the Input layer")
    else:
        out["design"] = ("done", f"{nodes} layers, no problems")

    run = _last_run(project)
    if run is None:
        out["train"] = ("todo", "press Train from scratch (F5)")
    elif run.get("reason") == "nan":
        out["train"] = ("attention", "the last run broke down (NaN): lower the learning rate")
    else:
        out["train"] = ("done", f"{len(run.get('epochs') or [])} epochs, {run.get('reason')}")

    epochs = (run or {}).get("epochs") or []
    val = [e["val_loss"] for e in epochs if isinstance(e.get("val_loss"), (int, float))
           and math.isfinite(e["val_loss"])]
    if run is None or run.get("reason") == "nan":
        out["evaluate"] = ("todo", "train first")
    elif not val:
        out["evaluate"] = ("attention", "the run has no validation scores to judge it by")
    elif val[-1] > (1 + OVERFIT_RISE) * min(val) and run.get("reason") != "early_stopping":
        out["evaluate"] = ("attention", f"overfitting: validation loss ended at {val[-1]:.3g}, its best was "
                                        f"{min(val):.3g}; try the Overfitting lab")
    else:
        out["evaluate"] = ("done", f"validation loss {val[-1]:.3g}")

    if exported:
        out["deploy"] = ("done", "exported")
    elif project.weights:
        out["deploy"] = ("todo", "trained weights are ready: File ▸ Export…")
    else:
        out["deploy"] = ("todo", "train first, then File ▸ Export…")
    return [StepState(key, title, *out[key]) for key, title in STEPS]
