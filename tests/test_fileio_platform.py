"""Saving on each system's terms (designer/fileio.py): another program holding the target, names near the
length limits, temporary files that sync clients skip, and the macOS full fsync.

The Windows-specific branches are asserted on the Windows CI job, where they are the real behaviour of the
file system; on POSIX the same tests assert what POSIX does (a rename over an open file succeeds).
"""

from __future__ import annotations

import sys
import threading

import pytest

from designer.errors import DesignerError
from designer.fileio import TEMP_PREFIX, atomic_write, atomic_write_bytes, full_fsync, is_temp_name
from designer.project import Project
from designer.project.io import save_project

WINDOWS = sys.platform == "win32"


def names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_save_while_another_program_holds_the_target(tmp_path):
    target = tmp_path / "held.nnproj"
    target.write_bytes(b"old")
    holder = open(target, "rb")  # Python on Windows opens without FILE_SHARE_DELETE, as most programs do
    try:
        if WINDOWS:
            with pytest.raises(DesignerError, match="in use by another program"):
                atomic_write_bytes(target, b"new")
            assert target.read_bytes() == b"old"
        else:
            atomic_write_bytes(target, b"new")
            assert target.read_bytes() == b"new"
            assert holder.read() == b"old"  # the holder keeps the file it opened
    finally:
        holder.close()
    assert names(tmp_path) == ["held.nnproj"]  # no temporary file left either way


def test_save_succeeds_when_the_other_program_lets_go(tmp_path):
    target = tmp_path / "briefly.nnproj"
    save_project(Project(name="P"), target)
    holder = open(target, "rb")
    threading.Timer(0.25, holder.close).start()  # a scanner that looks for a quarter of a second
    try:
        save_project(Project(name="P"), target)
    finally:
        holder.close()
    assert names(tmp_path) == ["briefly.nnproj"]


def test_temporary_file_is_short_and_out_of_sync_clients_way(tmp_path):
    target = tmp_path / "p.nnproj"
    seen = []
    atomic_write(target, lambda f: seen.extend(p.name for p in tmp_path.iterdir()) or f.write(b"x"))
    assert len(seen) == 1 and is_temp_name(seen[0]) and seen[0].startswith(TEMP_PREFIX)
    assert len(seen[0]) == len(TEMP_PREFIX) + 8 + len(".tmp")


def test_name_at_the_length_limit_saves(tmp_path):
    """255 characters is the limit of one name on NTFS, APFS and ext4; the temporary name must not add to it."""
    target = tmp_path / ("n" * (255 - len(".nnproj")) + ".nnproj")
    try:
        save_project(Project(name="P"), target)
    except DesignerError as err:  # only Windows without long paths, where the whole path is past 260
        assert WINDOWS and len(str(target)) >= 260 and "too long" in str(err), err
        assert names(tmp_path) == []
    else:
        assert target.is_file() and names(tmp_path) == [target.name]
    with pytest.raises(DesignerError, match="too long"):
        atomic_write_bytes(tmp_path / ("n" * 300 + ".nnproj"), b"x")


def test_long_path_saves_or_says_too_long(tmp_path):
    """Past 260 characters Windows needs long paths enabled; either it saves, or the user reads "too long",
    never "no such file" (WinError 206 arrives as ENOENT)."""
    folder = tmp_path
    while len(str(folder)) < 280:
        folder = folder / ("d" * 40)
    try:
        folder.mkdir(parents=True)
    except OSError:
        folder = tmp_path  # cannot even make the folders: test the long file name alone
    target = folder / ("f" * max(1, 300 - len(str(folder))) + ".nnproj")
    try:
        atomic_write_bytes(target, b"data")
    except DesignerError as err:
        assert "too long" in str(err) and "no such file" not in str(err)
    else:
        assert target.read_bytes() == b"data"


def test_full_fsync_uses_f_fullfsync_on_macos(tmp_path):
    with open(tmp_path / "f.bin", "wb") as f:
        f.write(b"data")
        f.flush()
        used = full_fsync(f.fileno())
    assert used == ("F_FULLFSYNC" if sys.platform == "darwin" else "fsync")

