"""Writing a user's file safely: all or nothing.

The bytes go to a temporary file in the same folder (same file system, so the rename is atomic), are
flushed and fsynced, then `os.replace` puts them in place. A crash at any point leaves either the old file
or the new one; a failure removes the temporary file and raises ProjectError/ExportError naming the file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from designer.errors import DesignerError


def _explain(err: OSError) -> str:
    import errno

    reasons = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOSPC: "the disk is full",
        errno.EROFS: "the file system is read-only",
        errno.ENOENT: "the folder does not exist",
        errno.EISDIR: "it is a folder",
    }
    return reasons.get(err.errno, err.strerror or str(err))


def atomic_write(path: Path, write: Callable[[BinaryIO], None], error: type[DesignerError] = DesignerError) -> None:
    """Call `write(fileobj)` into a temp file beside `path`, then atomically replace `path`."""
    path = Path(path)
    folder = path.resolve().parent
    if path.is_dir():
        raise error(f"cannot write {path}: it is a folder")
    if not folder.is_dir():
        raise error(f"cannot write {path}: the folder {folder} does not exist")
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp_name, path.stat().st_mode & 0o777)
        else:
            # mkstemp creates 0600; give the new file the permissions a normal save would (umask applied).
            umask = os.umask(0)
            os.umask(umask)
            with contextlib.suppress(OSError):
                os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, path)
        tmp_name = None
        _fsync_dir(folder)
    except OSError as err:
        raise error(f"cannot write {path}: {_explain(err)}") from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def atomic_write_bytes(path: Path, data: bytes, error: type[DesignerError] = DesignerError) -> None:
    atomic_write(path, lambda fh: fh.write(data), error)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); not possible on Windows, where it is a no-op."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
