"""The properties panel: editors from the ParamSpecs, edits through the undo stack, invalid values shown."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox

from designer.ui.properties import PropertiesPanel
from tests.ui.canvas_helpers import drag, make_view, two_nodes


def setup(qtbot):
    view = make_view(qtbot)
    a, b = two_nodes(view)
    view.set_input_shape((4,))
    scene = view.canvas_scene
    drag(view, scene.nodes[a].out_port.scenePos(), scene.nodes[b].in_port.scenePos())
    panel = PropertiesPanel(view.graph, view.undo_stack)
    panel.set_input_shape((4,))
    qtbot.addWidget(panel)
    panel.show()
    view.node_selected.connect(panel.show_node)
    view.select_node("")  # nothing selected: the next select_node is a real change
    return view, panel, a, b


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    widget.selectAll() if hasattr(widget, "selectAll") else None
    QTest.keyClicks(widget, text)
    QTest.keyClick(widget, Qt.Key.Key_Return)


def test_editors_match_the_specs(qtbot):
    view, panel, a, b = setup(qtbot)
    view.select_node(b)
    assert panel.node_id == b
    units = panel.editors["units"].widget
    assert isinstance(units, QSpinBox) and units.minimum() == 1 and units.maximum() == 65_536
    assert isinstance(panel.editors["use_bias"].widget, QCheckBox)
    assert isinstance(panel.editors["activation"].widget, QComboBox)
    assert isinstance(panel.editors["kernel_initializer"].widget, QComboBox)
    view.select_node(a)
    assert isinstance(panel.editors["shape"].widget, QLineEdit)
    assert panel.editors["shape"].widget.text() == ""  # follows the data
    view.select_node("")
    assert panel.node_id is None and panel.editors == {}


def test_editing_units_updates_the_node_label_and_undoes(qtbot):
    view, panel, a, b = setup(qtbot)
    view.select_node(b)
    item = view.canvas_scene.nodes[b]
    qtbot.waitUntil(lambda: item.shape_text == "(None, 16)")
    type_into(qtbot, panel.editors["units"].widget, "32")
    assert view.graph.nodes[b].params["units"] == 32
    qtbot.waitUntil(lambda: item.shape_text == "(None, 32)")
    assert item.params_count == 4 * 32 + 32
    assert view.undo_stack.undoText() == f"Set {b} units 16 → 32"
    assert "(None, 32)" in panel.info.text()
    view.undo_stack.undo()
    assert panel.editors["units"].widget.value() == 16
    qtbot.waitUntil(lambda: item.shape_text == "(None, 16)")


def test_invalid_value_is_shown_not_applied(qtbot):
    view, panel, a, b = setup(qtbot)
    view.select_node(a)
    count = view.undo_stack.count()
    type_into(qtbot, panel.editors["shape"].widget, "4, zero")
    assert "not a list of whole numbers" in panel.error_text and panel.error.isVisibleTo(panel)
    type_into(qtbot, panel.editors["shape"].widget, "4, 0")
    assert "from 1 to" in panel.error_text
    assert view.undo_stack.count() == count and view.graph.nodes[a].params.get("shape") is None
    panel.editors["shape"].widget.clear()
    type_into(qtbot, panel.editors["shape"].widget, "2, 2")
    assert view.graph.nodes[a].params["shape"] == [2, 2] and panel.error_text == ""
    # Dense after a 2-D input: marked red, the reason in the tooltip.
    qtbot.waitUntil(lambda: "add a Flatten layer" in view.canvas_scene.nodes[b].toolTip())
    assert view.canvas_scene.nodes[b].invalid


def test_exclusive_range_refused(qtbot):
    view, panel, a, b = setup(qtbot)
    c = view.add_layer("BatchNormalization", QPointF(0, 300))
    view.select_node(c)
    eps = panel.editors["epsilon"].widget
    assert isinstance(eps, QDoubleSpinBox)
    eps.setValue(0.0)  # epsilon must be > 0
    assert "must be > 0" in panel.error_text
    assert view.graph.nodes[c].params["epsilon"] == 0.001


def test_activation_params_appear_for_leaky_relu(qtbot):
    view, panel, a, b = setup(qtbot)
    view.select_node(b)
    combo = panel.editors["activation"].widget
    combo.setCurrentIndex(combo.findData("leaky_relu"))
    assert view.graph.nodes[b].params["activation"] == "leaky_relu"
    qtbot.waitUntil(lambda: "activation_params.negative_slope" in panel.editors)
    slope = panel.editors["activation_params.negative_slope"].widget
    assert slope.value() == 0.01
    slope.setValue(0.2)
    assert view.graph.nodes[b].params["activation_params"] == {"negative_slope": 0.2}
    combo = panel.editors["activation"].widget
    combo.setCurrentIndex(combo.findData("elu"))
    qtbot.waitUntil(lambda: "activation_params.alpha" in panel.editors)
    assert "activation_params.negative_slope" not in panel.editors


def test_rename_field(qtbot):
    view, panel, a, b = setup(qtbot)
    view.select_node(b)
    panel.name_edit.clear()
    type_into(qtbot, panel.name_edit, "hidden")
    assert "hidden" in view.graph.nodes and panel.node_id == "hidden"
    panel.name_edit.clear()
    type_into(qtbot, panel.name_edit, a)
    assert "already exists" in panel.error_text and "hidden" in view.graph.nodes
