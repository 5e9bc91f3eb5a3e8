"""Spin boxes that refuse an out-of-range number out loud instead of quietly turning it into another one.

A plain QSpinBox with a minimum of 1 drops the "-" of "-5" as it is typed, so "units -5" silently became 5;
"500" in a field with a maximum of 100 was cut to 10 or 100. Here any number can be typed; on Enter or focus
out a value outside the range is refused: the field keeps its previous value, turns red, and `refused`
carries one readable sentence naming the field, what was typed and the allowed range.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QPalette, QValidator
from PySide6.QtWidgets import QSpinBox, QWidget

from designer.ui import theme
from designer.ui.numbers import DoubleSpinBox, format_float, parse_float

_NUMBERISH = re.compile(r"[+\-−]?[0-9]*([.,][0-9]*)?([eE][+\-]?[0-9]*)?")


class _Strict:
    """The shared refusal logic; mixed into an int and a float spin box."""

    refused: Signal
    accepted: Signal

    def _strict_init(self, field: str) -> None:
        self.field = field
        self.error: str | None = None
        self._pending: str | None = None
        self.editingFinished.connect(self._finished)

    def _parse(self, text: str) -> float:
        raise NotImplementedError

    def _show(self, value: float) -> str:
        raise NotImplementedError

    def validate(self, text: str, pos: int):  # noqa: D102 (Qt override)
        state, fixed, pos = super().validate(text, pos)
        if state == QValidator.State.Invalid and _NUMBERISH.fullmatch(text.strip()):
            # typing goes on: "-5" or "500" is refused when committed, with the reason, not eaten key by key
            return QValidator.State.Intermediate, text, pos
        return QValidator.State(state), fixed, pos

    def fixup(self, text: str) -> str:  # noqa: D102 (Qt override: called with a text that is not acceptable)
        shown = text.strip().replace("−", "-")
        try:
            value = self._parse(shown)
        except ValueError:
            self._pending = f"{self.field}: {shown!r} is not a number" if shown else f"{self.field} needs a number"
        else:
            low, high = self.minimum(), self.maximum()
            bound = f"at least {self._show(low)}" if value < low else f"at most {self._show(high)}"
            self._pending = f"{self.field} must be {bound}; {shown} was not applied"
        return text  # unchanged: the spin box then keeps its previous value

    def _finished(self) -> None:
        message, self._pending = self._pending, None
        self.error = f"{message} (kept {self.text()})" if message else None
        self.setPalette(QPalette())
        if self.error:
            pal = self.palette()
            pal.setColor(QPalette.ColorRole.Base, QColor(theme.current_colours()["invalid"]))
            self.setPalette(pal)
            self.refused.emit(self.error)
        else:
            self.accepted.emit()


class StrictSpinBox(_Strict, QSpinBox):
    refused = Signal(str)
    accepted = Signal()

    def __init__(self, field: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strict_init(field)

    def _parse(self, text: str) -> float:
        return int(text)

    def _show(self, value: float) -> str:
        return str(int(value))


class StrictDoubleSpinBox(_Strict, DoubleSpinBox):
    refused = Signal(str)
    accepted = Signal()

    def __init__(self, field: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strict_init(field)

    def _parse(self, text: str) -> float:
        return parse_float(text, self.locale())

    def _show(self, value: float) -> str:
        return format_float(value, locale=self.locale())
