"""One locale policy for every number a person types or reads in the window.

- Shown in the user's locale (`QLocale()`: a decimal comma in German), without group separators and without
  trailing zeros (`0,001`, not `0,0010000`).
- Typed in the user's locale *or* with a `.` decimal point — files, the command line, exported code and
  every tutorial use `.`, so `0.001` means the same everywhere. A `.` is always a decimal point, never a group
  separator, and group separators are refused (`1.000` is one in every locale, `1,000` is refused in English
  rather than read as a thousand).

Every numeric field uses this module: `DoubleSpinBox` for bounded values, `parse_float`/`format_float` for
free-form line edits (the learning rate). The files, the CLI and the core never depend on the locale.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QLocale
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QWidget


def number_locale(base: QLocale | None = None) -> QLocale:
    """The default (or `base`) locale with group separators neither shown nor accepted."""
    loc = QLocale(base if base is not None else QLocale())
    loc.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator | QLocale.NumberOption.RejectGroupSeparator)
    return loc


def parse_float(text: str, locale: QLocale | None = None) -> float:
    """A number typed by a person: the locale's form or a `.` decimal point. ValueError if neither."""
    text = text.strip()
    loc = number_locale(locale)
    value, ok = loc.toDouble(text)
    if ok:
        return float(value)
    # float() alone would also take "1_000", "nan" and "infinity": only plain decimal and exponent forms.
    if text and all(c in "0123456789+-.eE" for c in text):
        return float(text)  # ValueError for "1.2.3", "e" …
    raise ValueError(f"not a number: {text!r}")


def format_float(value: float, digits: int = 6, locale: QLocale | None = None) -> str:
    """`value` in the locale's form with up to `digits` significant digits (`%g`-like)."""
    if not math.isfinite(value):
        return str(value)
    return number_locale(locale).toString(float(value), "g", digits)


class DoubleSpinBox(QDoubleSpinBox):
    """A QDoubleSpinBox that follows the policy: also takes `.` as the decimal point, shows no padding zeros."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setLocale(number_locale())
        self.setGroupSeparatorShown(False)

    def _normalised(self, text: str) -> str:
        point = self.locale().decimalPoint()
        return text.replace(".", point) if point != "." else text

    def validate(self, text: str, pos: int):  # noqa: D102 (Qt override)
        state, fixed, pos = super().validate(self._normalised(text), pos)
        return QValidator.State(state), fixed, pos

    def valueFromText(self, text: str) -> float:  # noqa: N802 (Qt naming)
        return super().valueFromText(self._normalised(text))

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt naming)
        text = self.locale().toString(float(value), "f", self.decimals())
        point = self.locale().decimalPoint()
        if point in text:
            text = text.rstrip("0").rstrip(point)
        return text
