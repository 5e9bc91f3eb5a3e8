"""Changing a setting the way a user does: keys typed into the widget, arrow keys on a combo box, a mouse
click on a check box. Shared by the per-setting tests."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSpinBox, QCheckBox, QComboBox, QLineEdit


def type_value(widget, text: str) -> None:
    """Select what the field shows, type `text`, press Return (spin boxes and line edits)."""
    widget.setFocus()
    if isinstance(widget, QAbstractSpinBox):
        widget.selectAll()
    elif isinstance(widget, QLineEdit):
        widget.selectAll()
    else:
        raise TypeError(f"cannot type into {type(widget).__name__}")
    QTest.keyClicks(widget, text)
    QTest.keyClick(widget, Qt.Key.Key_Return)
    widget.clearFocus()  # editingFinished, as when the user moves on


def choose(combo: QComboBox, data) -> None:
    """Arrow keys on the closed combo box until the item whose data (or text) is `data` is current."""
    target = combo.findData(data)
    if target < 0:
        target = combo.findText(str(data))
    assert target >= 0, f"{data!r} is not offered"
    combo.setFocus()
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    for _ in range(combo.count() + 2):  # separators are skipped by the combo itself
        if combo.currentIndex() == target:
            return
        QTest.keyClick(combo, key)
    assert combo.currentIndex() == target, f"could not reach {data!r} with the keyboard"


def click_check(box: QCheckBox) -> None:
    """A click on the check box's indicator."""
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(6, box.height() // 2))
