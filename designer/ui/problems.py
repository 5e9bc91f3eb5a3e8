"""The problems list: errors and warnings from shape inference, then the pre-flight checks (output vs data, loss
vs task, invalid or extreme settings) each with a one-click fix; activating one selects its layer."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from designer.graph.model import Graph
from designer.training.preflight import Check, Fix
from designer.ui.graph_view import GraphFollower

NODE_ROLE = Qt.ItemDataRole.UserRole
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1


class ProblemsList(GraphFollower):
    node_activated = Signal(str)  # the layer a problem is about (not emitted for whole-network problems)
    fix_requested = Signal(object)  # a preflight.Fix whose button was clicked

    def __init__(self, graph: Graph, parent: QWidget | None = None):
        super().__init__(parent)
        self.checks_provider: Callable[[], list[Check]] | None = None  # the window's pre-flight
        self.fix_buttons: list[QPushButton] = []
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # rows wrap instead
        self.list.itemActivated.connect(self._on_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        self.set_graph(graph)

    def refresh(self) -> None:
        self.list.clear()
        style = self.style()
        icons = {
            "error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
            "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
        }
        self.fix_buttons = []
        problems = self.graph.analyze(self.input_shape).problems
        for p in sorted(problems, key=lambda p: p.severity != "error"):
            where = f"{p.node_id}: " if p.node_id else ""
            item = QListWidgetItem(icons.get(p.severity, icons["warning"]), where + p.message)
            item.setData(NODE_ROLE, p.node_id or "")
            item.setToolTip(p.message)
            self.list.addItem(item)
        checks = self.checks_provider() if self.checks_provider is not None and self.graph is not None else []
        for check in sorted(checks, key=lambda c: c.severity != "error"):
            self._add_check(check, icons.get(check.severity, icons["warning"]))
        if not problems and not checks:
            item = QListWidgetItem("No problems: the network is ready to train.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(item)

    def _add_check(self, check: Check, icon) -> None:
        item = QListWidgetItem(icon, check.message)
        item.setData(NODE_ROLE, check.node_id or "")
        item.setData(MESSAGE_ROLE, check.message)
        item.setToolTip(check.message)
        self.list.addItem(item)
        if check.fix is None:
            return
        item.setText("")  # the row widget shows the text beside its button
        # The message wraps above its button: a side-by-side button was cut off in a narrow dock.
        row = QWidget()
        box = QVBoxLayout(row)
        box.setContentsMargins(26, 3, 4, 3)
        box.setSpacing(2)
        label = QLabel(check.message)
        label.setWordWrap(True)
        label.setToolTip(check.message)
        button = QPushButton(check.fix.label)
        button.setToolTip(f"Apply: {check.fix.label} (undo with Ctrl+Z)")
        button.clicked.connect(lambda _c=False, fix=check.fix: self._fix_clicked(fix))
        buttons = QHBoxLayout()
        buttons.addWidget(button)
        buttons.addStretch(1)
        box.addWidget(label)
        box.addLayout(buttons)
        self.fix_buttons.append(button)
        width = max(self.list.viewport().width(), 160)
        text_height = label.heightForWidth(width - 56)  # margins, and room for a scroll bar
        item.setSizeHint(QSize(width, text_height + button.sizeHint().height() + 16))
        self.list.setItemWidget(item, row)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        if self.fix_buttons and event.size().width() != event.oldSize().width():
            self._timer.start()  # the wrapped rows need new heights

    def _fix_clicked(self, fix: Fix) -> None:
        self.fix_requested.emit(fix)

    def messages(self) -> list[str]:
        return [self.list.item(i).data(MESSAGE_ROLE) or self.list.item(i).text() for i in range(self.list.count())]

    def fix_button(self, label: str) -> QPushButton:
        return next(b for b in self.fix_buttons if b.text() == label)

    def _on_activated(self, item: QListWidgetItem) -> None:
        node_id = item.data(NODE_ROLE)
        if node_id:
            self.node_activated.emit(node_id)
