"""The gradient-descent view, clicked: choose two weights, press Compute, read the surface and the paths."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from designer.engine.losses import get_loss
from designer.maths import descent
from tests.ui.test_maths_function_lab import click_node, open_lab
from tests.ui.test_maths_stepper import small_spiral
from tests.ui.widget_input import choose

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def test_compute_draws_the_loss_surface_and_three_optimizer_paths(make_window, qtbot):
    window = make_window(small_spiral())
    view = open_lab(window, "Descent")
    graph = window.project.graph
    dense = [n for n in graph.topological_order() if graph.nodes[n].type == "Dense"]
    click_node(window, dense[1])
    qtbot.waitUntil(lambda: view.weight_a.count() > 0)
    assert view.weight_a.currentText() == f"{dense[1]}/kernel[0, 0]"
    choose(view.weight_b, f"{dense[2]}/bias[1]")
    choose(view.start_from, "corner")
    QTest.mouseClick(view.compute_btn, Qt.MouseButton.LeftButton)
    r = view.result
    assert r is not None and r["z"].shape == (31, 31)
    network, prepared, _ = window.maths.model.get()
    # a grid value is the engine's loss with those two weights set (on the same sample)
    from designer.engine.losses import encode_targets

    y_enc = encode_targets("categorical_crossentropy", prepared.y_train, 2)
    x, y_enc = descent.sample_rows(prepared.x_train, y_enc)
    before = descent.get_pair(network, r["a"], r["b"])
    descent.set_pair(network, r["a"], r["b"], (r["was"][4], r["wbs"][20]))
    assert r["z"][20, 4] == pytest.approx(network.loss_value(x, y_enc, get_loss("categorical_crossentropy")),
                                          rel=1e-6)
    descent.set_pair(network, r["a"], r["b"], before)
    starts = [path[0] for path, _ in r["paths"].values()]
    assert all(np.allclose(s, starts[0]) for s in starts)
    assert starts[0] == pytest.approx(r["here"] + 0.8 * view.span.value() * np.array([-1, 1]))
    assert "Adam: loss" in view.note.text()
    xs, ys = view.paths["Adam"].getData()
    assert len(xs) == view.steps.value() + 1
