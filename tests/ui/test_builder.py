"""Quick builder and templates: the chain is built, and every template analyses without errors."""

from __future__ import annotations

import pytest

from designer.errors import ParamError
from designer.graph.model import Graph
from designer.ui.builder import TEMPLATES, QuickBuilderDialog, build_mlp


def test_build_mlp_chain(qapp):
    g = Graph()
    ids = build_mlp(g, 3, 8, "tanh", 2, "softmax")
    assert [g.nodes[i].type for i in ids] == ["Input", "Dense", "Dense", "Dense", "Dense"]
    assert g.edges == list(zip(ids, ids[1:]))
    assert [g.nodes[i].params.get("units") for i in ids[1:]] == [8, 8, 8, 2]
    assert g.nodes[ids[-1]].params["activation"] == "softmax"
    analysis = g.analyze((5,))
    assert analysis.ok and analysis.shapes[ids[-1]] == (2,)
    xs = [g.nodes[i].position[0] for i in ids]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # laid out left → right


def test_build_mlp_refuses_mismatched_widths(qapp):
    with pytest.raises(ParamError, match="2 neuron counts for 3"):
        build_mlp(Graph(), 3, [4, 4], "relu", 1, "linear")
    with pytest.raises(ParamError, match="activation must be one of"):
        build_mlp(Graph(), 1, 4, "swish!", 1, "linear")


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_templates_analyse_without_errors(qapp, name):
    g = Graph()
    TEMPLATES[name](g)
    analysis = g.analyze((4,))
    assert analysis.ok, [p.message for p in analysis.problems]
    assert len(g.output_nodes()) == 1


def test_cnn_template_fits_8x8_digits(qapp):
    g = Graph()
    TEMPLATES["Small CNN (8×8 digits)"](g)
    analysis = g.analyze(None)
    assert analysis.ok
    assert analysis.shapes[g.output_nodes()[0]] == (10,)


def test_dialog_builds_mlp_and_template(qtbot):
    dialog = QuickBuilderDialog()
    qtbot.addWidget(dialog)
    dialog.hidden.setValue(2)
    dialog.neurons.setText("12, 6")
    dialog.outputs.setValue(3)
    dialog.output_activation.setCurrentIndex(dialog.output_activation.findData("softmax"))
    dialog._try_accept()
    g = dialog.graph
    assert [n.params.get("units") for n in g.nodes.values()] == [None, 12, 6, 3]
    dialog.neurons.setText("twelve")
    with pytest.raises(ParamError, match="whole numbers"):
        dialog.result_graph()
    dialog.tabs.setCurrentIndex(1)
    dialog.template.setCurrentText("Residual block")
    assert any(n.type == "Add" for n in dialog.result_graph().nodes.values())


def test_insert_into_canvas_is_one_undo_step(qtbot):
    from tests.ui.canvas_helpers import make_view

    view = make_view(qtbot)
    g = Graph()
    TEMPLATES["Residual block"](g)
    ids = view.insert_graph(g, "Template")
    assert len(ids) == len(g.nodes) and len(view.graph.edges) == len(g.edges)
    view.undo_stack.undo()
    assert view.graph.nodes == {}


def test_quick_builder_uses_the_existing_input_and_the_datas_classes(make_window, qtbot):
    """A new project has its Input: the builder's stack hangs off it (no second Input), and for the 3-class iris
    data the output layer gets 3 softmax units. Then Train accepts the network."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from designer.ui.main_window import new_project
    from tests.ui.gestures import on_next_dialog

    window = make_window(new_project())
    panel = window.data_panel
    qtbot.waitUntil(lambda: "prepared" in panel.origin, timeout=10_000)

    def check(dialog):
        assert dialog.outputs.value() == 3 and dialog.output_activation.currentData() == "softmax"
        assert "3 classes" in dialog.data_note.text()

    seen = on_next_dialog(check)
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    if not seen:
        window.act_builder.trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    graph = window.project.graph
    assert graph.input_nodes() == ["input_1"] or len(graph.input_nodes()) == 1
    assert window.project.graph.analyze(window.session.refresh_input_shape()).ok
    out = graph.nodes[graph.output_nodes()[0]]
    assert out.params["units"] == 3 and out.params["activation"] == "softmax"
    window.undo_stack.undo()  # one step takes it all back
    assert len(graph.nodes) == 1
