"""Undo commands: each one only calls Graph methods, undoes exactly, and refuses bad edits before the push."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QUndoStack

from designer.errors import ConnectionRefused, CycleError, GraphError, ParamError
from designer.graph.model import Graph
from designer.ui.commands import (
    AddNodeCommand,
    ConnectCommand,
    DisconnectCommand,
    MoveNodesCommand,
    PasteCommand,
    RemoveNodesCommand,
    RenameNodeCommand,
    SetParamCommand,
    selection_payload,
)


def merge_graph() -> Graph:
    g = Graph()
    g.add_node("Input", {"shape": [4]}, node_id="in")
    for n in ("a", "b", "c"):
        g.add_node("Dense", {"units": 3}, node_id=n)
        g.connect("in", n)
    g.add_node("Concatenate", node_id="cat")
    for n in ("a", "b", "c"):
        g.connect(n, "cat")
    return g


def test_add_undo_redo_keeps_the_same_node(qapp):
    g, stack = Graph(), QUndoStack()
    stack.push(AddNodeCommand(g, "Dense", {"units": 5}, (10, 20)))
    assert g.nodes["dense_1"].params["units"] == 5 and g.nodes["dense_1"].position == (10.0, 20.0)
    stack.undo()
    assert g.nodes == {}
    stack.redo()
    assert g.nodes["dense_1"].params["units"] == 5
    assert stack.undoText() == "Add Dense dense_1"


def test_add_refuses_unknown_type_and_taken_name(qapp):
    g = Graph()
    g.add_node("Dense", node_id="x")
    with pytest.raises(ParamError, match="unknown layer type"):
        AddNodeCommand(g, "Transformer")
    with pytest.raises(GraphError, match="already exists"):
        AddNodeCommand(g, "Dense", node_id="x")


def test_remove_restores_concatenate_input_order(qapp):
    g, stack = merge_graph(), QUndoStack()
    before = list(g.edges)
    stack.push(RemoveNodesCommand(g, ["a"]))
    assert g.inputs_of("cat") == ["b", "c"]
    stack.undo()
    assert g.inputs_of("cat") == ["a", "b", "c"]
    assert sorted(g.edges) == sorted(before)
    stack.push(RemoveNodesCommand(g, ["a", "in", "cat"]))
    assert set(g.nodes) == {"b", "c"} and g.edges == []
    stack.undo()
    assert g.inputs_of("cat") == ["a", "b", "c"] and sorted(g.edges) == sorted(before)


def test_connect_refusals_carry_the_reason(qapp):
    g = merge_graph()
    with pytest.raises(ConnectionRefused, match="already connected"):
        ConnectCommand(g, "a", "cat")
    with pytest.raises(CycleError, match="cycle"):
        ConnectCommand(g, "cat", "a")
    with pytest.raises(ConnectionRefused, match="Input layer"):
        ConnectCommand(g, "a", "in")


def test_disconnect_undo_restores_order(qapp):
    g, stack = merge_graph(), QUndoStack()
    stack.push(DisconnectCommand(g, "a", "cat"))
    assert g.inputs_of("cat") == ["b", "c"]
    stack.undo()
    assert g.inputs_of("cat") == ["a", "b", "c"]
    stack.push(ConnectCommand(g, "in", "cat"))
    stack.undo()
    assert ("in", "cat") not in g.edges


def test_set_param_text_merge_and_undo(qapp):
    g, stack = Graph(), QUndoStack()
    g.add_node("Dense", {"units": 16}, node_id="dense_1")
    stack.push(SetParamCommand(g, "dense_1", "units", 32))
    assert stack.undoText() == "Set dense_1 units 16 → 32"
    stack.push(SetParamCommand(g, "dense_1", "units", 64))
    assert stack.count() == 1 and stack.undoText() == "Set dense_1 units 16 → 64"
    stack.push(SetParamCommand(g, "dense_1", "activation", "relu"))
    assert stack.count() == 2
    stack.undo()
    stack.undo()
    assert g.nodes["dense_1"].params["units"] == 16 and g.nodes["dense_1"].params["activation"] == "linear"
    with pytest.raises(ParamError, match="positive integer"):
        SetParamCommand(g, "dense_1", "units", 0)
    assert stack.count() == 2  # nothing pushed


def test_set_param_none_restores_an_absent_value(qapp):
    g, stack = Graph(), QUndoStack()
    g.add_node("MaxPooling2D", node_id="p")
    assert "strides" not in g.nodes["p"].params
    stack.push(SetParamCommand(g, "p", "strides", 1))
    stack.undo()
    assert "strides" not in g.nodes["p"].params


def test_move_and_rename(qapp):
    g, stack = merge_graph(), QUndoStack()
    stack.push(MoveNodesCommand(g, {"a": ((0, 0), (50, 60)), "b": ((0, 0), (70, 80))}))
    assert g.nodes["a"].position == (50.0, 60.0)
    stack.push(RenameNodeCommand(g, "a", "first"))
    assert g.inputs_of("cat")[0] == "first"
    stack.undo()
    stack.undo()
    assert g.nodes["a"].position == (0.0, 0.0) and g.inputs_of("cat") == ["a", "b", "c"]
    with pytest.raises(GraphError, match="not a valid layer name"):
        RenameNodeCommand(g, "a", "has space")
    with pytest.raises(GraphError, match="already exists"):
        RenameNodeCommand(g, "a", "b")


def test_paste_gives_fresh_ids_and_inner_edges_only(qapp):
    g, stack = merge_graph(), QUndoStack()
    payload = selection_payload(g, ["a", "cat"])
    assert payload["edges"] == [["a", "cat"]]
    cmd = PasteCommand(g, payload, (40, 40))
    stack.push(cmd)
    assert cmd.pasted_ids == ["dense_1", "concatenate_1"]
    assert ("dense_1", "concatenate_1") in g.edges
    assert g.nodes["dense_1"].position == (40.0, 40.0)
    stack.undo()
    assert set(g.nodes) == {"in", "a", "b", "c", "cat"}
    with pytest.raises(GraphError, match="no layers"):
        PasteCommand(g, {"nodes": []})


def test_paste_refuses_foreign_clipboard_text_before_anything_changes(qapp):
    g = merge_graph()
    before = g.to_dict()
    bad_payloads = [
        {"nodes": [{"id": "x", "type": "Dense", "params": [1, 2]}]},
        {"nodes": [{"id": "x", "type": "Dense", "position": "here"}]},
        {"nodes": [{"id": "x", "type": "Dense"}], "edges": [7]},
        {"nodes": [{"id": "x", "type": "Dense", "params": {"units": "many"}}]},
        {"nodes": [{"type": "Dense"}]},
        # Valid layers, but the edges break the rules: a second input into a Dense.
        {
            "nodes": [{"id": "i", "type": "Input"}, {"id": "j", "type": "Input"}, {"id": "d", "type": "Dense"}],
            "edges": [["i", "d"], ["j", "d"]],
        },
    ]
    for payload in bad_payloads:
        with pytest.raises((GraphError, ParamError)):
            PasteCommand(g, payload)
    assert g.to_dict() == before


def test_undo_puts_back_edges_of_a_file_whose_shapes_do_not_fit(qapp):
    """A file may hold an Add of unequal shapes (it is marked, not refused); deleting one of its inputs and
    undoing must restore the edges in order rather than refuse them."""
    from PySide6.QtGui import QUndoStack

    from designer.graph import Graph
    from designer.ui.commands import RemoveNodesCommand

    g = Graph.from_dict({
        "nodes": [{"id": "in", "type": "Input", "params": {"shape": [6]}},
                  {"id": "a", "type": "Dense", "params": {"units": 4}},
                  {"id": "b", "type": "Dense", "params": {"units": 6}},
                  {"id": "sum", "type": "Add", "params": {}}],
        "edges": [["in", "a"], ["in", "b"], ["a", "sum"], ["b", "sum"]],
    })
    stack = QUndoStack()
    stack.push(RemoveNodesCommand(g, ["a"]))
    stack.undo()
    assert sorted(g.edges) == [("a", "sum"), ("b", "sum"), ("in", "a"), ("in", "b")]
    assert g.inputs_of("sum") == ["a", "b"]  # the Add's inputs in their old order
