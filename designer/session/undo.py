"""Undoable edits without Qt: a `Command` (redo/undo/merge) and a plain `UndoStack` for headless use.

The window keeps a QUndoStack (the canvas's commands live there too) and hands the session an adapter with
the same methods (`designer/ui/session_stack.py`), so every edit, graph or settings, is one step on one stack.
"""

from __future__ import annotations

from designer.graph.signal import Signal


class Command:
    """One undoable edit. `merge_with(later)` may absorb a later edit of the same thing (one step for a run
    of keystrokes); `obsolete` says the merged step does nothing and can be dropped."""

    text = ""

    def redo(self) -> None:
        raise NotImplementedError

    def undo(self) -> None:
        raise NotImplementedError

    def merge_with(self, later: Command) -> bool:
        return False

    @property
    def obsolete(self) -> bool:
        return False


class UndoStack:
    """A list of done commands and one of undone ones; `changed` fires after every push/undo/redo/clean."""

    def __init__(self) -> None:
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._clean: int | None = 0  # len(_done) at the last save; None when that state cannot come back
        self.changed = Signal()

    def push(self, command: Command) -> None:
        command.redo()
        if self._undone and self._clean is not None and self._clean > len(self._done):
            self._clean = None  # the saved state was in the undone part, which a new edit drops
        self._undone.clear()
        top = self._done[-1] if self._done and self._clean != len(self._done) else None
        if top is not None and top.merge_with(command):
            if top.obsolete:
                self._done.pop()
        else:
            self._done.append(command)
        self.changed.emit()

    def undo(self) -> None:
        if self._done:
            command = self._done.pop()
            command.undo()
            self._undone.append(command)
            self.changed.emit()

    def redo(self) -> None:
        if self._undone:
            command = self._undone.pop()
            command.redo()
            self._done.append(command)
            self.changed.emit()

    def can_undo(self) -> bool:
        return bool(self._done)

    def can_redo(self) -> bool:
        return bool(self._undone)

    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    def is_clean(self) -> bool:
        return self._clean == len(self._done)

    def set_clean(self) -> None:
        self._clean = len(self._done)
        self.changed.emit()

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._clean = 0
        self.changed.emit()
