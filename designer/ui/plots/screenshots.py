"""Screenshots of the dashboard after real tiny training runs (for docs/screenshots and visual checks).

    python -m designer.ui.plots.screenshots docs/screenshots

Trains a spiral classifier (decision boundary) and a 10-class digits network (histograms, confusion
matrix) on the NumPy engine, feeds the real events into a TrainingDashboard, and saves PNGs in a light
and a dark palette.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def train_events(dataset: str, hidden: list[tuple[int, str]], epochs: int, *, lr: float = 0.01,
                 boundary: bool = False, seed: int = 0, batch_size: int = 32):
    """Train a small Dense network on a builtin dataset; return (events, network, prepared, layer_ids, kinds)."""
    from designer.data import prepare_data
    from designer.engine.network import Network
    from designer.graph.model import Graph
    from designer.training import Trainer
    from designer.training.probes import boundary_grid

    prepared = prepare_data({"source": {"kind": "builtin", "name": dataset}})
    regression = prepared.task == "regression"
    graph = Graph()
    previous = graph.add_node("Input", {}, node_id="input").id
    kinds = {}
    for i, (units, activation) in enumerate(hidden, start=1):
        node = graph.add_node("Dense", {"units": units, "activation": activation}, node_id=f"dense_{i}").id
        graph.connect(previous, node)
        kinds[node] = activation
        previous = node
    head = {"units": 1, "activation": "linear"} if regression else {"units": len(prepared.classes),
                                                                    "activation": "softmax"}
    out = graph.add_node("Dense", head, node_id="output").id
    graph.connect(previous, out)
    kinds[out] = head["activation"]
    network = Network.from_graph(graph, input_shape=tuple(prepared.input_shape), seed=seed)
    events = []

    def on_event(event):
        if boundary and type(event).__name__ == "EpochEnd":
            event.extras["boundary"] = boundary_grid(network.predict, prepared.x_train, 60)
            if event.epoch == 1:
                event.extras["points"] = (prepared.x_train, prepared.y_train)
        events.append(event)

    loss = "mean_squared_error" if regression else "categorical_crossentropy"
    cfg = {"epochs": epochs, "batch_size": batch_size, "seed": seed, "loss": loss,
           "optimizer": {"type": "adam", "learning_rate": lr}}
    Trainer(network, prepared, cfg, on_event=on_event).run()
    return events, network, prepared, [*kinds], kinds


def feed(dashboard, run_id: str, task: str, classes, layer_ids, kinds, events) -> None:
    dashboard.start_run(run_id, task, list(classes), list(layer_ids), layer_kinds=kinds)
    for event in events:
        name = type(event).__name__
        if name == "TrainingStarted":
            dashboard.on_started(event)
        elif name == "BatchEnd":
            dashboard.on_batch(event)
        elif name == "EpochEnd":
            dashboard.on_epoch(event)
        elif name == "TrainingFinished":
            dashboard.on_finished(event)
    dashboard.flush()


def evaluation_result(network, prepared) -> dict:
    from designer.training.metrics import evaluate, precision_recall_f1

    if prepared.task == "regression":
        return {"y_true": prepared.y_val.ravel(), "y_pred": network.predict(prepared.x_val).ravel()}
    result = evaluate(network, prepared.x_val, prepared.y_val, "categorical_crossentropy", "classification",
                      list(prepared.classes))
    scores = precision_recall_f1(np.asarray(result["confusion_matrix"]))
    return {**result, "classes": list(prepared.classes),
            **{k: scores[k].tolist() for k in ("precision", "recall", "f1")}}


def dark_palette():
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    role = QPalette.ColorRole
    for r, c in ((role.Window, "#2b2b2b"), (role.WindowText, "#e6e6e6"), (role.Base, "#1e1e1e"),
                 (role.AlternateBase, "#2b2b2b"), (role.Text, "#e6e6e6"), (role.Button, "#353535"),
                 (role.ButtonText, "#e6e6e6"), (role.Highlight, "#3d7bd9"), (role.HighlightedText, "#ffffff"),
                 (role.ToolTipBase, "#353535"), (role.ToolTipText, "#e6e6e6")):
        p.setColor(r, QColor(c))
    return p


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from designer.ui.plots.dashboard import (
        TAB_ACTIVATIONS,
        TAB_BOUNDARY,
        TAB_EVALUATION,
        TAB_NORMS,
        TAB_OVERFITTING,
        TAB_TRAINING,
        TrainingDashboard,
    )

    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    app.setStyle("Fusion")
    spiral = train_events("spiral", [(16, "relu"), (16, "relu")], 60, lr=0.02, boundary=True)
    digits = train_events("digits", [(64, "relu"), (32, "tanh")], 15, lr=0.003)
    bumps = train_events("reg_gauss", [(16, "tanh"), (16, "tanh")], 40, lr=0.01, boundary=True)
    slow = train_events("spiral", [(16, "relu"), (16, "relu")], 60, lr=0.005, boundary=False)
    light = app.palette()
    runs = (("spiral", spiral), ("digits", digits), ("regression", bumps))
    for theme_name, palette in (("light", light), ("dark", dark_palette())):
        app.setPalette(palette)
        for run_name, (events, network, prepared, layer_ids, kinds) in runs:
            board = TrainingDashboard()
            board.resize(1280, 760)
            feed(board, run_name, prepared.task, prepared.classes, layer_ids, kinds, events)
            board.show()
            app.processEvents()
            shots = {"training": TAB_TRAINING, "activations": TAB_ACTIVATIONS, "norms": TAB_NORMS}
            if run_name != "digits":
                shots["boundary"] = TAB_BOUNDARY
            if run_name != "spiral":
                board.show_evaluation(evaluation_result(network, prepared))
                shots["evaluation"] = TAB_EVALUATION
            shots["overfitting"] = TAB_OVERFITTING
            for shot, index in shots.items():
                board.tabs.setCurrentIndex(index)
                board.flush()
                app.processEvents()
                board.grab().save(str(out / f"dashboard-{run_name}-{shot}-{theme_name}.png"))
            board.close()
            board.deleteLater()
            app.processEvents()
        # two runs of the same network, learning rate 0.02 against 0.005, overlaid
        board = TrainingDashboard()
        board.resize(1280, 760)
        for name, (events, _net, prepared, layer_ids, kinds) in (("lr 0.02", spiral), ("lr 0.005", slow)):
            feed(board, name, "classification", prepared.classes, layer_ids, kinds, events)
        board.runs_list.set_checked("lr 0.02", True)
        board.show()
        board.flush()
        app.processEvents()
        app.processEvents()
        board.grab().save(str(out / f"dashboard-compare-runs-{theme_name}.png"))
        board.close()
        board.deleteLater()
        app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
