"""The panels around the canvas: Keras-style summary, problems list, neurons view."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from designer.graph.model import Graph
from designer.ui.builder import TEMPLATES, build_mlp
from designer.ui.neurons_view import NeuronsView, dense_layers, kernel_of
from designer.ui.problems import ProblemsList
from designer.ui.summary import SummaryTable


def test_summary_rows_and_totals(qtbot):
    g = Graph()
    TEMPLATES["Residual block"](g)
    table = SummaryTable(g)
    qtbot.addWidget(table)
    table.set_input_shape((8,))
    rows = table.rows()
    assert rows[0] == ("input_1", "Input", "(None, 8)", "0")
    assert ("dense_1", "Dense", "(None, 32)", "288") in rows
    assert ("batch_normalization_1", "BatchNormalization", "(None, 32)", "128") in rows
    # Keras: total 2,561; BatchNorm's moving mean/variance (64) are not trainable.
    totals = table.totals.text().replace("\u00a0", " ").replace("\u2011", "-")
    assert totals.split() == "Total params: 2,561 Trainable: 2,497 Non-trainable: 64".split()
    g.set_param("dense_4", "units", 3)
    qtbot.waitUntil(lambda: ("dense_4", "Dense", "(None, 3)", "99") in table.rows())


def test_summary_follows_a_new_graph(qtbot):
    table = SummaryTable(Graph())
    qtbot.addWidget(table)
    assert table.rows() == []
    g = Graph()
    build_mlp(g, 1, 4, "relu", 1, "sigmoid")
    table.set_graph(g)
    table.set_input_shape((2,))
    assert [r[3] for r in table.rows()] == ["0", "12", "5"]


def test_problems_list_names_the_layer_and_activates_it(qtbot):
    g = Graph()
    g.add_node("Input", {"shape": [4, 4, 1]}, node_id="in")
    g.add_node("Dense", {"units": 3}, node_id="head")
    g.connect("in", "head", check_shapes=False)  # as a loaded file may hold it
    problems = ProblemsList(g)
    qtbot.addWidget(problems)
    problems.show()
    messages = problems.messages()
    assert any(m.startswith("head: ") and "Flatten" in m for m in messages)
    row = next(i for i, m in enumerate(messages) if m.startswith("head: "))
    item = problems.list.item(row)
    with qtbot.waitSignal(problems.node_activated) as blocker:
        rect = problems.list.visualItemRect(item)
        QTest.mouseClick(problems.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        QTest.mouseDClick(problems.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["head"]
    g.add_node("Flatten", node_id="flat")
    g.disconnect("in", "head")
    g.connect("in", "flat")
    g.connect("flat", "head")
    qtbot.waitUntil(lambda: problems.messages() == ["No problems: the network is ready to train."])


def test_neurons_view_lays_out_small_dense_nets(qtbot):
    g = Graph()
    ids = build_mlp(g, 1, 5, "relu", 2, "softmax")
    view = NeuronsView(g, {})
    qtbot.addWidget(view)
    view.set_input_shape((3,))
    view.resize(600, 400)
    layers, reason = view.layout_neurons()
    assert reason == "" and [len(points) for _, points in layers] == [3, 5, 2]
    g.set_param(ids[1], "units", 33)  # more than MAX_UNITS (a new Dense has 16: drawn)
    layers, reason = dense_layers(g, (3,))
    assert layers == [] and "33 units" in reason
    g.add_node("Conv2D", node_id="conv")
    assert "Conv2D" in dense_layers(g, (3,))[1]


def test_neurons_view_draws_weights_by_sign_and_size(qtbot):
    g = Graph()
    ids = build_mlp(g, 0, 1, "relu", 1, "linear")  # Input(2) → Dense(1)
    kernel = np.array([[3.0], [-0.3]], dtype=np.float32)
    assert kernel_of({f"{ids[1]}/kernel": kernel, f"{ids[1]}/bias": np.zeros(1)}, ids[1]) is kernel
    view = NeuronsView(g, {f"{ids[1]}/kernel": kernel})
    qtbot.addWidget(view)
    view.set_input_shape((2,))
    view.resize(400, 300)
    image = QImage(view.size(), QImage.Format.Format_ARGB32)
    view.render(image)
    (src_a, src_b), (dst,) = [points for _, points in view.layout_neurons()[0]]

    def line_colour(a):  # a point on the line a → dst, away from the circles
        mid = a * 0.5 + dst * 0.5
        return image.pixelColor(int(mid.x()), int(mid.y()))

    strong, weak = line_colour(src_a), line_colour(src_b)
    assert strong.blue() > strong.red()  # positive: blue
    assert weak.red() > weak.blue()  # negative: red/orange


def test_neurons_view_draws_through_element_wise_layers_only():
    g = Graph()
    for nid, kind, params in [("in", "Input", {"shape": [3]}), ("d1", "Dense", {"units": 4}),
                              ("bn", "BatchNormalization", {}), ("drop", "Dropout", {}),
                              ("act", "Activation", {}), ("d2", "Dense", {"units": 2})]:
        g.add_node(kind, params, node_id=nid)
    for a, b in [("in", "d1"), ("d1", "bn"), ("bn", "drop"), ("drop", "act"), ("act", "d2")]:
        g.connect(a, b)
    assert dense_layers(g, (3,)) == ([("in", 3), ("d1", 4), ("d2", 2)], "")
    g.disconnect("act", "d2")
    g.add_node("Flatten", node_id="flat")  # not element-wise: the view explains instead of drawing
    g.connect("act", "flat")
    g.connect("flat", "d2")
    assert "flat is a Flatten layer" in dense_layers(g, (3,))[1]
