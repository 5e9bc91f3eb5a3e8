"""Writing a user's file safely: all or nothing. Shared by project saving, autosave, export and predict.

The bytes go to a temporary file in the same folder (same file system, so the rename is atomic), are
flushed and fsynced (F_FULLFSYNC on macOS, where fsync does not reach the platter), then `os.replace` puts
them in place and the folder is fsynced. A crash at any point leaves either the old file or the new one; a
failure removes the temporary file and raises the caller's error type with one line naming the file and the
reason.

Windows: a virus scanner, the search indexer or a sync client (OneDrive, Dropbox) briefly holding the target
makes the rename fail with WinError 5/32; it is retried with a short backoff before the user hears "in use by
another program". The temporary name is short and fixed-length (a name near the length limit still saves)
and starts with `.~`, which sync clients skip and POSIX file browsers hide.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from designer.errors import DesignerError
from designer.filenames import portable_name_problem

TEMP_PREFIX = ".~nnd-"  # temporary files: TEMP_PREFIX + 8 hex digits + TEMP_SUFFIX
TEMP_SUFFIX = ".tmp"
# WinError 5 (access denied), 32 (sharing violation), 33 (lock violation): another process has the file open.
_IN_USE_WINERRORS = (5, 32, 33)
RETRY_DELAYS_S = (0.05, 0.1, 0.2, 0.4, 0.8)  # about 1.5 s in all, then the user is told
MAX_NAME = 255  # characters in one name: NTFS, APFS and (in bytes) ext4
WINDOWS_MAX_PATH = 260  # a whole path, unless long paths are enabled (registry and application manifest)


def is_temp_name(name: str) -> bool:
    """True for the name of a temporary file that atomic_write makes (a crash can leave one behind)."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def explain_os_error(err: OSError) -> str:
    """A plain-language reason for an OSError (no errno numbers for the user)."""
    winerror = getattr(err, "winerror", None)
    if winerror in (32, 33):
        return "the file is in use by another program"
    if winerror == 123:  # ERROR_INVALID_NAME
        return 'the name is not valid on Windows (a character such as < > : " | ? *, or too long)'
    longest = max(len(os.fspath(err.filename or "")), len(os.fspath(getattr(err, "filename2", None) or "")))
    if winerror == 206 or (sys.platform == "win32" and err.errno == errno.ENOENT and longest >= WINDOWS_MAX_PATH):
        # ERROR_FILENAME_EXCED_RANGE, or "path not found" past MAX_PATH: Python calls both ENOENT, and
        # "no such file" would mislead
        return "the path is too long (Windows allows 260 characters unless long paths are enabled)"
    reasons = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOSPC: "the disk is full",
        getattr(errno, "EDQUOT", -1): "the disk quota is exhausted",
        errno.EROFS: "the file system is read-only",
        errno.ENOENT: "no such file or folder",
        errno.EISDIR: "it is a folder",
        errno.ENAMETOOLONG: "the name is too long",
    }
    return reasons.get(err.errno, err.strerror or str(err))


