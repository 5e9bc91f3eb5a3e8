"""Property editors for the selected layer, generated from the registry's ParamSpecs.

Each edit is validated by the spec first; a bad value is shown (red editor + the reason) and not applied.
Good values go through `SetParamCommand`, so they can be undone and merge per field.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from designer.engine.registry import ACTIVATIONS, INITIALIZERS, LAYER_TYPES, ParamSpec, coerce_activation_params
from designer.errors import DesignerError, ParamError
from designer.graph.model import Graph
from designer.ui.canvas.items import format_shape
from designer.ui.canvas.style import ERROR_COLOUR
from designer.ui.commands import RenameNodeCommand, SetParamCommand
from designer.ui.strict_spin import StrictDoubleSpinBox, StrictSpinBox

INT_LIMIT = 2**31 - 1
_INVALID_STYLE = f"border: 2px solid {ERROR_COLOUR.name()};"


def parse_ints(text: str) -> list[int] | None:
    """ "8, 8, 1" / "3x3" / "3" → ints; empty → None (the default). Raises ParamError on anything else."""
    text = text.strip().strip("[]()")
    if not text:
        return None
    parts = [p for p in re.split(r"[\s,x×]+", text) if p]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise ParamError(f'"{text}" is not a list of whole numbers') from None


class _Editor:
    """One parameter row: the widget, how to read/write it, and whether it is being refreshed."""

    def __init__(self, widget: QWidget, read: Callable[[], Any], write: Callable[[Any], None]):
        self.widget, self.read, self.write = widget, read, write


class PropertiesPanel(QWidget):
    def __init__(self, graph: Graph, undo_stack: QUndoStack, parent: QWidget | None = None):
        super().__init__(parent)
        self.undo_stack = undo_stack
        self.graph: Graph | None = None
        self.node_id: str | None = None
        self.input_shape: tuple[int, ...] | None = None
        self.editors: dict[str, _Editor] = {}
        self._rows: list[str] = []
        # parameter name → (link text, callback): a help link beside that editor (the bias demo, #18)
        self.param_help: dict[str, tuple[str, Callable[[], None]]] = {}
        self.help_links: dict[str, QLabel] = {}

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR.name()};")
        self.error.hide()
        self.name_edit = QLineEdit()  # replaced on every build: removeRow deletes the row's widgets
        self._info_timer = QTimer(self)
        self._info_timer.setSingleShot(True)
        self._info_timer.setInterval(0)
        self._info_timer.timeout.connect(self._refresh_info)

        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        body = QWidget()
        col = QVBoxLayout(body)
        col.addWidget(self.title)
        col.addWidget(self.form_host)
        col.addWidget(self.info)
        col.addWidget(self.error)
        col.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.set_graph(graph)

    # ------------------------------------------------------------------ public API
    def set_graph(self, graph: Graph) -> None:
        if self.graph is not None:
            self.graph.params_changed.disconnect(self._on_params_changed)
            self.graph.node_renamed.disconnect(self._on_renamed)
            self.graph.node_removed.disconnect(self._on_removed)
            self.graph.changed.disconnect(self._info_timer.start)
        self.graph = graph
        graph.params_changed.connect(self._on_params_changed)
        graph.node_renamed.connect(self._on_renamed)
        graph.node_removed.connect(self._on_removed)
        graph.changed.connect(self._info_timer.start)
        self.show_node(None)

    def set_input_shape(self, shape) -> None:
        self.input_shape = tuple(shape) if shape is not None else None
        self._refresh_info()

    def show_node(self, node_id: str | None) -> None:
        self.node_id = node_id if node_id and node_id in self.graph.nodes else None
        self._build()

    # ------------------------------------------------------------------ building the form
    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        self.help_links = {}

    def _build(self) -> None:
        self._clear_form()
        self._show_error("")
        if self.node_id is None:
            self.title.setText("<i>Select a layer to edit its properties.</i>")
            self.info.clear()
            self.form_host.hide()
            return
        self.form_host.show()
        node = self.graph.node(self.node_id)
        lt = LAYER_TYPES[node.type]
        self.title.setText(f"<b>{node.type}</b><br><small>{html.escape(lt.description)}</small>")
        self.name_edit = QLineEdit(node.id)
        self.name_edit.editingFinished.connect(self._on_rename)
        self.form.addRow("Name", self.name_edit)
        for spec in lt.params:
            editor = self._make_editor(spec)
            editor.widget.setToolTip(spec.doc or spec.name)
            self.editors[spec.name] = editor
            self.form.addRow(spec.name.replace("_", " ").capitalize(), self._with_help(spec.name, editor.widget))
        act = ACTIVATIONS.get(node.params.get("activation", ""))
        for spec in act.params if act else ():
            editor = self._make_activation_param_editor(spec)
            self.editors["activation_params." + spec.name] = editor
            self.form.addRow(f"{act.label} {spec.name.replace('_', ' ')}", editor.widget)
        self._rows = self._row_keys()
        self._load_values()
        self._refresh_info()

    def _with_help(self, name: str, widget: QWidget) -> QWidget:
        """The editor, with its help link beside it when one is registered in `param_help`."""
        if name not in self.param_help:
            return widget
        text, callback = self.param_help[name]
        link = QLabel(f"<a href='#'>{html.escape(text)}</a>")
        link.setTextFormat(Qt.TextFormat.RichText)
        link.linkActivated.connect(lambda _href, cb=callback: cb())
        self.help_links[name] = link
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(widget)
        box.addWidget(link, 1)
        return row

    def _row_keys(self) -> list[str]:
        node = self.graph.nodes.get(self.node_id)
        if node is None:
            return []
        act = ACTIVATIONS.get(node.params.get("activation", ""))
        return [node.type] + [p.name for p in (act.params if act else ())]

    def _make_editor(self, spec: ParamSpec) -> _Editor:
        name = spec.name
        label = name.replace("_", " ")
        if spec.kind == "int":
            w = StrictSpinBox(label)
            w.refused.connect(self._refused)
            w.setRange(
                int(spec.minimum if spec.minimum is not None else -INT_LIMIT),
                int(spec.maximum if spec.maximum is not None else INT_LIMIT),
            )
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda v, n=name: self._apply(n, v))
            return _Editor(w, w.value, lambda v, w=w: w.setValue(int(v)))
        if spec.kind == "float":
            w = StrictDoubleSpinBox(label)
            w.refused.connect(self._refused)
            small = spec.default is not None and 0 < abs(spec.default) < 0.01
            w.setDecimals(7 if small else 4)
            w.setRange(
                spec.minimum if spec.minimum is not None else -1e9, spec.maximum if spec.maximum is not None else 1e9
            )
            w.setSingleStep(0.01 if (spec.maximum or 10) <= 1 else 0.1)
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda v, n=name: self._apply(n, v))
            return _Editor(w, w.value, lambda v, w=w: w.setValue(float(v)))
        if spec.kind == "bool":
            w = QCheckBox()
            w.toggled.connect(lambda v, n=name: self._apply(n, v))
            return _Editor(w, w.isChecked, lambda v, w=w: w.setChecked(bool(v)))
        if spec.kind in ("choice", "activation", "initializer"):
            w = QComboBox()
            table = ACTIVATIONS if spec.kind == "activation" else INITIALIZERS if spec.kind == "initializer" else {}
            for c in spec.all_choices():
                label = table[c].label if c in table else c
                w.addItem(label, c)
                if c in table:
                    w.setItemData(w.count() - 1, table[c].description, Qt.ItemDataRole.ToolTipRole)
            w.currentIndexChanged.connect(lambda _i, n=name, w=w: self._apply(n, w.currentData()))
            return _Editor(w, w.currentData, lambda v, w=w: w.setCurrentIndex(max(0, w.findData(v))))
        # "shape" and "int_or_pair": typed as numbers separated by commas; empty means the default.
        w = QLineEdit()
        if spec.kind == "shape":
            w.setPlaceholderText("from the data, e.g. 8, 8, 1")
        else:
            w.setPlaceholderText("same as pool size" if spec.default is None else "e.g. 3 or 3, 2")
        w.editingFinished.connect(lambda n=name, w=w, k=spec.kind: self._apply_text(n, w.text(), k))

        def write(v, w=w):
            w.setText("" if v is None else ", ".join(str(x) for x in v) if isinstance(v, list) else str(v))

        return _Editor(w, w.text, write)

    def _make_activation_param_editor(self, spec: ParamSpec) -> _Editor:
        w = StrictDoubleSpinBox(spec.name.replace("_", " "))
        w.refused.connect(self._refused)
        w.setDecimals(4)
        w.setRange(
            spec.minimum if spec.minimum is not None else -1e9, spec.maximum if spec.maximum is not None else 1e9
        )
        w.setSingleStep(0.01 if (spec.maximum or 10) <= 1 else 0.1)
        w.setKeyboardTracking(False)
        w.setToolTip(spec.doc)
        w.valueChanged.connect(lambda v, n=spec.name: self._apply_activation_param(n, v))
        return _Editor(w, w.value, lambda v, w=w: w.setValue(float(v)))

    def _load_values(self) -> None:
        node = self.graph.node(self.node_id)
        act = ACTIVATIONS.get(node.params.get("activation", ""))
        act_values = dict(node.params.get("activation_params") or {})
        for key, editor in self.editors.items():
            if key.startswith("activation_params."):
                pname = key.split(".", 1)[1]
                spec = next(p for p in act.params if p.name == pname)
                value = act_values.get(pname, spec.default)
            else:
                value = node.params.get(key, LAYER_TYPES[node.type].spec(key).default)
            editor.widget.blockSignals(True)
            if value is not None or isinstance(editor.widget, QLineEdit):
                editor.write(value)
            editor.widget.setStyleSheet("")
            editor.widget.blockSignals(False)

    # ------------------------------------------------------------------ applying edits
    def _push(self, name: str, value: Any, widget: QWidget) -> bool:
        node = self.graph.node(self.node_id)
        if node.params.get(name) == value:
            widget.setStyleSheet("")
            self._show_error("")
            return True
        try:
            cmd = SetParamCommand(self.graph, self.node_id, name, value)
        except DesignerError as err:
            widget.setStyleSheet(_INVALID_STYLE)
            self._show_error(f"{name.replace('_', ' ')} {err}")
            return False
        widget.setStyleSheet("")
        self._show_error("")
        self.undo_stack.push(cmd)
        return True

    def _apply(self, name: str, value: Any) -> None:
        if self.node_id is not None:
            self._push(name, value, self.editors[name].widget)

    def _apply_text(self, name: str, text: str, kind: str) -> None:
        if self.node_id is None:
            return
        widget = self.editors[name].widget
        try:
            values = parse_ints(text)
        except ParamError as err:
            widget.setStyleSheet(_INVALID_STYLE)
            self._show_error(f"{name.replace('_', ' ')}: {err}")
            return
        value: Any = values
        if kind == "int_or_pair" and values is not None and len(values) == 1:
            value = values[0]
        if value is None and LAYER_TYPES[self.graph.node(self.node_id).type].spec(name).required:
            widget.setStyleSheet(_INVALID_STYLE)
            self._show_error(f"{name} is required")
            return
        self._push(name, value, widget)

    def _apply_activation_param(self, pname: str, value: float) -> None:
        if self.node_id is None:
            return
        node = self.graph.node(self.node_id)
        widget = self.editors["activation_params." + pname].widget
        current = dict(node.params.get("activation_params") or {})
        current[pname] = value
        try:
            current = coerce_activation_params(node.params.get("activation", "linear"), current, pname)
        except ParamError as err:
            widget.setStyleSheet(_INVALID_STYLE)
            self._show_error(str(err))
            return
        self._push("activation_params", current, widget)

    def _on_rename(self) -> None:
        if self.node_id is None:
            return
        new = self.name_edit.text().strip()
        if new == self.node_id:
            self.name_edit.setStyleSheet("")
            return
        try:
            cmd = RenameNodeCommand(self.graph, self.node_id, new)
        except DesignerError as err:
            self.name_edit.setStyleSheet(_INVALID_STYLE)
            self._show_error(f"name: {err}")
            return
        self.name_edit.setStyleSheet("")
        self._show_error("")
        self.undo_stack.push(cmd)

    def _refused(self, message: str) -> None:
        """A typed number outside the field's range: said at the field, the layer left as it was."""
        self._show_error(message)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    @property
    def error_text(self) -> str:
        return self.error.text()

    # ------------------------------------------------------------------ following the graph
    def _on_params_changed(self, node_id: str) -> None:
        if node_id != self.node_id:
            return
        if self._row_keys() != self._rows:
            # The activation changed its own parameters: rebuild once control is back in the event loop
            # (the combo box that triggered this is still inside its signal).
            QTimer.singleShot(0, lambda nid=self.node_id: self.show_node(nid))
        else:
            self._load_values()

    def _on_renamed(self, old: str, new: str) -> None:
        if old == self.node_id:
            self.node_id = new
            self.name_edit.setText(new)

    def _on_removed(self, node_id: str) -> None:
        if node_id == self.node_id:
            QTimer.singleShot(0, lambda: self.show_node(None))
            self.node_id = None

    def _refresh_info(self) -> None:
        self._info_timer.stop()
        if self.node_id is None or self.node_id not in self.graph.nodes:
            self.info.clear()
            return
        analysis = self.graph.analyze(self.input_shape)
        shape = analysis.shapes.get(self.node_id)
        text = f"Output shape: {format_shape(shape)} &nbsp;·&nbsp; {analysis.params.get(self.node_id, 0):,} parameters"
        for problem in analysis.errors_for(self.node_id):
            text += f"<br><span style='color:{ERROR_COLOUR.name()}'>⚠ {html.escape(problem)}</span>"
        self.info.setText(text)
