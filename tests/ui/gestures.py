"""Real gestures for journey tests: click a widget, answer the next modal dialog, pick a combo item by keys,
drop files on a widget. Nothing here calls a slot: every step goes through Qt's event delivery."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QDialogButtonBox, QWidget


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def on_next_dialog(inspect: Callable[[QDialog], None] | None = None, button=QDialogButtonBox.StandardButton.Ok,
                   seen: list | None = None) -> list:
    """When the next modal dialog shows: `inspect(dialog)`, then click its `button` (OK by default).
    Returns a list that receives the dialog (so a test can assert one appeared)."""
    seen = [] if seen is None else seen

    def poll(tries: int = 200) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog) and dialog.isVisible():
            seen.append(dialog)
            if inspect is not None:
                try:
                    inspect(dialog)
                except Exception:  # a failed check must not leave the dialog open and the test hanging
                    dialog.reject()
                    raise
            box = dialog.findChild(QDialogButtonBox)
            click(box.button(button))
            return
        if tries:
            QTimer.singleShot(20, lambda: poll(tries - 1))

    QTimer.singleShot(0, poll)
    return seen


def choose(combo: QComboBox, text: str) -> None:
    """Pick `text` in a combo the way a keyboard user does (focus, then arrow keys): emits `activated`."""
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not in the combo"
    combo.setFocus()
    key = Qt.Key.Key_Down if index > combo.currentIndex() else Qt.Key.Key_Up
    while combo.currentIndex() != index:
        QTest.keyClick(combo, key)


def drop_files(widget: QWidget, paths, pos: QPointF | None = None) -> QDropEvent:
    """A drag-enter + drop of local files on `widget` (a real QDrag does not run offscreen)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = pos or QPointF(widget.width() / 2, widget.height() / 2)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop
