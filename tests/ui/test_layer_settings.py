"""Layer settings changed in the Properties panel of the main window (typed, arrow keys, clicked), checked in
the graph, in the saved file, and in the next run: the trained weights' shapes, and the loss curve of a
headless run on a network the test edits itself."""

from __future__ import annotations

import pytest

from designer.project.io import load_project, save_project
from designer.training import Trainer
from designer.training.run import build_and_prepare
from tests.ui.conftest import spiral_project
from tests.ui.widget_input import choose, click_check, type_value

TIMEOUT = 60_000


def _window(make_window, tmp_path):
    project = spiral_project(epochs=2, samples=120)
    path = tmp_path / "layers.nnproj"
    save_project(project, path)
    window = make_window(load_project(path), str(path))
    hidden = [n for n in window.project.graph.topological_order()
              if window.project.graph.nodes[n].type == "Dense"][0]
    window.canvas.select_node(hidden)
    assert window.properties.node_id == hidden
    return window, window.properties, path, hidden


EDITS = [
    ("units", lambda e: type_value(e["units"].widget, "10"), 10),
    ("activation", lambda e: choose(e["activation"].widget, "relu"), "relu"),
    ("use_bias", lambda e: click_check(e["use_bias"].widget), False),
    ("kernel_initializer", lambda e: choose(e["kernel_initializer"].widget, "he_normal"), "he_normal"),
]


@pytest.mark.parametrize(("name", "edit", "value"), EDITS, ids=[e[0] for e in EDITS])
def test_each_dense_setting_reaches_the_graph_and_the_saved_file(make_window, qtbot, tmp_path, name, edit, value):
    window, panel, file, hidden = _window(make_window, tmp_path)
    assert window.project.graph.nodes[hidden].params.get(name) != value
    edit(panel.editors)
    assert window.project.graph.nodes[hidden].params[name] == value
    window.act_save.trigger()
    assert load_project(file).graph.nodes[hidden].params[name] == value
    window.act_undo.trigger()
    assert window.project.graph.nodes[hidden].params.get(name) != value


def test_the_next_run_trains_the_edited_layer(make_window, qtbot, tmp_path):
    window, panel, file, hidden = _window(make_window, tmp_path)
    for _, edit, _ in EDITS:
        edit(panel.editors)
        qtbot.wait(10)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        window.training_panel.train_btn.click()
    weights = window.project.weights
    assert weights[f"{hidden}/kernel"].shape == (2, 10)
    assert f"{hidden}/bias" not in weights
    after = next(dst for src, dst in window.project.graph.edges if src == hidden)
    assert weights[f"{after}/kernel"].shape[0] == 10

    headless = load_project(file)  # the network as saved before the edits, edited here by hand
    headless.graph.set_param(hidden, "units", 10)
    headless.graph.set_param(hidden, "activation", "relu")
    headless.graph.set_param(hidden, "use_bias", False)
    headless.graph.set_param(hidden, "kernel_initializer", "he_normal")
    network, prepared = build_and_prepare(headless, tmp_path)
    reference = Trainer(network, prepared, headless.training).run().history
    run = window.project.history[-1]
    assert [e["loss"] for e in run["epochs"]] == pytest.approx([e["loss"] for e in reference], rel=1e-5)


def test_dropout_rate_typed_reaches_the_graph(make_window, qtbot, tmp_path):
    window, panel, file, hidden = _window(make_window, tmp_path)
    window.palette.add_requested.emit("Dropout")
    dropout = [n for n, node in window.project.graph.nodes.items() if node.type == "Dropout"][0]
    window.canvas.select_node(dropout)
    type_value(panel.editors["rate"].widget, "0.35")
    assert window.project.graph.nodes[dropout].params["rate"] == pytest.approx(0.35)
    window.act_save.trigger()
    assert load_project(file).graph.nodes[dropout].params["rate"] == pytest.approx(0.35)
