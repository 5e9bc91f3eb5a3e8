"""The workflow rail across the top of the window: Ingest → Clean → Prepare → Explore → Design → Train →
Evaluate → Deploy, each marked done (✓), needing attention (!) or still to do (○), the reason in its tooltip;
a click takes the user to the step. The states come from `designer/learn/workflow.py`."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from designer.learn.workflow import STEPS

MARKS = {"done": "✓", "attention": "!", "todo": "○"}
COLOURS = {"done": ("#1f7a3a", "#5fd68a"), "attention": ("#b23c17", "#ff8a65"), "todo": (None, None)}


class WorkflowRail(QWidget):
    step_clicked = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.buttons: dict[str, QToolButton] = {}
        self.states: dict[str, str] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(2)
        for i, (key, title) in enumerate(STEPS):
            if i:
                arrow = QLabel("→")
                arrow.setObjectName("hint")
                layout.addWidget(arrow)
            button = QToolButton()
            button.setObjectName(f"rail-{key}")
            button.setAutoRaise(True)
            button.setText(f"○ {title}")
            button.clicked.connect(lambda _c=False, k=key: self.step_clicked.emit(k))
            layout.addWidget(button)
            self.buttons[key] = button
        layout.addStretch(1)

    def show_states(self, states) -> None:
        dark = self.palette().color(self.backgroundRole()).lightness() < 128
        for step in states:
            button = self.buttons[step.key]
            button.setText(f"{MARKS[step.state]} {step.title}")
            button.setToolTip(f"{step.title}: {step.reason}")
            button.setAccessibleDescription(step.state)
            colour = COLOURS[step.state][1 if dark else 0]
            button.setStyleSheet(f"QToolButton {{ color: {colour}; font-weight: 600; }}" if colour else "")
            self.states[step.key] = step.state

    def sizeHint(self):  # noqa: D102 (one line high, as wide as its steps)
        hint = super().sizeHint()
        hint.setHeight(max(hint.height(), self.fontMetrics().height() + 10))
        return hint


def facts_from_window(window, load_error: str | None) -> dict:
    """What the data view knows, as the plain dict `workflow_states` reads."""
    panel = window.data_panel
    origin = panel.origin or {}
    summary = origin.get("summary")
    missing = 0
    if summary is not None and "missing" in getattr(summary, "columns", []):
        missing = int(summary["missing"].sum())
    prepared = origin.get("prepared") or {}
    splits = (prepared.get("report") or {}).get("splits", {})
    return {"loaded": panel.df is not None and not load_error, "load_error": load_error,
            "missing_cells": missing, "prepare_error": origin.get("prepare_error"),
            "validation_rows": int(splits.get("validation", 0) or 0)}


def rail_alignment() -> Qt.ToolBarArea:
    return Qt.ToolBarArea.TopToolBarArea
