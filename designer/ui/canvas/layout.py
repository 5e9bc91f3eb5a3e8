"""Auto-arrange: columns by topological depth (left → right), rows ordered to reduce crossings."""

from __future__ import annotations

from designer.graph.model import Graph
from designer.ui.canvas.style import NODE_HEIGHT, NODE_WIDTH

COLUMN_GAP = 90.0
ROW_GAP = 40.0


def layered_positions(graph: Graph) -> dict[str, tuple[float, float]]:
    """Top-left position per node. Raises CycleError (from topological_order) if the graph has a cycle."""
    order = graph.topological_order()
    depth: dict[str, int] = {}
    for nid in order:
        srcs = graph.inputs_of(nid)
        depth[nid] = 1 + max((depth[s] for s in srcs), default=-1)
    columns: dict[int, list[str]] = {}
    for nid in order:
        columns.setdefault(depth[nid], []).append(nid)
    row: dict[str, float] = {}
    positions: dict[str, tuple[float, float]] = {}
    for d in sorted(columns):
        col = columns[d]
        # Barycentre of the parents' rows keeps branches beside their source; ties keep insertion order.
        index = {nid: i for i, nid in enumerate(col)}

        def key(nid: str, _index=index) -> tuple[float, int]:
            srcs = [row[s] for s in graph.inputs_of(nid) if s in row]
            return (sum(srcs) / len(srcs) if srcs else 0.0, _index[nid])

        col.sort(key=key)
        height = len(col) * NODE_HEIGHT + (len(col) - 1) * ROW_GAP
        for i, nid in enumerate(col):
            y = -height / 2 + i * (NODE_HEIGHT + ROW_GAP)
            row[nid] = y
            positions[nid] = (d * (NODE_WIDTH + COLUMN_GAP), y)
    return positions
