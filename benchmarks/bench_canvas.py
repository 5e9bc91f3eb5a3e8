"""How the canvas copes with a big network: a 300-layer graph loads, analyses and draws.

The graph is 1 Input, then residual blocks (Dense → BatchNorm → Activation → Dense → Add(skip) →
Activation) and a Dense head: 300 nodes, ~350 edges, with long skip edges. Each step is timed separately
(median of the repeats, milliseconds) and printed:

    QT_QPA_PLATFORM=offscreen python -m benchmarks.bench_canvas [--layers 300] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QImage, QPainter, QUndoStack  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from designer.graph.model import Graph  # noqa: E402
from designer.ui.canvas.layout import layered_positions  # noqa: E402
from designer.ui.canvas.view import CanvasView  # noqa: E402
from designer.ui.commands import MoveNodesCommand, SetParamCommand  # noqa: E402

BLOCK = 6  # layers per residual block


def big_graph_dict(n_layers: int) -> dict:
    """A project-file style graph section with `n_layers` nodes, laid out left → right."""
    g = Graph()
    prev = g.add_node("Input", {"shape": [32]}).id
    prev_width = g.add_node("Dense", {"units": 32, "activation": "relu"}).id
    g.connect(prev, prev_width)
    prev = prev_width
    while len(g.nodes) + BLOCK + 1 <= n_layers:
        ids = [
            g.add_node("Dense", {"units": 32}).id,
            g.add_node("BatchNormalization").id,
            g.add_node("Activation", {"activation": "relu"}).id,
            g.add_node("Dense", {"units": 32}).id,
        ]
        g.connect(prev, ids[0])
        for a, b in zip(ids, ids[1:]):
            g.connect(a, b)
        add = g.add_node("Add").id
        g.connect(ids[-1], add)
        g.connect(prev, add)
        act = g.add_node("Activation", {"activation": "relu"}).id
        g.connect(add, act)
        prev = act
    while len(g.nodes) < n_layers:
        nxt = g.add_node("Dense", {"units": 32 if len(g.nodes) < n_layers - 1 else 1}).id
        g.connect(prev, nxt)
        prev = nxt
    for nid, pos in layered_positions(g).items():
        g.nodes[nid].position = pos
    return g.to_dict()


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000.0, out


def run_once(app: QApplication, data: dict) -> dict[str, float]:
    times: dict[str, float] = {}
    times["parse graph"], graph = timed(lambda: Graph.from_dict(data))
    times["analyze"], analysis = timed(lambda: graph.analyze(None))
    assert analysis.ok, analysis.problems[:3]

    stack = QUndoStack()
    times["build canvas (items + analysis)"], view = timed(lambda: CanvasView(graph, stack))
    view.resize(1600, 900)
    view.show()
    app.processEvents()
    times["fit to view"], _ = timed(view.fit_to_view)

    scene = view.canvas_scene
    rect = scene.itemsBoundingRect()
    image = QImage(2400, max(200, int(2400 * rect.height() / rect.width())), QImage.Format.Format_ARGB32)

    def render_all():
        image.fill(Qt.GlobalColor.white)
        p = QPainter(image)
        scene.render(p, QRectF(image.rect()), rect)
        p.end()

    times["draw whole scene (2400 px wide)"], _ = timed(render_all)
    times["draw viewport (grab 1600×900)"], _ = timed(view.grab)

    first_dense = next(n for n in graph.nodes.values() if n.type == "Dense").id

    def edit():
        stack.push(SetParamCommand(graph, first_dense, "units", 48))
        scene.refresh_analysis()  # what the next event-loop turn would do

    times["edit a parameter + re-analyse"], _ = timed(edit)
    item = scene.nodes[first_dense]
    times["move a node (edges follow)"], _ = timed(lambda: item.setPos(item.pos() + QPointF(5, 40)))
    shifted = {nid: (n.position, (n.position[1], n.position[0])) for nid, n in graph.nodes.items()}
    times["move all nodes (one command)"], _ = timed(lambda: stack.push(MoveNodesCommand(graph, shifted)))
    times["auto-arrange (one undo step)"], _ = timed(view.auto_arrange)
    assert stack.undoText() == "Auto-arrange"
    times["undo auto-arrange"], _ = timed(stack.undo)
    view.close()
    view.deleteLater()
    app.processEvents()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    data = big_graph_dict(args.layers)
    print(f"graph: {len(data['nodes'])} layers, {len(data['edges'])} edges; {args.repeats} repeats, median ms")
    runs = [run_once(app, data) for _ in range(args.repeats)]
    for key in runs[0]:
        values = [r[key] for r in runs]
        print(f"  {key:<36} {statistics.median(values):9.1f}   (min {min(values):.1f}, max {max(values):.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
