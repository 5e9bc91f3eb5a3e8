"""The function lab, driven like a person: click a layer on the canvas, pick an activation in the properties,
type a slope, choose a loss, train and watch the histogram arrive."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from designer.engine.activations import get_activation
from designer.maths import curves
from tests.ui.canvas_helpers import vp
from tests.ui.conftest import spiral_project
from tests.ui.widget_input import choose, type_value

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def click_node(window, node_id):
    item = window.canvas.scene().nodes[node_id]
    window.tabs.setCurrentWidget(window.canvas)
    QTest.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, pos=vp(window.canvas,
                                                                                 item.sceneBoundingRect().center()))


def open_lab(window, tab: str):
    window.maths_dock.show()
    window.maths_dock.raise_()
    maths = window.maths
    maths.setCurrentIndex([maths.tabText(i) for i in range(maths.count())].index(tab))
    return maths.currentWidget()


def test_the_lab_follows_the_selected_layer_and_its_parameters(make_window, qtbot):
    window = make_window(spiral_project())
    lab = open_lab(window, "Activation")
    dense = [n for n in window.project.graph.topological_order() if window.project.graph.nodes[n].type == "Dense"]
    click_node(window, dense[0])
    assert window.maths.node_id == dense[0]
    assert lab.combo.currentData() == "tanh"
    # the user switches the layer to Leaky ReLU in the properties panel: the lab follows
    choose(window.properties.editors["activation"].widget, "leaky_relu")
    qtbot.waitUntil(lambda: lab.combo.currentData() == "leaky_relu")
    assert lab.slope.isVisibleTo(lab) and not lab.alpha.isVisibleTo(lab)
    # the lab's own slope is live: the drawn derivative is the engine's for that slope
    type_value(lab.slope, "0.3")
    lab.flush_now()
    xs, ys = lab.curve.getData()
    _, ds = lab.deriv.getData()
    act = get_activation("leaky_relu", {"negative_slope": 0.3})
    x32 = xs.astype(np.float32)
    np.testing.assert_allclose(ys, act.forward(x32.copy(), np.empty_like(x32)), rtol=1e-6)
    assert ds[xs < 0] == pytest.approx(0.3)
    assert "<sup>" in lab.formula.text() or "<i>a</i>" in lab.formula.text()
    # the layer itself was not edited by the lab
    assert (window.project.graph.nodes[dense[0]].params.get("activation_params") or {}).get("negative_slope",
                                                                                             0.01) != 0.3


def test_training_brings_the_layers_preactivations_onto_the_curve(make_window, qtbot):
    window = make_window(spiral_project(epochs=30))
    lab = open_lab(window, "Activation")
    dense = [n for n in window.project.graph.topological_order() if window.project.graph.nodes[n].type == "Dense"]
    click_node(window, dense[0])
    lab.flush_now()
    assert lab.shown["saturated"] is None  # no weights yet: the empty state says what to do
    assert "train" in lab.note.text().lower()
    with qtbot.waitSignal(window.runner.finished, timeout=60000):
        QTest.mouseClick(window.training_panel.train_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lab.shown.get("layer") == dense[0], timeout=5000)
    assert 0.0 <= lab.shown["saturated"] <= 1.0
    assert dense[0] in lab.note.text()
    counts, edges = lab.histogram
    assert counts.sum() > 0 and edges[0] < edges[-1]
    # throttled like the dashboard: far fewer redraws than the 30 epochs
    assert lab.redraws <= 15


def test_loss_lab_follows_the_project_and_huber_delta_is_live(make_window, qtbot):
    window = make_window(spiral_project())
    lab = open_lab(window, "Loss")
    assert lab.combo.currentData() == window.project.training["loss"]
    choose(window.training_panel.loss, "huber")  # the project's loss, in the training panel
    qtbot.waitUntil(lambda: lab.combo.currentData() == "huber")
    assert lab.delta.isVisibleTo(lab)
    type_value(lab.target, "0")
    type_value(lab.delta, "0.5")
    lab.flush_now()
    preds, values = lab.curve.getData()
    _, grads = lab.grad.getData()
    ref_p, ref_v, ref_g = curves.loss_curve("huber", 0.0, preds, {"delta": 0.5})
    np.testing.assert_allclose(values, ref_v)
    assert grads.max() == pytest.approx(0.5) and grads.min() == pytest.approx(-0.5)
    # the outlier moves MSE's best prediction, hardly MAE's
    before = dict(lab.shown["outlier"])
    type_value(lab.outlier, "15")
    lab.flush_now()
    after = lab.shown["outlier"]
    assert after["mean_squared_error"] - before["mean_squared_error"] > 0.8
    assert abs(after["mean_absolute_error"] - before["mean_absolute_error"]) < 0.05
    assert "share of the gradient" in lab.outlier_note.text()


def test_initialisation_view_shows_the_formula_with_fans_and_the_weights_now(make_window, qtbot):
    project = spiral_project()
    window = make_window(project)
    view = open_lab(window, "Initialisation")
    graph = window.project.graph
    dense = [n for n in graph.topological_order() if graph.nodes[n].type == "Dense"]
    click_node(window, dense[1])
    view.flush_now()
    assert "fan<sub>in</sub> = 24" in view.shown["formula"] and "fan<sub>out</sub> = 24" in view.shown["formula"]
    assert view.shown["std_now"] is None and "Train" in view.note.text()
    choose(window.properties.editors["kernel_initializer"].widget, "he_normal")
    qtbot.waitUntil(lambda: view.initializer == "he_normal")
    view.flush_now()
    assert view.shown["variance"] == pytest.approx(2 / 24)
    with qtbot.waitSignal(window.runner.finished, timeout=60000):
        QTest.mouseClick(window.training_panel.train_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.shown.get("std_now") is not None, timeout=5000)
    view.flush_now()
    kernel = window.project.weights[f"{dense[1]}/kernel"]
    assert view.shown["std_now"] == pytest.approx(float(np.std(kernel)), rel=1e-5)
