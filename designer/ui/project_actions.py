"""File handling around the main window: file dialogs, recent files, autosave/recovery, close prompts
and readable messages for files that cannot be opened or saved.

Dialogs use Qt's own widgets (DontUseNativeDialog) so tests and every desktop behave the same; tests
monkeypatch `ask_open_path` / `ask_save_path` / `ask_unsaved_changes`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from designer.errors import DesignerError
from designer.filenames import same_file, with_suffix
from designer.project import autosave
from designer.project.io import load_project, save_project
from designer.project.model import Project
from designer.ui.paths import default_save_path

FILE_FILTER = "Network Designer projects (*.nnproj);;All files (*)"
SUFFIX = ".nnproj"
MAX_RECENT = 10
AUTOSAVE_INTERVAL_MS = 60_000


# ---------------------------------------------------------------- dialogs
def ask_open_path(parent: QWidget | None, directory: str = "") -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", directory, FILE_FILTER,
                                          options=QFileDialog.Option.DontUseNativeDialog)
    return path or None


def ask_save_path(parent: QWidget | None, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save project as", suggested, FILE_FILTER,
                                          options=QFileDialog.Option.DontUseNativeDialog)
    if not path:
        return None
    return with_suffix(path, SUFFIX)  # "X.NNPROJ" is already a project name


def ask_unsaved_changes(parent: QWidget | None, name: str) -> str:
    """"save" | "discard" | "cancel"."""
    buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
               | QMessageBox.StandardButton.Cancel)
    answer = QMessageBox.question(parent, "Unsaved changes",
                                  f"“{name}” has changes that are not saved. Save them first?",
                                  buttons, QMessageBox.StandardButton.Save)
    if answer == QMessageBox.StandardButton.Save:
        return "save"
    if answer == QMessageBox.StandardButton.Discard:
        return "discard"
    return "cancel"


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    QMessageBox.warning(parent, title, message)


def suggested_file_name(project: Project, current: str | None, last_folder: str | None = None) -> str:
    """Where Save As starts: the project's own file; else beside its imported data file (the project then
    finds the data by a short relative path); else the folder saved to last; else Documents."""
    if current:
        return current
    return default_save_path(f"{project.name}{SUFFIX}", _data_folder(project) or _existing(last_folder))


def _data_folder(project: Project) -> str | None:
    source = (project.data or {}).get("source") or {}
    path = source.get("path") if isinstance(source, dict) else None
    if not isinstance(path, str) or not path or not Path(path).expanduser().is_absolute():
        return None  # built-in data, or a path relative to a folder the project does not have yet
    return _existing(str(Path(path).expanduser().parent))


def _existing(folder: str | None) -> str | None:
    return folder if folder and Path(folder).is_dir() else None


# ---------------------------------------------------------------- load / save with readable failures
def open_project_file(path: str) -> Project:
    """load_project, with the reason a file cannot be read stated plainly (ProjectError otherwise)."""
    p = Path(path)
    if not p.exists():
        raise _project_error(f"{path}: the file does not exist (moved or deleted?)")
    if not os.access(p, os.R_OK):
        raise _project_error(f"{path}: no permission to read this file")
    return load_project(p)


def save_project_file(project: Project, path: str) -> None:
    p = Path(path)
    if p.exists() and not os.access(p, os.W_OK):
        raise _project_error(f"{path} is read-only: use Save As… to save a copy somewhere else")
    if not os.access(p.parent, os.W_OK):
        raise _project_error(f"cannot write in {p.parent}: use Save As… to choose another folder")
    save_project(project, p)


def _project_error(message: str) -> DesignerError:
    from designer.errors import ProjectError

    return ProjectError(message)


# ---------------------------------------------------------------- recent files
class RecentFiles:
    """Most recent first, at most MAX_RECENT, kept in QSettings (the app sets name and organisation)."""

    KEY = "recent_files"

    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings or QSettings()

    def paths(self) -> list[str]:
        value = self._settings.value(self.KEY, [])
        if isinstance(value, str):  # QSettings returns a bare string for a one-element list on some backends
            value = [value]
        return [str(v) for v in (value or [])]

    def add(self, path: str) -> None:
        path = str(Path(path).resolve())
        items = [p for p in self.paths() if not same_file(p, path)]  # case and NFC/NFD spellings of one file
        self._settings.setValue(self.KEY, [path, *items][:MAX_RECENT])

    def remove(self, path: str) -> None:
        self._settings.setValue(self.KEY, [p for p in self.paths() if not same_file(p, path)])

    def clear(self) -> None:
        self._settings.setValue(self.KEY, [])


# ---------------------------------------------------------------- autosave / recovery
class Autosaver(QObject):
    """Every minute while the project is modified, a copy goes to the recovery folder (never over the user's
    file; designer.project.autosave does the writing). A save or a deliberate discard removes it; whatever a
    session that did not close cleanly left is offered back. The session holds an OS lock while it runs, so
    other windows know its copies are in use. `due` returns (project, original path or None, modified?)."""

    saved = Signal(str)
    failed = Signal(str)  # once per streak of failed copies: the person must know the safety net is gone

    def __init__(self, due, parent: QObject | None = None, interval_ms: int = AUTOSAVE_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._due = due
        self._failing = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        autosave.clean_stale_locks()  # lock files of crashed sessions (their copies stay, to be offered)
        try:
            self._lock: autosave.SessionLock | None = autosave.SessionLock()
            self._session = self._lock.session
        except DesignerError:  # no writable recovery folder: autosave fails quietly too
            self._lock, self._session = None, autosave.new_session_id()

    def tick(self) -> str | None:
        """Write the copy now if the work is modified; returns its path (None: nothing written)."""
        project, original, modified = self._due()
        if project is None or not modified:
            return None
        try:
            path = autosave.write_recovery(project, original, self._session)
        except (OSError, DesignerError) as err:  # never interrupts work; the next tick tries again
            if not self._failing:
                self._failing = True
                self.failed.emit(str(err))
            return None
        self._failing = False
        self.saved.emit(str(path))
        return str(path)

    def discard(self, original: str | None) -> None:
        """Forget the recovery copy of `original` (None: this session's untitled work)."""
        try:
            autosave.discard_recovery_for(original, self._session)
        except DesignerError:
            pass

    def pending(self) -> list[autosave.Recovery]:
        """Recovery copies left by sessions that are no longer running, newest first."""
        return autosave.orphaned_recoveries()

    def pending_for(self, path: str) -> autosave.Recovery | None:
        """The copy of the file `path` left by a session that is no longer running, if any."""
        return autosave.orphaned_recovery_for(path)

    def adopt(self, recovery: autosave.Recovery) -> None:
        """After a restore: the copy becomes this session's (rewritten now, under this session's lock); the old
        file goes only once the new one is written, so a second crash still finds the work."""
        written = self.tick()
        if written is not None and os.path.realpath(written) != os.path.realpath(recovery.path):
            try:
                autosave.discard_recovery(recovery)
            except DesignerError:
                pass

    def release(self) -> None:
        """The window closes cleanly: give up the session lock."""
        self.timer.stop()
        if self._lock is not None:
            self._lock.release()


def offer_recovery(parent: QWidget | None, recovery: autosave.Recovery, opening: bool = False) -> str:
    """Ask what to do with `recovery`: "restore", "discard" (the person chose to drop it) or "later" (Escape or
    Cancel: the copy stays; when `opening` the file that copy belongs to, the file is not opened either)."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(recovery.saved_at))
    where = str(recovery.original_path) if recovery.original_path else "never saved"
    text = (f"Network Designer closed without saving “{recovery.name}”.\n\nFile: {where}\n"
            f"Automatic copy: {when}")
    if opening and not recovery.newer_than_original:
        text += " (the file was saved after it)"
    box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved work", text, QMessageBox.StandardButton.NoButton,
                      parent)
    box.setObjectName("recovery_box")
    restore = box.addButton("Restore the copy", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Open the saved file, delete the copy" if opening else "Delete the copy",
                            QMessageBox.ButtonRole.DestructiveRole)
    later = box.addButton("Cancel" if opening else "Not now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(restore)
    box.setEscapeButton(later)
    box.exec()
    clicked = box.clickedButton()
    return "restore" if clicked is restore else "discard" if clicked is discard else "later"
