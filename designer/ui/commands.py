"""Undo commands for the canvas: each one calls only `designer.graph.Graph` methods.

Constructors validate (via the graph's own checks) so that `QUndoStack.push` never runs a redo that fails:
a refused edit raises a `DesignerError` before anything is pushed. The scene mirrors the graph's signals,
so none of these touch a Qt item.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand

from designer.engine.registry import layer_type
from designer.errors import GraphError
from designer.graph.model import NODE_ID, Graph, Node

# Ids for QUndoCommand.mergeWith: only consecutive edits of one field (or one drag) merge.
_SET_PARAM_ID = 5001


def _fmt(value: Any) -> str:
    if value is None:
        return "default"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_fmt(v)}" for k, v in value.items()) or "{}"
    return str(value)


class AddNodeCommand(QUndoCommand):
    def __init__(
        self,
        graph: Graph,
        type_name: str,
        params: dict | None = None,
        position: tuple[float, float] = (0.0, 0.0),
        node_id: str | None = None,
        parent: QUndoCommand | None = None,
    ):
        super().__init__(parent)
        layer_type(type_name)  # raises ParamError for an unknown type before the push
        self.graph = graph
        self.node_id = node_id or graph.unique_id(type_name)
        if not NODE_ID.match(self.node_id):
            raise GraphError(f'"{self.node_id}" is not a valid layer name (letters, digits, _ and - only)')
        if self.node_id in graph.nodes:
            raise GraphError(f'a layer named "{self.node_id}" already exists')
        self._args = (type_name, copy.deepcopy(params or {}), (float(position[0]), float(position[1])))
        self._node: Node | None = None
        self.setText(f"Add {type_name} {self.node_id}")

    def redo(self) -> None:
        if self._node is None:
            t, params, pos = self._args
            self._node = self.graph.add_node(t, params, pos, self.node_id)
        else:
            self.graph.restore_node(self._node, [])

    def undo(self) -> None:
        self.graph.remove_node(self.node_id)


class RemoveNodesCommand(QUndoCommand):
    """Remove nodes with their edges; undo puts nodes back and restores every input order exactly."""

    def __init__(self, graph: Graph, node_ids: list[str], parent: QUndoCommand | None = None):
        super().__init__(parent)
        for nid in node_ids:
            graph.node(nid)
        self.graph = graph
        self.node_ids = list(dict.fromkeys(node_ids))
        self._removed: list[tuple[Node, list[tuple[str, str]]]] = []
        self._edge_slots: list[tuple[int, tuple[str, str]]] = []
        names = ", ".join(self.node_ids[:3]) + ("…" if len(self.node_ids) > 3 else "")
        self.setText(f"Delete {names}")

    def redo(self) -> None:
        before = list(self.graph.edges)
        self._removed = [self.graph.remove_node(nid) for nid in self.node_ids]
        gone = {e for _, edges in self._removed for e in edges}
        self._edge_slots = [(i, e) for i, e in enumerate(before) if e in gone]

    def undo(self) -> None:
        for node, _ in reversed(self._removed):
            self.graph.restore_node(node, [])
        # Ascending original indices rebuild the old edge list exactly (and every input order with it).
        for index, (s, d) in self._edge_slots:
            self.graph.insert_edge(index, s, d)
        self._removed = []


class ConnectCommand(QUndoCommand):
    def __init__(self, graph: Graph, src: str, dst: str, parent: QUndoCommand | None = None,
                 input_shape: tuple[int, ...] | None = None):
        super().__init__(parent)
        graph.check_connection(src, dst, input_shape)  # ConnectionRefused / CycleError / ShapeError: the reason
        self.graph, self.src, self.dst = graph, src, dst
        self.setText(f"Connect {src} → {dst}")

    def redo(self) -> None:
        self.graph.connect(self.src, self.dst, check_shapes=False)  # checked above; redo must not fail

    def undo(self) -> None:
        self.graph.remove_edge(self.src, self.dst)


class DisconnectCommand(QUndoCommand):
    def __init__(self, graph: Graph, src: str, dst: str, parent: QUndoCommand | None = None):
        super().__init__(parent)
        if (src, dst) not in graph.edges:
            raise GraphError(f"{src} is not connected to {dst}")
        self.graph, self.src, self.dst = graph, src, dst
        self._index = 0
        self.setText(f"Disconnect {src} → {dst}")

    def redo(self) -> None:
        self._index = self.graph.remove_edge(self.src, self.dst)

    def undo(self) -> None:
        # The exact inverse: the edge goes back where it was, without re-judging shapes a file may hold.
        self.graph.insert_edge(self._index, self.src, self.dst)


class SetParamCommand(QUndoCommand):
    """Set one parameter; consecutive edits of the same field of the same node merge into one step."""

    def __init__(self, graph: Graph, node_id: str, name: str, value: Any, parent: QUndoCommand | None = None):
        super().__init__(parent)
        node = graph.node(node_id)
        if name != "activation_params" and value is not None:
            value = layer_type(node.type).spec(name).coerce(value)  # ParamError before the push
        self.graph, self.node_id, self.name = graph, node_id, name
        self.old = copy.deepcopy(node.params.get(name))
        self.new = copy.deepcopy(value)
        self._update_text()

    def _update_text(self) -> None:
        self.setText(f"Set {self.node_id} {self.name} {_fmt(self.old)} → {_fmt(self.new)}")

    def id(self) -> int:
        return _SET_PARAM_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetParamCommand) or (other.node_id, other.name) != (self.node_id, self.name):
            return False
        self.new = other.new
        self._update_text()
        # Edited back to where it started: the merged step does nothing, so the stack drops it.
        self.setObsolete(self.new == self.old)
        return True

    def redo(self) -> None:
        self.graph.set_param(self.node_id, self.name, copy.deepcopy(self.new))

    def undo(self) -> None:
        self.graph.set_param(self.node_id, self.name, copy.deepcopy(self.old))


class MoveNodesCommand(QUndoCommand):
    """One step for a whole drag (or an auto-arrange): {node_id: (old_pos, new_pos)}."""

    def __init__(
        self,
        graph: Graph,
        moves: dict[str, tuple[tuple[float, float], tuple[float, float]]],
        text: str = "",
        parent: QUndoCommand | None = None,
    ):
        super().__init__(parent)
        for nid in moves:
            graph.node(nid)
        self.graph = graph
        self.moves = dict(moves)
        self.setText(text or ("Move " + ", ".join(list(moves)[:3]) + ("…" if len(moves) > 3 else "")))

    def redo(self) -> None:
        for nid, (_, new) in self.moves.items():
            self.graph.move_node(nid, new)

    def undo(self) -> None:
        for nid, (old, _) in self.moves.items():
            self.graph.move_node(nid, old)


class RenameNodeCommand(QUndoCommand):
    def __init__(self, graph: Graph, old_id: str, new_id: str, parent: QUndoCommand | None = None):
        super().__init__(parent)
        graph.node(old_id)
        if not NODE_ID.match(new_id):
            raise GraphError(f'"{new_id}" is not a valid layer name (letters, digits, _ and - only)')
        if new_id != old_id and new_id in graph.nodes:
            raise GraphError(f'a layer named "{new_id}" already exists')
        self.graph, self.old_id, self.new_id = graph, old_id, new_id
        self.setText(f"Rename {old_id} → {new_id}")

    def redo(self) -> None:
        self.graph.rename_node(self.old_id, self.new_id)

    def undo(self) -> None:
        self.graph.rename_node(self.new_id, self.old_id)


def fresh_ids(graph: Graph, payload: dict) -> dict[str, str]:
    """Map each pasted node id to a new id that is free in `graph` and among the pasted nodes."""
    taken = set(graph.nodes)
    mapping: dict[str, str] = {}
    for n in payload.get("nodes", []):
        prefix = graph.unique_id(n["type"]).rsplit("_", 1)[0]
        i = 1
        while f"{prefix}_{i}" in taken:
            i += 1
        mapping[n["id"]] = f"{prefix}_{i}"
        taken.add(mapping[n["id"]])
    return mapping


class PasteCommand(QUndoCommand):
    """Insert a clipboard payload {"nodes": [...], "edges": [[s, d], ...]} with fresh ids, shifted by offset."""

    def __init__(
        self,
        graph: Graph,
        payload: dict,
        offset: tuple[float, float] = (40.0, 40.0),
        text: str = "Paste",
        parent: QUndoCommand | None = None,
    ):
        super().__init__(parent)
        self.graph = graph
        nodes = payload.get("nodes") if isinstance(payload, dict) else None
        if not isinstance(nodes, list) or not nodes:
            raise GraphError("the clipboard holds no layers")
        try:
            self._parse(payload, nodes, offset)
        except (KeyError, TypeError, ValueError, IndexError):
            raise GraphError("the clipboard does not hold layers from this program") from None
        # Rehearse on a copy so a redo can never fail half-way (clipboard text may come from anywhere).
        rehearsal = graph.copy()
        for nid, t, params, pos in self._nodes:
            rehearsal.add_node(t, copy.deepcopy(params), pos, nid)
        for s, d in self._edges:  # inner edges of layers that were connected already: shapes are not re-judged
            rehearsal.connect(s, d, check_shapes=False)
        self.pasted_ids = [n[0] for n in self._nodes]
        self.setText(f"{text} {len(self._nodes)} layer{'s' if len(self._nodes) != 1 else ''}")

    def _parse(self, payload: dict, nodes: list, offset: tuple[float, float]) -> None:
        self.mapping = fresh_ids(self.graph, payload)
        self._nodes = []
        for n in nodes:
            given = n.get("params") or {}
            if not isinstance(n["id"], str) or not isinstance(given, dict):
                raise TypeError("not a layer")
            # Canonical values for the keys the clipboard gave (ParamError, with the place, for garbage).
            canonical = layer_type(n["type"]).coerce_params(given, f"{n['id']}.params")
            params = {k: copy.deepcopy(v) for k, v in canonical.items() if k in given}
            x, y = (float(v) for v in (n.get("position") or (0.0, 0.0))[:2])
            self._nodes.append((self.mapping[n["id"]], n["type"], params, (x + offset[0], y + offset[1])))
        self._edges = [
            (self.mapping[s], self.mapping[d])
            for s, d in payload.get("edges", [])
            if s in self.mapping and d in self.mapping
        ]

    def redo(self) -> None:
        for nid, t, params, pos in self._nodes:
            self.graph.add_node(t, copy.deepcopy(params), pos, nid)
        for s, d in self._edges:
            self.graph.connect(s, d, check_shapes=False)  # rehearsed in __init__; redo must not fail half-way

    def undo(self) -> None:
        for nid in reversed(self.pasted_ids):
            self.graph.remove_node(nid)


def selection_payload(graph: Graph, node_ids: list[str]) -> dict:
    """Clipboard content for `node_ids`: the nodes and only the edges between them."""
    chosen = [nid for nid in graph.nodes if nid in set(node_ids)]
    inside = set(chosen)
    return {
        "format": "network-designer/layers",
        "nodes": [
            {
                "id": nid,
                "type": graph.nodes[nid].type,
                "params": copy.deepcopy(graph.nodes[nid].params),
                "position": list(graph.nodes[nid].position),
            }
            for nid in chosen
        ],
        "edges": [[s, d] for s, d in graph.edges if s in inside and d in inside],
    }
