"""The user's network as a graph of layers: the single source of truth that the canvas mirrors.

Every edit goes through a method here, which checks the rules (typed errors), changes the state, and emits
a signal. Views never change state themselves; undo commands call these methods and nothing else.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from designer.engine.registry import (
    LAYER_TYPES,
    MAX_TENSOR_ELEMENTS,
    MAX_TOTAL_PARAMS,
    Shape,
    coerce_activation_params,
    layer_type,
)
from designer.errors import (
    ConnectionRefused,
    CycleError,
    DesignerError,
    GraphError,
    ParamError,
    ShapeError,
)
from designer.graph.signal import Signal

NODE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

@dataclass
class Node:
    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    position: tuple[float, float] = (0.0, 0.0)


@dataclass
class Problem:
    """One entry of the problems list: severity is "error" or "warning". `error` is the typed exception that
    describes it and `where` the place that exception names, so code that must refuse the graph raises
    `problem.exception()` instead of guessing the kind from the message."""

    node_id: str | None
    severity: str
    message: str
    error: type[DesignerError] = GraphError
    where: str | None = None

    def exception(self) -> DesignerError:
        return self.error(self.message, self.where)


@dataclass
class Analysis:
    """What shape inference found: per-node output shapes, parameter counts and problems."""

    shapes: dict[str, Shape | None]
    params: dict[str, int]
    problems: list[Problem]
    non_trainable_params: int = 0  # frozen arrays (moving statistics): counted, as Keras does, not trained

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def total_params(self) -> int:
        return sum(self.params.values())

    @property
    def trainable_params(self) -> int:
        return self.total_params - self.non_trainable_params

    def errors_for(self, node_id: str) -> list[str]:
        return [p.message for p in self.problems if p.node_id == node_id and p.severity == "error"]


class Graph:
    """Nodes and edges. Signals carry the ids involved so views update only what changed.

    Signals: node_added(node), node_removed(node_id), edge_added(src, dst), edge_removed(src, dst),
    params_changed(node_id), node_moved(node_id), node_renamed(old_id, new_id), changed() after every edit.
    """

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: list[tuple[str, str]] = []
        self.node_added = Signal()
        self.node_removed = Signal()
        self.edge_added = Signal()
        self.edge_removed = Signal()
        self.params_changed = Signal()
        self.node_moved = Signal()
        self.node_renamed = Signal()
        self.changed = Signal()
        # analyze() is asked for by every view after every edit (canvas, summary, problems, properties …):
        # compute it once per revision. Connected first, so views see the new revision when they ask.
        self.revision = 0
        self._analysis: tuple[int, Shape | None, Analysis] | None = None
        self.changed.connect(self._bump_revision)

    # ---------------------------------------------------------------- queries
    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphError(f'no layer named "{node_id}"') from None

    def inputs_of(self, node_id: str) -> list[str]:
        """Source ids feeding `node_id`, in edge order (the order matters for Concatenate)."""
        return [s for s, d in self.edges if d == node_id]

    def outputs_of(self, node_id: str) -> list[str]:
        return [d for s, d in self.edges if s == node_id]

    def input_nodes(self) -> list[str]:
        return [n.id for n in self.nodes.values() if n.type == "Input"]

    def output_nodes(self) -> list[str]:
        """Nodes with no outgoing edge (the model's outputs)."""
        has_out = {s for s, _ in self.edges}
        return [nid for nid in self.nodes if nid not in has_out]

    def topological_order(self) -> list[str]:
        """Kahn's algorithm, stable in insertion order. Raises CycleError if there is a cycle."""
        indeg = {nid: 0 for nid in self.nodes}
        for _, d in self.edges:
            indeg[d] += 1
        ready = [nid for nid in self.nodes if indeg[nid] == 0]
        order: list[str] = []
        while ready:
            nid = ready.pop(0)
            order.append(nid)
            for d in self.outputs_of(nid):
                indeg[d] -= 1
                if indeg[d] == 0:
                    ready.append(d)
        if len(order) != len(self.nodes):
            stuck = [nid for nid in self.nodes if nid not in order]
            raise CycleError("the graph has a cycle through " + ", ".join(stuck))
        return order

    def unique_id(self, type_name: str) -> str:
        ltype = LAYER_TYPES.get(type_name)
        prefix = ltype.default_prefix() if ltype is not None else type_name.lower()
        i = 1
        while f"{prefix}_{i}" in self.nodes:
            i += 1
        return f"{prefix}_{i}"

    def _reaches(self, start: str, goal: str) -> bool:
        stack, seen = [start], set()
        while stack:
            n = stack.pop()
            if n == goal:
                return True
            if n in seen:
                continue
            seen.add(n)
            stack.extend(self.outputs_of(n))
        return False

    def check_connection(self, src: str, dst: str, input_shape: Shape | None = None, shapes: bool = True) -> None:
        """Raise ConnectionRefused/CycleError/ShapeError with the reason an edge src→dst is not allowed.

        With `shapes`, an edge that would give `dst` a shape error it does not have now is refused (Add of
        unequal shapes, Dense after an image …); while the source's shape is unknown there is nothing to judge.
        """
        self.node(src)
        target = self.node(dst)
        if src == dst:
            raise CycleError("a layer cannot feed itself")
        if (src, dst) in self.edges:
            raise ConnectionRefused(f"{src} is already connected to {dst}")
        ttype = layer_type(target.type)
        if ttype.max_inputs == 0:
            raise ConnectionRefused(f"{dst} is an Input layer: nothing can feed it")
        if self._reaches(dst, src):
            raise CycleError(f"connecting {src} to {dst} would make a cycle")
        if ttype.max_inputs is not None and len(self.inputs_of(dst)) >= ttype.max_inputs:
            raise ConnectionRefused(
                f"{dst} ({target.type}) takes a single input and already has one; "
                "use an Add or Concatenate layer to merge"
            )
        if shapes:
            self._check_shapes_fit(src, dst, input_shape)

    def _check_shapes_fit(self, src: str, dst: str, input_shape: Shape | None) -> None:
        before = self.analyze(input_shape)
        if before.shapes.get(src) is None:
            return
        trial = self.copy()
        trial.edges.append((src, dst))
        old = set(before.errors_for(dst))
        new = [m for m in trial.analyze(input_shape).errors_for(dst) if m not in old]
        if new:
            raise ShapeError(new[0])

    # ---------------------------------------------------------------- edits
    def add_node(
        self,
        type_name: str,
        params: dict | None = None,
        position: tuple[float, float] = (0.0, 0.0),
        node_id: str | None = None,
    ) -> Node:
        ltype = layer_type(type_name)
        node_id = node_id or self.unique_id(type_name)
        if not NODE_ID.match(node_id):
            raise GraphError(f'"{node_id}" is not a valid layer name (letters, digits, _ and - only)')
        if node_id in self.nodes:
            raise GraphError(f'a layer named "{node_id}" already exists')
        merged = {**ltype.defaults(), **ltype.initial, **(params or {})}
        node = Node(node_id, type_name, merged, (float(position[0]), float(position[1])))
        self.nodes[node_id] = node
        self.node_added.emit(node)
        self.changed.emit()
        return node

    def remove_node(self, node_id: str) -> tuple[Node, list[tuple[str, str]]]:
        """Remove a node and its edges; returns both so an undo can put them back."""
        node = self.node(node_id)
        removed = [e for e in self.edges if node_id in e]
        for e in removed:
            self.edges.remove(e)
            self.edge_removed.emit(*e)
        del self.nodes[node_id]
        self.node_removed.emit(node_id)
        self.changed.emit()
        return node, removed

    def restore_node(self, node: Node, edges: list[tuple[str, str]]) -> None:
        """Inverse of remove_node (for undo): edges are put back in their old order."""
        self.nodes[node.id] = node
        self.node_added.emit(node)
        for s, d in edges:
            self.edges.append((s, d))
            self.edge_added.emit(s, d)
        self.changed.emit()

    def connect(self, src: str, dst: str, input_shape: Shape | None = None, check_shapes: bool = True) -> None:
        self.check_connection(src, dst, input_shape, shapes=check_shapes)
        self.edges.append((src, dst))
        self.edge_added.emit(src, dst)
        self.changed.emit()

    def disconnect(self, src: str, dst: str) -> None:
        self.remove_edge(src, dst)

    # Exact inverses for undo: no rule is re-judged, because they put back (or take away) an edge that was
    # there. A file may hold edges the rules would now refuse (an Add of unequal shapes is marked, not
    # refused), and undo must restore exactly what was there, in its place (Concatenate's input order).
    def remove_edge(self, src: str, dst: str) -> int:
        """Remove the edge src→dst and return its index in `edges`, for `insert_edge` to put it back."""
        try:
            index = self.edges.index((src, dst))
        except ValueError:
            raise GraphError(f"{src} is not connected to {dst}") from None
        del self.edges[index]
        self.edge_removed.emit(src, dst)
        self.changed.emit()
        return index

    def insert_edge(self, index: int, src: str, dst: str) -> None:
        """Put the edge src→dst back at `index` of `edges`, unvalidated (used only by undo)."""
        self.node(src)
        self.node(dst)
        self.edges.insert(index, (src, dst))
        self.edge_added.emit(src, dst)
        self.changed.emit()

    def set_param(self, node_id: str, name: str, value: Any) -> Any:
        """Set one parameter (validated against the layer's spec); returns the old value."""
        node = self.node(node_id)
        spec_names = {p.name for p in layer_type(node.type).params} | {"activation_params"}
        if name not in spec_names:
            raise ParamError(f"{node.type} has no parameter {name}")
        if value is None:
            old = node.params.pop(name, None)
        else:
            if name != "activation_params":
                value = layer_type(node.type).spec(name).coerce(value)
            else:  # a key the activation does not know is refused here too, not only when a file is read
                value = coerce_activation_params(node.params.get("activation", "linear"), value, name)
            old = node.params.get(name)
            node.params[name] = value
        self.params_changed.emit(node_id)
        self.changed.emit()
        return old

    def move_node(self, node_id: str, position: tuple[float, float]) -> None:
        self.node(node_id).position = (float(position[0]), float(position[1]))
        self.node_moved.emit(node_id)
        self.changed.emit()

    def rename_node(self, old_id: str, new_id: str) -> None:
        node = self.node(old_id)
        if new_id == old_id:
            return
        if not NODE_ID.match(new_id):
            raise GraphError(f'"{new_id}" is not a valid layer name (letters, digits, _ and - only)')
        if new_id in self.nodes:
            raise GraphError(f'a layer named "{new_id}" already exists')
        # Rebuild the dict to keep insertion order (it decides topological tie-breaks).
        self.nodes = {(new_id if k == old_id else k): v for k, v in self.nodes.items()}
        node.id = new_id
        self.edges = [(new_id if s == old_id else s, new_id if d == old_id else d) for s, d in self.edges]
        self.node_renamed.emit(old_id, new_id)
        self.changed.emit()

    def clear(self) -> None:
        for nid in list(self.nodes):
            self.remove_node(nid)

    # ---------------------------------------------------------------- analysis
    def _bump_revision(self) -> None:
        self.revision += 1

    def analyze(self, input_shape: Shape | None = None) -> Analysis:
        """Infer every node's output shape and parameter count; collect problems instead of raising.

        `input_shape` (from the prepared data) is used for an Input node without an explicit shape.
        The result is shared until the next edit: treat it as read-only.
        """
        key = tuple(input_shape) if input_shape is not None else None
        cached = self._analysis
        if cached is not None and cached[0] == self.revision and cached[1] == key:
            return cached[2]
        analysis = self._analyze(key)
        self._analysis = (self.revision, key, analysis)
        return analysis

    def _analyze(self, input_shape: Shape | None) -> Analysis:
        shapes: dict[str, Shape | None] = {}
        counts: dict[str, int] = {}
        problems: list[Problem] = []
        frozen = 0  # arrays counted but not trained (LayerType.frozen)
        if not self.nodes:
            return Analysis(shapes, counts, [Problem(None, "warning", "the network is empty: add an Input layer")])
        try:
            order = self.topological_order()
        except CycleError as err:
            return Analysis({n: None for n in self.nodes}, {}, [Problem(None, "error", err.message, CycleError)])
        inputs = self.input_nodes()
        if not inputs:
            problems.append(Problem(None, "error", "the network has no Input layer"))
        elif len(inputs) > 1:
            problems.append(Problem(None, "error", "only one Input layer is supported: " + ", ".join(inputs)))
        outputs = [n for n in self.output_nodes() if self.nodes[n].type != "Input" or len(self.nodes) == 1]
        if len(outputs) > 1:
            problems.append(
                Problem(None, "error", f"the network has several outputs ({', '.join(outputs)}); connect all but one")
            )
        for nid in order:
            node = self.nodes[nid]
            ltype = LAYER_TYPES.get(node.type)
            if ltype is None:
                problems.append(Problem(nid, "error", f'unknown layer type "{node.type}"', GraphError, nid))
                shapes[nid] = None
                continue
            try:
                params = ltype.coerce_params(node.params, "params")
            except ParamError as err:
                problems.append(Problem(nid, "error", str(err), ParamError, nid))
                shapes[nid] = None
                continue
            if node.type == "Input" and params.get("shape") is None and input_shape is not None:
                params["shape"] = list(input_shape)
            srcs = self.inputs_of(nid)
            if len(srcs) < ltype.min_inputs:
                need = "an input" if ltype.min_inputs == 1 else f"at least {ltype.min_inputs} inputs"
                problems.append(Problem(nid, "error", f"{nid} needs {need}: connect a layer into it"))
                shapes[nid] = None
                continue
            in_shapes = [shapes.get(s) for s in srcs]
            if any(s is None for s in in_shapes):
                shapes[nid] = None  # an upstream problem is already reported
                continue
            try:
                out = ltype.output_shape(params, in_shapes)
                shapes[nid] = tuple(int(d) for d in out)
                counts[nid] = ltype.param_count(params, in_shapes)
                frozen += ltype.frozen_count(params, in_shapes)
            except DesignerError as err:
                problems.append(Problem(nid, "error", err.message, ShapeError, nid))
                shapes[nid] = None
        total = sum(counts.values())
        if total > MAX_TOTAL_PARAMS:
            problems.append(
                Problem(None, "error", f"the network has {total:,} parameters; the limit is {MAX_TOTAL_PARAMS:,}")
            )
        for nid, shape in shapes.items():
            if shape is not None and math.prod(shape) > MAX_TENSOR_ELEMENTS:
                problems.append(Problem(nid, "error", f"{nid} outputs {math.prod(shape):,} values per sample",
                                        ShapeError, nid))
        return Analysis(shapes, counts, problems, frozen)

    # ---------------------------------------------------------------- (de)serialisation
    def to_dict(self) -> dict:
        return {
            "nodes": [
                {"id": n.id, "type": n.type, "params": dict(n.params), "position": [n.position[0], n.position[1]]}
                for n in self.nodes.values()
            ],
            "edges": [[s, d] for s, d in self.edges],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Graph:
        """Build from an already validated `graph` section (the project validator checks it first)."""
        g = cls()
        for n in data.get("nodes", []):
            pos = n.get("position") or (0.0, 0.0)
            node = Node(n["id"], n["type"], dict(n.get("params") or {}), (float(pos[0]), float(pos[1])))
            g.nodes[node.id] = node
        for s, d in data.get("edges", []):
            g.edges.append((s, d))
        return g

    def copy(self) -> Graph:
        return Graph.from_dict(self.to_dict())
