"""Quick builder and templates: functions that fill a Graph with a ready network, and a dialog around them.

The fill functions use only Graph methods (no Qt), so they can be tested and reused headless; the dialog
builds into a fresh Graph that the caller inserts with `CanvasView.insert_graph` (one undo step) or uses as
a new project's graph.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from designer.engine.registry import ACTIVATIONS, types_with_role
from designer.errors import ParamError
from designer.graph.model import Graph
from designer.ui.canvas.layout import layered_positions

Chain = list[tuple[str, dict]]


def _chain(graph: Graph, layers: Chain, start: str | None = None) -> list[str]:
    """Add `layers` one after another (each fed by the previous), starting after node `start` if given."""
    ids: list[str] = []
    prev = start
    for type_name, params in layers:
        nid = graph.add_node(type_name, params).id
        if prev is not None:
            graph.connect(prev, nid)
        ids.append(nid)
        prev = nid
    return ids


def _arrange(graph: Graph, ids: list[str], origin: tuple[float, float] = (0.0, 0.0)) -> None:
    positions = layered_positions(graph)
    for nid in ids:
        x, y = positions[nid]
        graph.move_node(nid, (x + origin[0], y + origin[1]))


def build_mlp(
    graph: Graph,
    hidden_layers: int,
    neurons: int | list[int],
    activation: str = "relu",
    n_outputs: int = 1,
    output_activation: str = "linear",
) -> list[str]:
    """Input → `hidden_layers` Dense layers → Dense(n_outputs). Returns the new node ids, in order.

    `neurons` is one width for every hidden layer or a list with one width per layer.
    """
    if isinstance(hidden_layers, bool) or not isinstance(hidden_layers, int) or not 0 <= hidden_layers <= 64:
        raise ParamError(f"hidden layers must be a whole number from 0 to 64, got {hidden_layers!r}")
    widths = list(neurons) if isinstance(neurons, (list, tuple)) else [neurons] * hidden_layers
    if len(widths) != hidden_layers:
        raise ParamError(f"got {len(widths)} neuron counts for {hidden_layers} hidden layers")
    for name, act in (("activation", activation), ("output activation", output_activation)):
        if act not in ACTIVATIONS:
            raise ParamError(f"{name} must be one of {', '.join(ACTIVATIONS)}, got {act!r}")
    layers: Chain = [("Input", {})]
    layers += [("Dense", {"units": w, "activation": activation}) for w in widths]
    layers.append(("Dense", {"units": n_outputs, "activation": output_activation}))
    ids = _chain(graph, layers)
    _arrange(graph, ids)
    return ids


def binary_classifier(graph: Graph) -> list[str]:
    return build_mlp(graph, 2, [16, 8], "relu", 1, "sigmoid")


def multiclass_classifier(graph: Graph) -> list[str]:
    ids = _chain(
        graph,
        [
            ("Input", {}),
            ("Dense", {"units": 32, "activation": "relu"}),
            ("Dropout", {"rate": 0.2}),
            ("Dense", {"units": 16, "activation": "relu"}),
            ("Dense", {"units": 3, "activation": "softmax"}),
        ],
    )
    _arrange(graph, ids)
    return ids


def regression(graph: Graph) -> list[str]:
    return build_mlp(graph, 2, [32, 16], "relu", 1, "linear")


def small_cnn_digits(graph: Graph) -> list[str]:
    """For the 8×8 digits set: two small convolutions, one pooling step, then a dense head."""
    ids = _chain(
        graph,
        [
            ("Input", {"shape": [8, 8, 1]}),
            ("Conv2D", {"filters": 8, "kernel_size": 3, "padding": "same", "activation": "relu"}),
            ("MaxPooling2D", {"pool_size": 2}),
            ("Conv2D", {"filters": 16, "kernel_size": 3, "padding": "same", "activation": "relu"}),
            ("Flatten", {}),
            ("Dense", {"units": 32, "activation": "relu"}),
            ("Dense", {"units": 10, "activation": "softmax"}),
        ],
    )
    _arrange(graph, ids)
    return ids


def residual_block(graph: Graph) -> list[str]:
    """Dense → (Dense → normalisation → Activation → Dense) + skip → Add → ReLU → output; the normalisation is
    the layer type whose role is "normalization" (batch normalisation)."""
    stem = _chain(graph, [("Input", {}), ("Dense", {"units": 32, "activation": "relu"})])
    branch = _chain(
        graph,
        [
            ("Dense", {"units": 32}),
            (types_with_role("normalization")[0], {}),
            ("Activation", {"activation": "relu"}),
            ("Dense", {"units": 32}),
        ],
        start=stem[-1],
    )
    add = graph.add_node("Add").id
    graph.connect(branch[-1], add)
    graph.connect(stem[-1], add)
    tail = _chain(graph, [("Activation", {"activation": "relu"}), ("Dense", {"units": 1})], start=add)
    ids = stem + branch + [add] + tail
    _arrange(graph, ids)
    return ids


TEMPLATES: dict[str, Callable[[Graph], list[str]]] = {
    "Binary classifier": binary_classifier,
    "Multi-class classifier": multiclass_classifier,
    "Regression": regression,
    "Small CNN (8×8 digits)": small_cnn_digits,
    "Residual block": residual_block,
}


class QuickBuilderDialog(QDialog):
    """Either an MLP from a few numbers or one of the templates; `result_graph()` builds it."""

    def __init__(self, parent: QWidget | None = None, task: str | None = None, classes: list[str] | None = None):
        super().__init__(parent)
        self.setWindowTitle("Quick builder")
        self.tabs = QTabWidget()

        mlp = QWidget()
        form = QFormLayout(mlp)
        self.hidden = QSpinBox()
        self.hidden.setRange(0, 64)
        self.hidden.setValue(2)
        self.neurons = QLineEdit("16")
        self.neurons.setPlaceholderText("one width for all, or one per layer: 32, 16")
        self.activation = self._activation_combo("relu")
        self.outputs = QSpinBox()
        self.outputs.setRange(1, 65_536)
        self.output_activation = self._activation_combo("linear")
        self.data_note = QLabel()
        self.data_note.setObjectName("hint")
        self._fit_to_data(task, list(classes or []))
        form.addRow("Hidden layers", self.hidden)
        form.addRow("Neurons per layer", self.neurons)
        form.addRow("Hidden activation", self.activation)
        form.addRow("Outputs", self.outputs)
        form.addRow("Output activation", self.output_activation)
        form.addRow(self.data_note)
        self.tabs.addTab(mlp, "MLP")

        tpl = QWidget()
        tform = QFormLayout(tpl)
        self.template = QComboBox()
        self.template.addItems(list(TEMPLATES))
        tform.addRow("Template", self.template)
        self.tabs.addTab(tpl, "Templates")

        self.error = QLabel()
        self.error.setStyleSheet("color: #dc352f;")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._graph: Graph | None = None

    def _fit_to_data(self, task: str | None, classes: list[str]) -> None:
        """The output layer the loaded data needs: one softmax unit per class (the default loss is categorical
        cross-entropy), or one linear unit for regression."""
        if task == "classification" and len(classes) >= 2:
            self.outputs.setValue(len(classes))
            self.output_activation.setCurrentIndex(self.output_activation.findData("softmax"))
            shown = ", ".join(classes[:4]) + (", …" if len(classes) > 4 else "")
            self.data_note.setText(f"Outputs fit the loaded data: {len(classes)} classes ({shown})")
        elif task == "regression":
            self.outputs.setValue(1)
            self.output_activation.setCurrentIndex(self.output_activation.findData("linear"))
            self.data_note.setText("Outputs fit the loaded data: one number to predict (regression)")

    @staticmethod
    def _activation_combo(current: str) -> QComboBox:
        box = QComboBox()
        for name, choice in ACTIVATIONS.items():
            box.addItem(choice.label, name)
        box.setCurrentIndex(box.findData(current))
        return box

    def result_graph(self) -> Graph:
        """Build the chosen network into a new Graph (raises ParamError for bad inputs)."""
        graph = Graph()
        if self.tabs.currentIndex() == 0:
            text = self.neurons.text().replace(",", " ").split()
            try:
                widths = [int(t) for t in text]
            except ValueError:
                raise ParamError(f'neurons must be whole numbers, got "{self.neurons.text()}"') from None
            if not widths or any(w < 1 for w in widths):
                raise ParamError("neurons must be positive whole numbers")
            hidden = self.hidden.value()
            neurons: int | list[int] = widths[0] if len(widths) == 1 else widths
            build_mlp(
                graph,
                hidden,
                neurons,
                self.activation.currentData(),
                self.outputs.value(),
                self.output_activation.currentData(),
            )
        else:
            TEMPLATES[self.template.currentText()](graph)
        return graph

    def _try_accept(self) -> None:
        try:
            self._graph = self.result_graph()
        except ParamError as err:
            self.error.setText(str(err))
            return
        self.accept()

    @property
    def graph(self) -> Graph | None:
        """The graph built on OK (None before)."""
        return self._graph
