"""Writing a user's file safely: all or nothing. Shared by project saving, autosave, export and predict.

The bytes go to a temporary file in the same folder (same file system, so the rename is atomic), are
flushed and fsynced, then `os.replace` puts them in place and the folder is fsynced. A crash at any point
leaves either the old file or the new one; a failure removes the temporary file and raises the caller's
error type with one line naming the file and the reason.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from designer.errors import DesignerError


def explain_os_error(err: OSError) -> str:
    """A plain-language reason for an OSError (no errno numbers for the user)."""
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
    target = Path(os.path.realpath(path))  # write through a symlink, not over it
    folder = target.parent
    if target.is_dir():
        raise error(f"cannot {verb} {path}: it is a folder")
    if not folder.is_dir():
        raise error(f"cannot {verb} {path}: the folder {folder} does not exist")
    mode = stat.S_IMODE(os.stat(target).st_mode) if target.exists() else None
    # No write bit at all means the user protected the file: respect it even when running as root.
    if mode is not None and (not mode & 0o222 or not os.access(target, os.W_OK)):
        raise error(f"cannot {verb} {path}: the file is read-only")
    tmp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"  # temp_name_pattern matches it
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as err:
        raise error(f"cannot {verb} {path}: {explain_os_error(err)}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
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


def temp_name_pattern(target_name: str) -> re.Pattern:
    return re.compile(rf"^\.{re.escape(target_name)}\.[0-9a-f]{{8}}\.tmp$")


def clean_stale_temps(target: Path) -> list[Path]:
    """Delete temp files of our own naming for `target` (".<name>.<8 hex>.tmp" beside it) left by killed saves.
    Only ours, only old ones: a save running right now in another window keeps its temp file."""
    pattern = temp_name_pattern(target.name)
    removed = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        try:
            if pattern.match(entry.name) and entry.is_file(follow_symlinks=False) \
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
    probe = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as err:
        raise error(f"cannot write {path}: {explain_os_error(err)}") from None
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError:
        pass


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
