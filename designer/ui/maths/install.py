"""Puts the mathematics views into the main window: one "Mathematics" dock beside the properties (function
lab, initialisation, gradient descent), the backprop stepper in the Neurons tab, the bias demo behind the bias
property's help. The window calls `install_maths(self)` once; everything else is wired here."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QTabWidget

from designer.engine.registry import LAYER_TYPES
from designer.ui.maths.context import ProjectModel
from designer.ui.maths.descent_view import DescentView
from designer.ui.maths.function_lab import ActivationLab, LossLab
from designer.ui.maths.init_view import InitialisationView
from designer.ui.maths.stepper_view import StepperPanel

LIVE_REFRESH_S = 1.0  # a running run's distributions: at most one refresh a second

ACTIVATION_TYPES = ("Dense", "Activation")


class MathsDock(QTabWidget):
    """The dock's tabs, following the selected layer, the project's loss and live training."""

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.model = ProjectModel(window.session)
        self.activation_lab = ActivationLab()
        self.loss_lab = LossLab()
        self.init_view = InitialisationView()
        self.addTab(self.activation_lab, "Activation")
        self.addTab(self.loss_lab, "Loss")
        self.addTab(self.init_view, "Initialisation")
        self.descent_view = DescentView(self.model)
        self.addTab(self.descent_view, "Descent")
        self.setTabToolTip(3, "The loss over two weights around the current point; SGD, momentum and Adam on it")
        self.setTabToolTip(0, "The selected layer's activation, its derivative and where its inputs z fall")
        self.setTabToolTip(1, "The loss and its gradient against the prediction; all losses; an outlier's pull")
        self.setTabToolTip(2, "How the selected layer's weights start (fan-in, fan-out) and where they are now")
        self.node_id: str | None = None
        self._live: dict = {}  # the last probed epoch's distributions while a run goes on
        self._live_at = -LIVE_REFRESH_S  # time.monotonic() of the last live refresh
        self._graph = None
        self._follow(window.project)
        window.session.replaced.connect(self._follow)
        window.session.training_changed.connect(self._show_training)
        window.session.weights_changed.connect(self._weights_changed)
        window.canvas.node_selected.connect(self.show_node)
        window.runner.run_started.connect(self._run_started)
        window.runner.epoch_ended.connect(self.on_epochs)
        self.currentChanged.connect(lambda _i: self._refresh_distributions())
        self._show_training(window.project.training)

    # ------------------------------------------------------------------ following the project
    def _follow(self, project) -> None:
        if self._graph is not None:
            self._graph.params_changed.disconnect(self._params_changed)
        self._graph = project.graph
        self._graph.params_changed.connect(self._params_changed)
        self._live = {}
        self.show_node(None)
        self._show_training(project.training)

    def _params_changed(self, node_id: str) -> None:
        if node_id == self.node_id:
            self.show_node(node_id)

    def _show_training(self, cfg) -> None:
        cfg = cfg or {}
        self.loss_lab.show_loss(cfg.get("loss", "categorical_crossentropy"), cfg.get("loss_params") or {})

    def show_node(self, node_id: str | None) -> None:
        graph = self.window.project.graph
        node = graph.nodes.get(node_id) if node_id else None
        self.node_id = node.id if node is not None else None
        if node is not None and node.type in ACTIVATION_TYPES:
            self.activation_lab.show_activation(node.params.get("activation", "relu" if node.type == "Activation"
                                                                else "linear"),
                                                node.params.get("activation_params") or {})
        self._refresh_distributions()

    def _weights_changed(self) -> None:
        if not self.window.runner.is_running:
            self._live = {}
        self._refresh_distributions()

    # ------------------------------------------------------------------ distributions: live or at rest
    def _run_started(self, _info) -> None:
        self._live = {}
        self._live_at = -LIVE_REFRESH_S

    def on_epochs(self, update) -> None:
        """A batch of finished epochs from the run: keep the last probed distributions; the views redraw on
        their own timers, only while visible and, during a run, at most once a second (the end of the run shows
        the final state through weights_changed)."""
        now = time.monotonic()
        if now - self._live_at < LIVE_REFRESH_S:
            return
        for event in reversed(update.events):
            extras = getattr(event, "extras", None) or {}
            if "preactivations" in extras:
                self._live_at = now
                self._live = {"preactivations": extras["preactivations"], "kernels": extras.get("kernels", {})}
                self._refresh_distributions(live_only=True)
                break

    def distributions(self) -> dict:
        """The live run's distributions, else those of the project's weights at rest (computed once per state)."""
        if self._live:
            return self._live
        cached = getattr(self.model, "_distributions", None)
        if cached is not None and cached[0] is self.model._built:
            return cached[1]
        network, prepared, _reason = self.model.get()
        if network is None or not self.window.project.weights:
            dists = {}
        else:
            from designer.maths.distributions import project_distributions
            from designer.training.metrics import reshape_inputs

            dists = project_distributions(network, reshape_inputs(prepared.x_train, network.input_shape))
        self.model._distributions = (self.model._built, dists)
        return dists

    def _refresh_distributions(self, live_only: bool = False) -> None:
        if not self.isVisible() or (live_only and not self._live):
            return
        if self.currentWidget() is self.activation_lab:
            layer = self._dense_for(self.node_id)
            hist = self.distributions().get("preactivations", {}).get(layer) if layer else None
            self.activation_lab.set_histogram(layer, hist)
        elif self.currentWidget() is self.init_view:
            self._show_init()
        elif self.currentWidget() is self.descent_view and not live_only:
            self.descent_view.refresh_choices(self._dense_for(self.node_id))

    def _show_init(self) -> None:
        """The selected layer's kernel: its initializer and shape from the graph, its values from the live run
        or the project's weights."""
        graph = self.window.project.graph
        node = graph.nodes.get(self.node_id) if self.node_id else None
        if node is None or "kernel_initializer" not in {p.name for p in LAYER_TYPES[node.type].params}:
            self.init_view.show_layer(None, None, None, None)
            return
        analysis = self.window.session.analysis
        sources = graph.inputs_of(node.id)
        in_shape = analysis.shapes.get(sources[0]) if len(sources) == 1 else None
        try:
            shape = LAYER_TYPES[node.type].weight_shapes(node.params, in_shape).get("kernel")
        except Exception:  # a half-edited layer: no shape yet
            shape = None
        current = self._live.get("kernels", {}).get(node.id) if self._live else None
        if current is None:
            current = self.window.project.weights.get(f"{node.id}/kernel")
            if current is not None and shape is not None and tuple(np.shape(current)) != tuple(shape):
                current = None
        self.init_view.show_layer(node.id, node.params.get("kernel_initializer", "glorot_uniform"), shape,
                                  current)

    def _dense_for(self, node_id: str | None) -> str | None:
        """The Dense layer whose z the selected layer's activation sees: itself, or an Activation's source."""
        graph = self.window.project.graph
        while node_id in graph.nodes and graph.nodes[node_id].type == "Activation":
            sources = graph.inputs_of(node_id)
            node_id = sources[0] if len(sources) == 1 else None
        return node_id if node_id in graph.nodes and graph.nodes[node_id].type == "Dense" else None

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        self._refresh_distributions()


