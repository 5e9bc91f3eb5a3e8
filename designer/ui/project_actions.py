"""File handling around the main window: file dialogs, recent files, autosave/recovery, close prompts
and readable messages for files that cannot be opened or saved.

Dialogs use Qt's own widgets (DontUseNativeDialog) so tests and every desktop behave the same; tests
monkeypatch `ask_open_path` / `ask_save_path` / `ask_unsaved_changes`.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from designer.errors import DesignerError
from designer.project.io import load_project, save_project
from designer.project.model import Project

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
    return path if path.endswith(SUFFIX) else path + SUFFIX


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


def suggested_file_name(project: Project, current: str | None) -> str:
    if current:
        return current
    safe = "".join(c if c.isalnum() or c in "-_ " else "_" for c in project.name).strip() or "project"
    home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
    return str(Path(home) / f"{safe}{SUFFIX}")


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
        items = [p for p in self.paths() if p != path]
        self._settings.setValue(self.KEY, [path, *items][:MAX_RECENT])

    def remove(self, path: str) -> None:
        self._settings.setValue(self.KEY, [p for p in self.paths() if p != path])

    def clear(self) -> None:
        self._settings.setValue(self.KEY, [])


# ---------------------------------------------------------------- autosave / recovery
def recovery_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".nn-designer") / "recovery"


class Autosaver(QObject):
    """Every minute while the project is modified, a copy goes to the recovery folder (never over the user's
    file). A clean save or a deliberate discard removes it; whatever is left at the next start is offered
    back. `due` asks the window for (project, original path or None, modified?)."""

    saved = Signal(str)

    def __init__(self, due, parent: QObject | None = None, interval_ms: int = AUTOSAVE_INTERVAL_MS,
                 folder: Path | None = None) -> None:
        super().__init__(parent)
        self._due = due
        self.folder = folder or recovery_dir()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self._session = f"{os.getpid()}-{int(time.time())}"

    def _paths(self, original: str | None) -> tuple[Path, Path]:
        key = hashlib.sha1((original or self._session).encode()).hexdigest()[:12]
        return self.folder / f"{key}{SUFFIX}", self.folder / f"{key}.json"

    def tick(self) -> None:
        project, original, modified = self._due()
        if project is None or not modified:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            data, meta = self._paths(original)
            save_project(project, data)
            meta.write_text(json.dumps({"original": original, "name": project.name, "time": time.time()}))
            self.saved.emit(str(data))
        except (OSError, DesignerError):
            pass  # autosave must never interrupt work; the next tick tries again

    def discard(self, original: str | None) -> None:
        for p in self._paths(original):
            p.unlink(missing_ok=True)

    def forget_session(self) -> None:
        """The untitled project of this session was saved under a name or discarded."""
        self.discard(None)

    def pending(self) -> list[dict]:
        """Recovery files left by an earlier session: [{"path", "original", "name", "time"}], newest first."""
        out = []
        if not self.folder.is_dir():
            return out
        for meta in self.folder.glob("*.json"):
            data = meta.with_suffix(SUFFIX)
            if not data.exists():
                continue
            try:
                info = json.loads(meta.read_text())
            except (OSError, ValueError):
                continue
            out.append({"path": str(data), "original": info.get("original"), "name": info.get("name", "?"),
                        "time": float(info.get("time", 0))})
        return sorted(out, key=lambda d: -d["time"])

    @staticmethod
    def remove_recovery(path: str) -> None:
        p = Path(path)
        p.unlink(missing_ok=True)
        p.with_suffix(".json").unlink(missing_ok=True)


def offer_recovery(parent: QWidget | None, entry: dict) -> bool:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry["time"]))
    where = entry["original"] or "an unsaved project"
    answer = QMessageBox.question(
        parent, "Recover unsaved work",
        f"Network Designer closed without saving “{entry['name']}” ({where}).\n"
        f"An automatic copy from {when} exists. Restore it?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes
