"""Recovery copies of unsaved work, written by the UI's autosave timer. Pure functions, no Qt.

A recovery file is an ordinary `.nnproj` (so it opens like any project) with one more member,
`recovery.json`: where the work belongs (`original_path`, or null for an untitled project), when it was
written, and by which session. Each original has exactly one recovery file (the name is a hash of its
path), rewritten atomically on every autosave; a successful save or an explicit discard deletes it.

Which copies belong to a window that is still running? Each session holds an OS file lock
(`<session>.lock` beside the copies, `SessionLock`) for as long as it runs. The OS drops the lock when the
process ends in any way (quit, crash, kill -9), so `session_alive` is exact on every platform — a pid check
is not (pids are reused, and `os.kill(pid, 0)` means something else on Windows).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from designer.errors import ProjectError
from designer.project.io import atomic_write, load_project, parse_json, write_archive
from designer.project.model import Project
from designer.project.validate import single_line_errors
from designer.user_folders import user_folder

ENV_DIR = "NN_DESIGNER_RECOVERY_DIR"
META_MEMBER = "recovery.json"
SUFFIX = ".nnproj"
LOCK_SUFFIX = ".lock"
MAX_META = 64 * 1024
_SESSION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# FAT keeps modification times to 2 s and HFS+ to 1 s, so an mtime can be off by that much either way from
# the clock time stored in a copy. The file counts as saved after its copy only beyond that resolution: in
# doubt the copy is presented as the newer work (it is always offered; this only words the question).
MTIME_RESOLUTION_S = 2.0


@dataclass(frozen=True)
class Recovery:
    """One recovery file found on disk."""

    path: Path  # the recovery file itself
    original_path: Path | None  # where the work belongs; None for a project never saved
    saved_at: float  # seconds since the epoch
    name: str  # the project's name, for the "recover unsaved work?" list
    pid: int  # the process that wrote it
    session: str | None = None  # the session (SessionLock) that wrote it; None in files of older versions

    @property
    def orphaned(self) -> bool:
        """True when the session that wrote the copy is no longer running (it crashed or was killed)."""
        return not session_alive(self.session)

    @property
    def newer_than_original(self) -> bool:
        """True when the recovery holds work the original file does not (or the original is gone)."""
        if self.original_path is None:
            return True
        try:
            return self.original_path.stat().st_mtime <= self.saved_at + MTIME_RESOLUTION_S
        except OSError:
            return True

    def load(self) -> Project:
        return load_project(self.path)


def recovery_dir() -> Path:
    """Where recovery files live: $NN_DESIGNER_RECOVERY_DIR, else the platform's per-user data folder."""
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    return user_folder("Application Support", "XDG_DATA_HOME", ".local/share") / "recovery"


def recovery_path_for(original_path: str | os.PathLike | None, session: str | None = None) -> Path:
    """The one recovery file of an original (stable across autosaves). Untitled work is keyed by
    `session` (default: this process), so two windows of untitled work need distinct sessions."""
    if original_path is not None:
        resolved = os.path.realpath(os.fspath(original_path))
        stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(resolved).stem)[:40] or "project"
        key = resolved
    else:
        stem = "untitled"
        key = f"untitled:{session or os.getpid()}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return recovery_dir() / f"{stem}-{digest}{SUFFIX}"


@single_line_errors
def write_recovery(
    project: Project, original_path: str | os.PathLike | None, session: str | None = None
) -> Path:
    """Write (or overwrite) the recovery copy of `project`; returns its path. Raises ProjectError."""
    folder = recovery_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as err:
        raise ProjectError(f"cannot create the recovery folder {folder}: {err.strerror or err}") from None
    meta = {
        "original_path": None if original_path is None else os.path.realpath(os.fspath(original_path)),
        "saved_at": time.time(),
        "name": project.name,
        "pid": os.getpid(),
        "session": session,
    }
    member = json.dumps(meta, ensure_ascii=False).encode("utf-8")
    path = recovery_path_for(original_path, session)
    atomic_write(path, lambda f: write_archive(project, f, extra_members={META_MEMBER: member}))
    return path


