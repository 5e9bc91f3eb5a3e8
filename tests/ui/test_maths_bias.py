"""The bias made visible: from the Use bias property, one click shows the boundary forced through the origin."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import spiral_project
from tests.ui.test_maths_function_lab import click_node

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def test_the_bias_help_link_retrains_without_bias_and_shows_the_line_through_the_origin(make_window, qtbot):
    window = make_window(spiral_project())
    graph = window.project.graph
    dense = next(n for n in graph.topological_order() if graph.nodes[n].type == "Dense")
    click_node(window, dense)
    window.properties_dock.raise_()  # the user brings the Properties tab to the front
    qtbot.waitUntil(lambda: "use_bias" in window.properties.help_links
                    and window.properties.help_links["use_bias"].isVisible())
    link = window.properties.help_links["use_bias"]
    QTest.mouseClick(link, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(8, link.height() // 2))
    qtbot.waitUntil(lambda: getattr(window, "bias_demo", None) is not None and window.bias_demo.isVisible())
    dialog = window.bias_demo
    with_bias, without = dialog.boundary_at_origin()
    assert without == pytest.approx(0.5, abs=1e-6)  # the boundary passes through (0, 0)
    assert with_bias < 0.1
    assert "no b" in dialog.captions[1].text() and "b = " in dialog.captions[0].text()
    assert dialog.runs[0].accuracy > 0.95 > 0.8 > dialog.runs[1].accuracy
    dialog.close()
    # the project was not changed by the demo
    assert graph.nodes[dense].params.get("use_bias", True) is True
