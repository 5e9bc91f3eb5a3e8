"""Guided lessons: small example projects, a short text, a task, and the experiment that makes the point.

Each lesson has two or three variants (projects built in code, like the start page's examples) and a
`check` that trains them all headless and says in one line whether the lesson's point shows
(`run_lesson`). The window opens a variant with the lesson's text beside it; the tests run every lesson to
its point.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from designer.graph import Graph
from designer.project.model import Project, default_data, default_training


def _stack(layers: list[tuple[str, dict]]) -> Graph:
    graph = Graph()
    prev = None
    for i, (kind, params) in enumerate(layers):
        node = graph.add_node(kind, params, (220.0 * i, 0.0))
        if prev is not None:
            graph.connect(prev, node.id)
        prev = node.id
    return graph


def _project(name: str, layers, source: dict, target: str, task: str, **training) -> Project:
    data = default_data()
    data.update(source=source, target=target, task=task)
    if task == "regression":
        data["split"] = {"validation": 0.2, "test": 0.0, "shuffle": True, "stratify": False, "seed": 0}
    cfg = default_training()
    cfg.update(training)
    return Project(name, _stack(layers), data, cfg)


@dataclass
class Variant:
    label: str
    build: Callable[[], Project]


@dataclass
class LessonResult:
    """What the variants reached (final metrics per variant label) and whether the point showed."""

    metrics: dict[str, dict]
    reached: bool
    summary: str
    details: dict = field(default_factory=dict)


@dataclass
class Lesson:
    key: str
    title: str
    text: str  # the idea, a few sentences
    task: str  # what the learner does
    variants: list[Variant]
    check: Callable[[dict[str, dict], dict], tuple[bool, str]]  # (metrics per variant, details) → verdict
    concepts: tuple[str, ...] = ()

    def variant(self, label: str) -> Variant:
        return next(v for v in self.variants if v.label == label)


# ---------------------------------------------------------------------------------------------- 1. XOR
XOR_SOURCE = {"kind": "builtin", "name": "xor", "samples": 400, "noise": 0.0, "seed": 0}


def xor_linear() -> Project:
    return _project("Lesson: XOR without a hidden layer",
                    [("Input", {}), ("Dense", {"units": 2, "activation": "softmax"})],
                    XOR_SOURCE, "label", "classification", epochs=150, batch_size=16,
                    optimizer={"type": "adam", "learning_rate": 0.03})


def xor_hidden() -> Project:
    return _project("Lesson: XOR with a hidden layer",
                    [("Input", {}), ("Dense", {"units": 8, "activation": "tanh"}),
                     ("Dense", {"units": 2, "activation": "softmax"})],
                    XOR_SOURCE, "label", "classification", epochs=150, batch_size=16,
                    optimizer={"type": "adam", "learning_rate": 0.03})


def _check_xor(m: dict, _details: dict) -> tuple[bool, str]:
    flat, deep = m["without a hidden layer"], m["with a hidden layer"]
    ok = max(flat["accuracy"], flat["val_accuracy"]) <= 0.75 and deep["accuracy"] == 1.0 and \
        deep["val_accuracy"] >= 0.97
    return ok, (f"without a hidden layer: {flat['accuracy']:.0%} training and {flat['val_accuracy']:.0%} "
                f"validation accuracy (a straight line cannot separate XOR); with 8 tanh units: "
                f"{deep['accuracy']:.0%} and {deep['val_accuracy']:.0%}")


# ---------------------------------------------------------------------------------------------- 2. learning rate
MOONS = {"kind": "builtin", "name": "moons", "samples": 400, "noise": 0.15, "seed": 0}


def _lr_project(lr: float, label: str) -> Callable[[], Project]:
    def build() -> Project:
        return _project(f"Lesson: learning rate {label}",
                        [("Input", {}), ("Dense", {"units": 16, "activation": "relu"}),
                         ("Dense", {"units": 2, "activation": "softmax"})],
                        MOONS, "label", "classification", epochs=30, batch_size=16,
                        optimizer={"type": "sgd", "learning_rate": lr, "momentum": 0.0, "nesterov": False})
    return build


def _check_lr(m: dict, details: dict) -> tuple[bool, str]:
    low, good, high = (details[k] for k in ("too low (0.0001)", "about right (0.1)", "too high (8)"))
    broke = m["too high (8)"]["reason"] == "nan"
    ok = (low["loss"] > 0.9 * low["first_loss"] and good["loss"] < 0.5 * good["first_loss"]
          and (broke or (high["loss"] > 2 * good["loss"] and high["jumps"] > 3 * good["jumps"])))
    guessing = " — no better than guessing: its ReLUs died" if abs(high["loss"] - math.log(2)) < 0.01 else ""
    high_text = "training broke down (NaN)" if broke else (
        f"the loss jumps around (it rose by up to {high['jumps']:.2g} between epochs) and ends at "
        f"{high['loss']:.3g}{guessing}")
    return ok, (f"0.0001: the training loss went from {low['first_loss']:.3g} to {low['loss']:.3g} in 30 epochs; "
                f"0.1: from {good['first_loss']:.3g} to {good['loss']:.3g}; 8: {high_text}")


# ---------------------------------------------------------------------------------------------- 3. overfitting
SMALL_NOISY = {"kind": "builtin", "name": "circle", "samples": 120, "noise": 0.35, "seed": 3}


def _overfit_project(dropout: float) -> Callable[[], Project]:
    def build() -> Project:
        layers = [("Input", {}), ("Dense", {"units": 64, "activation": "relu"})]
        if dropout:
            layers.append(("Dropout", {"rate": dropout}))
        layers += [("Dense", {"units": 64, "activation": "relu"})]
        if dropout:
            layers.append(("Dropout", {"rate": dropout}))
        layers += [("Dense", {"units": 2, "activation": "softmax"})]
        name = "Lesson: overfitting" + (f", dropout {dropout}" if dropout else "")
        project = _project(name, layers, SMALL_NOISY, "label", "classification", epochs=150, batch_size=16,
                           optimizer={"type": "adam", "learning_rate": 0.01})
        project.data["split"] = {"validation": 0.4, "test": 0.0, "shuffle": True, "stratify": True, "seed": 0}
        return project
    return build


def _check_overfit(m: dict, details: dict) -> tuple[bool, str]:
    base, drop = details["no dropout"], details["dropout 0.5"]
    ok = base["gap"] > 1.3 * drop["gap"] and base["rise"] > 0.3 and drop["rise"] < base["rise"]
    return ok, (f"no dropout: training loss {base['loss']:.3g}, validation loss {base['val_loss']:.3g} (it rose "
                f"{base['rise']:.2g} above its best); dropout 0.5: {drop['loss']:.3g} vs {drop['val_loss']:.3g}")


# ---------------------------------------------------------------------------------------------- 4. losses
OUTLIERS = {"kind": "builtin", "name": "line_outliers"}


def _loss_project(loss: str) -> Callable[[], Project]:
    def build() -> Project:
        project = _project(f"Lesson: {loss} with outliers", [("Input", {}), ("Dense", {"units": 1, "activation":
                                                                                        "linear"})],
                           OUTLIERS, "y", "regression", loss=loss, epochs=150, batch_size=16,
                           optimizer={"type": "adam", "learning_rate": 0.05})
        if loss == "huber":
            project.training["loss_params"] = {"delta": 0.3}
        project.data["target_scaling"] = "none"  # the line in the data's own units: y = 2x + 1
        project.data["scaling"] = "none"
        return project
    return build


def _check_losses(m: dict, details: dict) -> tuple[bool, str]:
    fits = {label: details[label]["line"] for label in ("MSE", "MAE", "Huber")}
    off = {label: abs(a - 2.0) + abs(b - 1.0) for label, (a, b) in fits.items()}
    ok = off["MSE"] > 1.0 and off["MAE"] < 0.5 and off["Huber"] < 0.5
    parts = [f"{label}: y = {a:.2f}x + {b:.2f}" for label, (a, b) in fits.items()]
    return ok, "the true line is y = 2x + 1; " + "; ".join(parts)


# ---------------------------------------------------------------------------------------------- 5. vanishing
def _deep_project(activation: str) -> Callable[[], Project]:
    def build() -> Project:
        layers = [("Input", {})] + [("Dense", {"units": 16, "activation": activation})] * 8
        layers.append(("Dense", {"units": 2, "activation": "softmax"}))
        return _project(f"Lesson: eight {activation} layers", layers,
                        {"kind": "builtin", "name": "circle", "samples": 400, "noise": 0.0, "seed": 0},
                        "label", "classification", epochs=30, batch_size=16,
                        optimizer={"type": "sgd", "learning_rate": 0.1, "momentum": 0.0, "nesterov": False})
    return build


def _check_vanishing(m: dict, details: dict) -> tuple[bool, str]:
    sig, relu = details["sigmoid"], details["relu"]
    ok = (sig["first_to_last"] < 0.05 and relu["first_to_last"] > 5 * sig["first_to_last"]
          and m["relu"]["val_accuracy"] >= 0.9 and m["sigmoid"]["val_accuracy"] <= 0.7)
    return ok, (f"sigmoid: the first layer's gradient is {sig['first_to_last']:.1e} × the last one's, "
                f"{m['sigmoid']['val_accuracy']:.0%} accuracy; relu: {relu['first_to_last']:.2g} ×, "
                f"{m['relu']['val_accuracy']:.0%}")


LESSONS: dict[str, Lesson] = {lesson.key: lesson for lesson in (
    Lesson("xor", "Why hidden layers? XOR",
           "In XOR, opposite corners share a class. One straight line cannot separate them, and a network "
           "without a hidden layer can only draw straight lines. One hidden layer of a few units bends the "
           "boundary.",
           "Train the network without a hidden layer (F5) and look at the Decision boundary tab and the "
           "accuracy. Then open the variant with a hidden layer (or drag a Dense layer of 8 tanh units between "
           "Input and the output yourself) and train again.",
           [Variant("without a hidden layer", xor_linear), Variant("with a hidden layer", xor_hidden)],
           _check_xor, ("hidden_layer", "decision_boundary", "activation")),
    Lesson("learning_rate", "Learning rate too high and too low",
           "The learning rate is the step size of gradient descent. Too small and the loss barely moves; too "
           "large and every step overshoots, so the loss jumps around or explodes.",
           "Train the three variants and compare their loss curves (tick the runs to overlay them). Then try "
           "Train ▸ Find learning rate… on one of them.",
           [Variant("too low (0.0001)", _lr_project(1e-4, "too low")),
            Variant("about right (0.1)", _lr_project(0.1, "about right")),
            Variant("too high (8)", _lr_project(8.0, "too high"))],
           _check_lr, ("learning_rate", "gradient_descent", "lr_finder")),
    Lesson("overfitting", "Overfitting and dropout",
           "A big network and few noisy rows: it learns the noise by heart. The training loss keeps falling "
           "while the validation loss turns up. Dropout switches off random units while training, so the "
           "network cannot memorise as easily: the gap between the two curves narrows.",
           "Train the variant without dropout and watch the Overfitting tab: where do the curves part? Then "
           "train the variant with Dropout layers of rate 0.5 and compare.",
           [Variant("no dropout", _overfit_project(0.0)), Variant("dropout 0.5", _overfit_project(0.5))],
           _check_overfit, ("overfitting", "Dropout", "validation")),
    Lesson("losses", "Choosing a loss: MAE, MSE or Huber with outliers",
           "The data lie on y = 2x + 1, except 24 rows far above the line. Squared error punishes those few "
           "rows so hard that the fitted line moves towards them; absolute error and Huber give every error a "
           "bounded pull and stay with the bulk of the data.",
           "Train each variant (one linear unit: its kernel is the slope, its bias the intercept) and compare "
           "the lines: Evaluation tab, or the Neurons tab's weights.",
           [Variant("MSE", _loss_project("mean_squared_error")), Variant("MAE", _loss_project("mean_absolute_error")),
            Variant("Huber", _loss_project("huber"))],
           _check_losses, ("mean_squared_error", "mean_absolute_error", "huber")),
    Lesson("vanishing", "Vanishing gradients: deep sigmoid against ReLU",
           "Backpropagation multiplies one factor per layer. The sigmoid's slope is at most 0.25, so through "
           "eight sigmoid layers the gradient shrinks to almost nothing before it reaches the first layers, "
           "and they hardly learn. ReLU passes gradients at full strength.",
           "Train both variants and open the Weights & gradients tab: compare the gradient norms of the first "
           "and the last layers, and the accuracy.",
           [Variant("sigmoid", _deep_project("sigmoid")), Variant("relu", _deep_project("relu"))],
           _check_vanishing, ("vanishing_gradients", "sigmoid", "relu", "backpropagation")),
)}


# ---------------------------------------------------------------------------------------------- running
def run_variant(project: Project, base_dir=None, control=None) -> tuple[dict, dict]:
    """Train one variant headless: (final metrics, details the checks read)."""
    from designer.training.run import TrainingRun

    grads: list[dict] = []

    def on_event(event) -> None:
        norms = getattr(event, "extras", {}).get("grad_norms") if hasattr(event, "extras") else None
        if norms:
            grads.append(norms)

    run = TrainingRun(project, base_dir, reset=True, on_event=on_event, probe_interval=0.0, control=control)
    outcome = run.run()
    history = outcome.result.history
    metrics = dict(outcome.metrics)
    details: dict = {}
    if history and "val_loss" in history[-1]:
        val = [h["val_loss"] for h in history]
        details.update(loss=history[-1]["loss"], val_loss=val[-1], gap=val[-1] - history[-1]["loss"],
                       rise=val[-1] - min(val), first_loss=history[0]["loss"],
                       jumps=max([b["loss"] - a["loss"] for a, b in zip(history, history[1:])] + [0.0]))
    if grads:
        order = [nid for nid in run.network.order if nid in grads[-1]]
        # the mean over the run's epochs of first-layer / last-layer gradient norm
        ratios = [g[order[0]] / g[order[-1]] for g in grads if g.get(order[-1])]
        details["first_to_last"] = sum(ratios) / len(ratios) if ratios else math.nan
    if project.data.get("task") == "regression" and run.network is not None:
        import numpy as np

        from designer.training.run import build_and_prepare

        _, prepared = build_and_prepare(project, base_dir)
        pre = prepared.preprocessor
        xs = np.array([[0.0], [1.0]], dtype=np.float32)
        feats = pre.transform(_frame(xs, prepared)) if pre is not None else xs
        y = run.network.predict(np.asarray(feats, dtype=np.float32)).reshape(-1)
        details["line"] = (float(y[1] - y[0]), float(y[0]))
    return metrics, details


def _frame(xs, prepared):
    import pandas as pd

    return pd.DataFrame(xs, columns=list(prepared.feature_names))


def run_lesson(lesson: Lesson, base_dir=None, control=None) -> LessonResult:
    """Train every variant; a stopped `control` ends the lesson early (TrainingError: "stopped")."""
    from designer.errors import TrainingError

    metrics, details = {}, {}
    for variant in lesson.variants:
        metrics[variant.label], details[variant.label] = run_variant(variant.build(), base_dir, control)
        if metrics[variant.label].get("reason") == "stopped":
            raise TrainingError("the experiment was stopped")
    reached, summary = lesson.check(metrics, details)
    return LessonResult(metrics, reached, summary, details)