def _scrolling(widget):
    from PySide6.QtWidgets import QScrollArea

    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


def show_bias_demo(window) -> None:
    from designer.ui.maths.bias_view import BiasDemoDialog

    window.bias_demo = BiasDemoDialog(window)
    window.bias_demo.show()  # not modal: the user can keep working beside it


def install_stepper(window, model: ProjectModel) -> StepperPanel:
    """The Neurons tab becomes the stepper panel around the existing weights view (`window.neurons`)."""
    index = window.tabs.indexOf(window.neurons)
    tip = window.tabs.tabToolTip(index)
    panel = StepperPanel(window.neurons, model)
    window.tabs.removeTab(index)
    window.stepper_tab = _scrolling(panel)
    window.tabs.insertTab(index, window.stepper_tab, "Neurons")
    window.tabs.setTabToolTip(index, tip + "; Step batch plays backpropagation on it")
    model.listeners.append(panel.project_changed)  # any edit of graph, data, settings or weights
    window.stepper = panel
    return panel


def install_maths(window) -> MathsDock:
    """Add the Mathematics dock (tabbed with Summary and Problems, below the properties) and its View menu
    entry, and the stepper in the Neurons tab; returns the dock's widget (also `window.maths`)."""
    maths = MathsDock(window)
    install_stepper(window, maths.model)
    window.properties.param_help["use_bias"] = ("What does it do? Try it", lambda: show_bias_demo(window))
    dock = QDockWidget("Mathematics", window)
    dock.setObjectName("dock-mathematics")
    dock.setWidget(_scrolling(maths))  # a small window scrolls the views instead of growing its minimum
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.tabifyDockWidget(window.problems_dock, dock)
    window.summary_dock.raise_()
    window.maths = maths
    window.maths_dock = dock
    view_menu = next((a.menu() for a in window.menuBar().actions() if a.text() == "&View"), None)
    if view_menu is not None:
        view_menu.addAction(dock.toggleViewAction())
    return maths
