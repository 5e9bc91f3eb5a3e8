"""The backprop stepper in the Neurons tab, clicked through: step a batch, hover an edge, edit a weight."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog, QToolTip

from tests.ui.conftest import spiral_project

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def small_spiral(units=8):
    project = spiral_project()
    for node in project.graph.nodes.values():
        if node.type == "Dense" and node.params.get("units") == 24:
            project.graph.set_param(node.id, "units", units)
    return project


def click(button):
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_step_batch_plays_forward_backward_update(make_window, qtbot):
    window = make_window(small_spiral())
    panel = window.stepper
    window.tabs.setCurrentWidget(window.stepper_tab)
    click(panel.start_btn)
    assert panel.stack.currentWidget() is panel.canvas
    seen = {panel.stepper.phase}
    qtbot.waitUntil(lambda: (seen.add(panel.stepper.phase), not panel.is_playing())[1], timeout=5000)
    assert panel.stepper.phase == "update" and panel.stepper.batch == 1
    assert "Δw = −lr·∂L/∂w" in panel.status.text()
    rec = panel.stepper.record
    assert rec.loss_after is not None and "after the update" in panel.loss_label.text()
    # one phase at a time
    click(panel.phase_btn)
    assert panel.stepper.phase == "forward" and "Forward pass" in panel.status.text()
    click(panel.phase_btn)
    assert panel.stepper.phase == "backward"
    # the bias is drawn as its own input: one more source than inputs in the first layer's edges
    edges = [e for e in panel.canvas.edges() if e[0] == panel.stepper.ids[0]]
    assert len(edges) == (2 + 1) * 8
    # the project's weights are untouched by the stepper's copy
    assert not window.project.weights


def test_hover_shows_weight_gradient_update_and_double_click_edits_it(make_window, qtbot, monkeypatch):
    window = make_window(small_spiral())
    panel = window.stepper
    window.tabs.setCurrentWidget(window.stepper_tab)
    click(panel.start_btn)
    canvas = panel.canvas
    qtbot.waitUntil(lambda: panel.stepper.phase == "backward", timeout=5000)
    size_while_playing = canvas.size()
    qtbot.waitUntil(lambda: not panel.is_playing(), timeout=5000)
    QApplication.processEvents()  # pending layout requests land before the edge is located
    assert canvas.size() == size_while_playing  # the numbers changing beside it do not move the network
    lid, row, col, a, b = next(e for e in canvas.edges() if e[0] == panel.stepper.ids[-1] and e[1] == 8)  # a bias
    near = a + (b - a) * 0.12  # just after the bias node, before the edges cross
    mid = near.toPoint()
    assert canvas.edge_at(mid.toPointF())[:3] == (lid, row, col)
    QTest.mouseMove(canvas, mid)
    text = canvas.describe(canvas.edge_at(mid.toPointF()))
    assert "bias of unit" in text and "∂L/∂w = " in text and "Δw = −lr·∂L/∂w" in text
    if QToolTip.isVisible():  # offscreen platforms may not show tooltips at all
        assert "∂L/∂w" in QToolTip.text()
    before_loss = panel.stepper.full_loss()
    before_boundary = panel.boundary_values.copy()
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *args, **kw: (4.0, True))
    QTest.mouseDClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, mid)
    assert panel.stepper.weight(lid, row, col) == 4.0
    assert float(panel.stepper.net.layers[lid].params["bias"][col]) == 4.0
    assert panel.stepper.full_loss() != before_loss
    assert "set to 4 by hand" in panel.status.text()
    assert not np.allclose(panel.boundary_values, before_boundary)  # the boundary moved with the weight


def test_networks_too_big_for_the_stepper_say_why(make_window, qtbot):
    window = make_window(small_spiral(units=24))
    panel = window.stepper
    window.tabs.setCurrentWidget(window.stepper_tab)
    click(panel.start_btn)
    assert panel.stepper is None and "at most 16" in panel.status.text()
    assert panel.stack.currentIndex() == 0  # the weights view stays


def test_editing_the_graph_lets_the_stepper_go(make_window, qtbot):
    window = make_window(small_spiral())
    panel = window.stepper
    click(panel.start_btn)
    qtbot.waitUntil(lambda: not panel.is_playing(), timeout=5000)
    dense = next(n for n in window.project.graph.nodes.values() if n.type == "Dense")
    window.properties.show_node(dense.id)
    spin = window.properties.editors["units"].widget
    spin.setValue(6)
    assert panel.stepper is None and panel.stack.currentIndex() == 0
    click(panel.start_btn)
    qtbot.waitUntil(lambda: not panel.is_playing(), timeout=5000)
    assert panel.stepper.net.layers[dense.id].units == 6
