"""The open project as the mathematics views need it: an engine Network with the project's weights and the
prepared data, built on first use and kept until the project, its graph, data or weights change."""

from __future__ import annotations

import logging

from designer.errors import DesignerError

log = logging.getLogger(__name__)


class ProjectModel:
    def __init__(self, session) -> None:
        self.session = session
        self._built = None  # (network, prepared) or (None, reason)
        self.builds = 0
        self.listeners: list = []  # called on every change of the project's state (the stepper lets go)
        session.replaced.connect(self._project_replaced)
        session.weights_changed.connect(self.invalidate)
        session.data_changed.connect(self.invalidate)
        session.training_changed.connect(self.invalidate)
        self._graph = None
        self._follow_graph()

    def _follow_graph(self) -> None:
        graph = self.session.project.graph
        if graph is self._graph:
            return
        if self._graph is not None:
            self._graph.changed.disconnect(self.invalidate)
        self._graph = graph
        graph.changed.connect(self.invalidate)

    def _project_replaced(self, _project=None) -> None:
        self._follow_graph()
        self.invalidate()

    def invalidate(self, *_args) -> None:
        self._built = None
        for listener in self.listeners:
            listener()

    def get(self):
        """(network, prepared, "") or (None, None, why not): built once per state of the project."""
        if self._built is None:
            from designer.training.run import build_and_prepare

            try:
                network, prepared = build_and_prepare(self.session.project, self.session.base_dir)
                self._built = (network, prepared, "")
            except DesignerError as err:
                self._built = (None, None, str(err))
            except Exception as err:  # a bug must not take the window down with it: say it, log it
                log.exception("building the network for the mathematics views failed")
                self._built = (None, None, f"cannot build the network: {type(err).__name__}: {err}")
            self.builds += 1
        return self._built

    @property
    def training(self) -> dict:
        return self.session.project.training or {}