@single_line_errors
def read_recovery_info(path: str | os.PathLike) -> Recovery:
    """The metadata of one recovery file (only its small recovery.json is read). Raises ProjectError."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(META_MEMBER)
            if info.file_size > MAX_META:
                raise ProjectError(f"{META_MEMBER} is too large", str(path))
            with zf.open(info) as f:
                raw = f.read(MAX_META + 1)
    except ProjectError:
        raise
    except Exception as err:  # not a zip, no metadata, unreadable
        raise ProjectError(f"is not a readable recovery file ({err})", str(path)) from None
    meta = parse_json(raw, META_MEMBER)
    if not isinstance(meta, dict):
        raise ProjectError("must hold an object", META_MEMBER)
    original = meta.get("original_path")
    saved_at = meta.get("saved_at")
    if not isinstance(saved_at, (int, float)) or isinstance(saved_at, bool):
        raise ProjectError("saved_at must be a number", META_MEMBER)
    pid = meta.get("pid")
    session = meta.get("session")
    return Recovery(
        path=path,
        original_path=Path(original) if isinstance(original, str) else None,
        saved_at=float(saved_at),
        name=str(meta.get("name") or path.stem),
        pid=pid if isinstance(pid, int) and not isinstance(pid, bool) else 0,
        session=session if isinstance(session, str) and _SESSION.match(session) else None,
    )


def list_recoveries() -> list[Recovery]:
    """Every readable recovery file, newest first. Unreadable ones are skipped (never deleted here)."""
    folder = recovery_dir()
    try:
        candidates = [p for p in folder.iterdir() if p.suffix == SUFFIX and p.is_file()]
    except OSError:
        return []
    found = []
    for p in candidates:
        try:
            found.append(read_recovery_info(p))
        except ProjectError:
            continue
    found.sort(key=lambda r: r.saved_at, reverse=True)
    return found


@single_line_errors
def discard_recovery(recovery: Recovery | str | os.PathLike) -> None:
    """Delete a recovery file (a Recovery or its path). A file already gone is fine."""
    path = recovery.path if isinstance(recovery, Recovery) else Path(recovery)
    # Only ever delete our own files: a wrong argument must not remove a user's project.
    if Path(os.path.realpath(path)).parent != Path(os.path.realpath(recovery_dir())) or path.suffix != SUFFIX:
        raise ProjectError(f"{path} is not a recovery file; not deleting it")
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as err:
        raise ProjectError(f"cannot delete the recovery file {path}: {err.strerror or err}") from None


def discard_recovery_for(original_path: str | os.PathLike | None, session: str | None = None) -> None:
    """Delete the recovery copy of an original, e.g. right after the user saved it."""
    discard_recovery(recovery_path_for(original_path, session))


def orphaned_recoveries() -> list[Recovery]:
    """Copies whose session is no longer running (crashed or killed), newest first: the ones to offer back."""
    return [r for r in list_recoveries() if r.orphaned]


def orphaned_recovery_for(original_path: str | os.PathLike) -> Recovery | None:
    """The copy of the file `original_path` left by a session that is no longer running, if there is one."""
    target = os.path.realpath(os.fspath(original_path))
    for r in orphaned_recoveries():
        if r.original_path is not None and os.path.realpath(r.original_path) == target:
            return r
    return None


# ---------------------------------------------------------------------------------------------- sessions
def new_session_id() -> str:
    return f"{os.getpid()}-{uuid.uuid4().hex[:12]}"


def _lock_path(session: str) -> Path:
    return recovery_dir() / f"{session}{LOCK_SUFFIX}"


def _try_lock(f) -> bool:
    """Take an exclusive, non-blocking OS lock on the open file `f`; False when another holder has it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(f) -> None:
    try:
        if sys.platform == "win32":
            import msvcrt

            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    except OSError:
        pass
    f.close()


class SessionLock:
    """Held by a running window's session; released by `release()` or, whatever happens, by the OS when the
    process ends. Raises ProjectError when the lock file cannot be made (then copies stay unclaimed)."""

    def __init__(self, session: str | None = None) -> None:
        self.session = session or new_session_id()
        if not _SESSION.match(self.session):
            raise ProjectError(f"invalid session name {self.session!r}")
        folder = recovery_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._file = open(_lock_path(self.session), "a+b")  # noqa: SIM115 (held open for the session)
        except OSError as err:
            raise ProjectError(f"cannot create the session lock in {folder}: {err.strerror or err}") from None
        if not _try_lock(self._file):
            self._file.close()
            raise ProjectError(f"the session {self.session} is already running")

    def release(self) -> None:
        if self._file.closed:
            return
        try:
            _lock_path(self.session).unlink()
        except OSError:
            pass  # Windows: still open here; the next start cleans it (clean_stale_locks)
        _unlock(self._file)


def session_alive(session: str | None) -> bool:
    """Is the session holding its lock, i.e. is the window that wrote a copy still running?"""
    if not session or not _SESSION.match(session):
        return False
    try:
        f = open(_lock_path(session), "r+b")  # noqa: SIM115
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot tell: never offer (and never delete) a copy that may still be in use
    if _try_lock(f):
        _unlock(f)
        return False
    f.close()
    return True


def clean_stale_locks() -> None:
    """Delete lock files of sessions that are no longer running (left by crashes)."""
    try:
        locks = [p for p in recovery_dir().iterdir() if p.suffix == LOCK_SUFFIX]
    except OSError:
        return
    for p in locks:
        if _SESSION.match(p.stem) and not session_alive(p.stem):
            try:
                p.unlink()
            except OSError:
                pass