def atomic_write(
    path: Path,
    write: Callable[[BinaryIO], None],
    error: type[DesignerError] = DesignerError,
    verb: str = "write",
) -> None:
    """Call `write(fileobj)` into a temp file beside `path`, fsync it and rename it over `path`."""
    if "\x00" in os.fspath(path):
        raise error(f"cannot {verb} {path!r}: the name is not a valid file name")
    if len(Path(path).name) > MAX_NAME:  # the same words on every system (Windows says "invalid name")
        raise error(f"cannot {verb} {path}: the name is too long (at most {MAX_NAME} characters)")
    if sys.platform == "win32":  # CON.onnx is the console, "model." silently becomes "model"
        problem = portable_name_problem(Path(path).name)
        if problem:
            raise error(f"cannot {verb} {path}: {problem}")
    try:  # a name past the system's limits fails in these checks already (ENAMETOOLONG, WinError 206)
        target = Path(os.path.realpath(path))  # write through a symlink, not over it
        folder = target.parent
        if target.is_dir():
            raise error(f"cannot {verb} {path}: it is a folder")
        if not folder.is_dir():
            raise error(f"cannot {verb} {path}: the folder {folder} does not exist")
        mode = stat.S_IMODE(os.stat(target).st_mode) if target.exists() else None
    except OSError as err:
        raise error(f"cannot {verb} {path}: {explain_os_error(err)}") from None
    # No write bit at all means the user protected the file: respect it even when running as root.
    if mode is not None and (not mode & 0o222 or not os.access(target, os.W_OK)):
        raise error(f"cannot {verb} {path}: the file is read-only")
    tmp = folder / f"{TEMP_PREFIX}{secrets.token_hex(4)}{TEMP_SUFFIX}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as err:
        raise error(f"cannot {verb} {path}: {explain_os_error(err)}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            full_fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        _replace_retrying(tmp, target)
    except BaseException as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(err, DesignerError):
            raise
        if isinstance(err, OSError):
            raise error(f"cannot {verb} {path}: {explain_os_error(err)}") from None
        raise
    _fsync_folder(folder)
    clean_stale_temps(target)


# a temp file of our naming older than this was left by a save that was killed (a live one is seconds old)
STALE_TEMP_SECONDS = 15 * 60


_TEMP_NAME = re.compile(rf"^{re.escape(TEMP_PREFIX)}[0-9a-f]{{8}}{re.escape(TEMP_SUFFIX)}$")


def clean_stale_temps(target: Path) -> list[Path]:
    """Delete temp files of exactly our naming (TEMP_PREFIX + 8 hex + TEMP_SUFFIX) beside `target`, left by
    killed saves. Only ours, only old ones: a save running right now in another window keeps its temp file."""
    removed = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        try:
            if _TEMP_NAME.match(entry.name) and entry.is_file(follow_symlinks=False) \
                    and now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def check_writable(path: Path, error: type[DesignerError] = DesignerError) -> None:
    """Fail now, with the reason, if `path` could not be written later (long work must not end in that): the
    file is read-only or a folder, or its folder refuses a new file (a probe file is created and removed)."""
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise error(f"cannot write {path}: it is a folder")
    if target.exists():
        mode = stat.S_IMODE(os.stat(target).st_mode)
        if not mode & 0o222 or not os.access(target, os.W_OK):
            raise error(f"cannot write {path}: the file is read-only")
    probe = target.parent / f"{TEMP_PREFIX}{secrets.token_hex(4)}{TEMP_SUFFIX}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as err:
        raise error(f"cannot write {path}: {explain_os_error(err)}") from None
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError:
        pass


def _in_use(err: OSError) -> bool:
    return sys.platform == "win32" and getattr(err, "winerror", None) in _IN_USE_WINERRORS


def _replace_retrying(tmp: Path, target: Path) -> None:
    """os.replace, retried while another program holds the target (Windows only; POSIX renames over open
    files). Still held at the end: an OSError whose explanation is "in use by another program"."""
    for delay in (*RETRY_DELAYS_S, None):
        try:
            os.replace(tmp, target)
            return
        except OSError as err:
            if not _in_use(err):
                raise
            if delay is None:
                raise OSError(err.errno, "the file is in use by another program", str(target), 32) from None
            time.sleep(delay)


def full_fsync(fd: int) -> str:
    """Flush a file's data to the disk itself; returns the call used. macOS's fsync only reaches the drive's
    cache: F_FULLFSYNC asks the drive to write through (refused by some network file systems: then fsync)."""
    if sys.platform == "darwin":
        import fcntl

        try:
            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
            return "F_FULLFSYNC"
        except OSError:
            pass
    os.fsync(fd)
    return "fsync"


def atomic_write_bytes(path: Path, data: bytes, error: type[DesignerError] = DesignerError) -> None:
    atomic_write(path, lambda fh: fh.write(data), error)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows cannot open folders, where this is skipped."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
