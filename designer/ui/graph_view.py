"""Base for panels that show something derived from the graph (summary table, problems list).

They redraw once per event-loop turn after any number of edits (a paste of 40 layers is one redraw),
and follow a new graph when a project is opened.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from designer.graph.model import Graph


class GraphFollower(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.graph: Graph | None = None
        self.input_shape: tuple[int, ...] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._refresh_now)

    def set_graph(self, graph: Graph) -> None:
        if self.graph is not None:
            self.graph.changed.disconnect(self._timer.start)
        self.graph = graph
        graph.changed.connect(self._timer.start)
        self._refresh_now()

    def set_input_shape(self, shape) -> None:
        self.input_shape = tuple(shape) if shape is not None else None
        self._refresh_now()

    def _refresh_now(self) -> None:
        self._timer.stop()
        self.refresh()

    def refresh(self) -> None:
        """Redraw from `self.graph.analyze(self.input_shape)`."""
        raise NotImplementedError
