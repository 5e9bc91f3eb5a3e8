"""The open project as a Qt-free model: `ProjectSession` owns the project, its settings, what is derived
from them (input shape, analysis), the dirty state and the run history; every edit is a command on one undo
stack. The window's panels and the command line are clients of it."""

from designer.session.session import ProjectSession
from designer.session.undo import Command, UndoStack

__all__ = ["Command", "ProjectSession", "UndoStack"]
