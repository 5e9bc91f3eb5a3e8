"""The page shown when the app opens without a project: examples to start from, recent files, new/open.

Examples are built in code from the graph API (no file to go stale when the format evolves); the smoke
test and the GUI benchmark use the same builders.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from designer.graph import Graph
from designer.project.model import Project, default_training


def _chain(graph: Graph, layers: list[tuple[str, dict]]) -> None:
    """Add layers left to right, each fed by the previous one."""
    prev = None
    for i, (type_name, params) in enumerate(layers):
        node = graph.add_node(type_name, params, position=(i * 200.0, 0.0))
        if prev is not None:
            graph.connect(prev, node.id)
        prev = node.id


def iris_mlp() -> Project:
    """Iris flowers: 4 measurements → 3 species, a small MLP."""
    p = Project(name="Iris classifier")
    _chain(p.graph, [("Input", {"shape": [4]}), ("Dense", {"units": 16, "activation": "relu"}),
                     ("Dense", {"units": 3, "activation": "softmax"})])
    p.training = default_training()
    p.training.update(epochs=60, batch_size=16, optimizer={"type": "adam", "learning_rate": 0.01})
    return p


def spiral_classifier(classes: int = 2) -> Project:
    """Two interleaved spirals: the classic 2-D problem where the decision boundary is fun to watch."""
    p = Project(name="Spiral classifier")
    p.data.update(source={"kind": "builtin", "name": "spiral", "samples": 400, "noise": 0.1, "seed": 0},
                  target="label", task="classification")
    _chain(p.graph, [("Input", {"shape": [2]}), ("Dense", {"units": 24, "activation": "tanh"}),
                     ("Dense", {"units": 24, "activation": "tanh"}),
                     ("Dense", {"units": classes, "activation": "softmax"})])
    p.training.update(epochs=200, batch_size=16, optimizer={"type": "adam", "learning_rate": 0.02})
    return p


def digits_cnn() -> Project:
    """8×8 handwritten digits as images: a small convolutional network."""
    p = Project(name="Digits CNN")
    p.data.update(source={"kind": "builtin", "name": "digits"}, target="digit", task="classification",
                  scaling="minmax")
    _chain(p.graph, [
        ("Input", {"shape": [8, 8, 1]}),
        ("Conv2D", {"filters": 16, "kernel_size": 3, "padding": "same", "activation": "relu"}),
        ("MaxPooling2D", {"pool_size": 2}),
        ("Flatten", {}),
        ("Dense", {"units": 64, "activation": "relu"}),
        ("Dense", {"units": 10, "activation": "softmax"}),
    ])
    p.training.update(epochs=10, batch_size=32, optimizer={"type": "adam", "learning_rate": 0.005})
    return p


EXAMPLES: dict[str, tuple[str, Callable[[], Project]]] = {
    "iris": ("Iris classifier — 4 measurements, 3 species, a small MLP", iris_mlp),
    "spiral": ("Spiral classifier — 2-D points, watch the decision boundary form", spiral_classifier),
    "digits": ("Digits CNN — 8×8 handwritten digits with Conv2D + pooling", digits_cnn),
}


def example_files() -> list[Path]:
    """Example projects shipped as files (examples/ in a checkout, resources/examples in a bundle)."""
    from designer.resources import resources_dir

    found: list[Path] = []
    for folder in (resources_dir() / "examples", resources_dir().parent / "examples"):
        if folder.is_dir():
            found.extend(sorted(folder.glob("*.nnproj")))
    return found


class StartPage(QWidget):
    """Signals: new_requested(), open_requested(), example_requested(key), recent_requested(path)."""

    new_requested = Signal()
    open_requested = Signal()
    example_requested = Signal(str)
    recent_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Network Designer")
        title.setObjectName("title")
        hint = QLabel("Draw a neural network, train it on real data while watching it learn, and ship it.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)  # texts wrap rather than set the window's minimum width (800 px screens)

        new_btn = QPushButton("New empty project")
        new_btn.setObjectName("primary")
        new_btn.clicked.connect(self.new_requested)
        open_btn = QPushButton("Open…")
        open_btn.clicked.connect(self.open_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(new_btn)
        buttons.addWidget(open_btn)
        buttons.addStretch(1)

        self.examples = QListWidget()
        # Shipped example files when there are any (their names come from the files), else the built-in ones.
        files = example_files()
        entries = [(_file_label(f), str(f)) for f in files] or [(label, key) for key, (label, _) in EXAMPLES.items()]
        for label, key in entries:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.examples.addItem(item)
        # Only `itemActivated` (a double-click or Enter): with itemDoubleClicked too, a double-click opened the
        # project twice, and the second handler read an item the first had already replaced (a traceback).
        self.examples.itemActivated.connect(
            lambda it: self.example_requested.emit(it.data(Qt.ItemDataRole.UserRole)))

        self.recent = QListWidget()
        self.recent.itemActivated.connect(lambda it: self.recent_requested.emit(it.data(Qt.ItemDataRole.UserRole)))
        self._recent_empty = QLabel("No recent projects yet.")
        self._recent_empty.setObjectName("hint")

        lists = QHBoxLayout()
        for caption, widget, extra in (("Start from an example (double-click)", self.examples, None),
                                       ("Recent projects", self.recent, self._recent_empty)):
            col = QVBoxLayout()
            head = QLabel(caption)
            head.setStyleSheet("font-weight: 600;")
            head.setWordWrap(True)
            col.addWidget(head)
            col.addWidget(widget)
            if extra is not None:
                col.addWidget(extra)
            lists.addLayout(col)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 30, 40, 30)
        outer.addWidget(title)
        outer.addWidget(hint)
        outer.addSpacing(12)
        outer.addLayout(buttons)
        outer.addSpacing(12)
        outer.addLayout(lists, 1)

    def set_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for path in paths:
            item = QListWidgetItem(f"{Path(path).stem}    —    {path}")
            item.setData(Qt.ItemDataRole.UserRole, path)
            self.recent.addItem(item)
        self._recent_empty.setVisible(not paths)


def _file_label(path: Path) -> str:
    from designer.errors import DesignerError
    from designer.project.io import load_project

    try:
        return load_project(path).name
    except DesignerError:  # a broken example still shows, by its file name
        return path.stem
