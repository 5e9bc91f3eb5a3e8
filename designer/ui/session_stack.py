"""The window's QUndoStack seen through the session's stack interface (push, is_clean, set_clean, clear,
`changed`): a session command is wrapped in a QUndoCommand, so canvas edits and settings edits share one
stack, one Edit ▸ Undo and one clean state."""

from __future__ import annotations

import shiboken6
from PySide6.QtGui import QUndoCommand, QUndoStack

from designer.graph.signal import Signal
from designer.session.undo import Command

_SESSION_COMMAND_ID = 6001  # QUndoStack only asks mergeWith of commands with the same id


class _QtCommand(QUndoCommand):
    def __init__(self, command: Command) -> None:
        super().__init__(command.text)
        self.command = command

    def id(self) -> int:
        return _SESSION_COMMAND_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt naming)
        if not isinstance(other, _QtCommand) or not self.command.merge_with(other.command):
            return False
        self.setText(self.command.text)
        self.setObsolete(self.command.obsolete)
        return True

    def redo(self) -> None:
        self.command.redo()

    def undo(self) -> None:
        self.command.undo()


class QtUndoStack:
    def __init__(self, stack: QUndoStack) -> None:
        self.qstack = stack
        self.changed = Signal()
        stack.indexChanged.connect(self._changed)
        stack.cleanChanged.connect(self._changed)

    def _changed(self, *_args) -> None:
        if shiboken6.isValid(self.qstack):  # QUndoStack's destructor clears itself and signals on the way out
            self.changed.emit()

    def push(self, command: Command) -> None:
        self.qstack.push(_QtCommand(command))

    def is_clean(self) -> bool:
        return self.qstack.isClean()

    def set_clean(self) -> None:
        self.qstack.setClean()

    def clear(self) -> None:
        self.qstack.clear()
