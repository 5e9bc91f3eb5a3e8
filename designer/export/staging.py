"""All files of one export, or none: a failure half-way never leaves a folder that mixes old and new files.

A new folder is built complete under a temporary name beside it and renamed into place (one atomic step). In an
existing folder (which may hold the user's other files) every new file is first written and fsynced under a
temporary name; only when all of them are written do they replace the old ones, so a full disk or a killed
export leaves the old export whole.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from designer.errors import ExportError
from designer.fileio import TEMP_PREFIX, TEMP_SUFFIX, explain_os_error


def write_all(folder: Path, files: list[tuple[str, bytes]]) -> list[Path]:
    """Write `files` (name, bytes) into `folder`, all or nothing; the paths, in the given order."""
    folder = Path(folder)
    if not folder.exists():
        return _new_folder(folder, files)
    staged: list[tuple[Path, Path]] = []
    try:
        for name, data in files:
            tmp = folder / f"{TEMP_PREFIX}{secrets.token_hex(4)}{TEMP_SUFFIX}"
            staged.append((tmp, folder / name))  # before writing: a half-written temp file goes too
            _write(tmp, data)
        for tmp, target in staged:
            os.replace(tmp, target)
    except OSError as err:
        raise ExportError(f"cannot write the export into {folder}: {explain_os_error(err)}") from None
    finally:
        for tmp, _ in staged:
            if tmp.exists():
                tmp.unlink()
    return [folder / name for name, _ in files]


def _new_folder(folder: Path, files: list[tuple[str, bytes]]) -> list[Path]:
    if not folder.parent.is_dir():
        raise ExportError(f"cannot write {folder}: the folder {folder.parent} does not exist")
    tmp = folder.parent / f"{TEMP_PREFIX}{secrets.token_hex(4)}{TEMP_SUFFIX}"
    try:
        tmp.mkdir()
        for name, data in files:
            _write(tmp / name, data)
        os.rename(tmp, folder)
    except OSError as err:
        raise ExportError(f"cannot create the folder {folder}: {explain_os_error(err)}") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return [folder / name for name, _ in files]


def _write(path: Path, data: bytes) -> None:
    with open(path, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


