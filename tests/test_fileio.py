import os

import pytest

from designer.errors import DesignerError
from designer.fileio import atomic_write, atomic_write_bytes


def test_writes_and_replaces(tmp_path):
    target = tmp_path / "out.csv"
    atomic_write_bytes(target, b"a,b\n1,2\n")
    assert target.read_bytes() == b"a,b\n1,2\n"
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_failure_mid_write_keeps_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_bytes(b"precious")

    def explode(fh):
        fh.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(DesignerError, match="disk is full"):
        atomic_write(target, explode)
    assert target.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_missing_folder_and_folder_target(tmp_path):
    with pytest.raises(DesignerError, match="does not exist"):
        atomic_write_bytes(tmp_path / "nope" / "x.txt", b"x")
    with pytest.raises(DesignerError, match="folder"):
        atomic_write_bytes(tmp_path, b"x")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "x.txt").write_bytes(b"old")
    folder.chmod(0o500)
    try:
        with pytest.raises(DesignerError, match="permission denied"):
            atomic_write_bytes(folder / "x.txt", b"new")
        assert (folder / "x.txt").read_bytes() == b"old"
    finally:
        folder.chmod(0o700)


def test_stale_temp_files_of_our_naming_are_cleaned_on_the_next_save(tmp_path):
    """A killed save leaves `.~nnd-<hex>.tmp`; the next save in that folder removes old ones, nothing else."""
    import time

    from designer.fileio import STALE_TEMP_SECONDS, atomic_write_bytes

    target = tmp_path / "p.nnproj"
    old = [tmp_path / ".~nnd-0badcafe.tmp", tmp_path / ".~nnd-12345678.tmp"]
    fresh = tmp_path / ".~nnd-abcdef01.tmp"  # a save running right now elsewhere
    others = [tmp_path / ".~nnd-0badcafe.tmp.keep", tmp_path / "p.nnproj.tmp", tmp_path / ".~nnd-zz.tmp",
              tmp_path / "notes.tmp"]
    long_ago = time.time() - STALE_TEMP_SECONDS - 60
    for p in [*old, fresh, *others]:
        p.write_bytes(b"half a save")
        if p is not fresh:
            os.utime(p, (long_ago, long_ago))
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert not any(p.exists() for p in old)
    assert fresh.exists() and all(p.exists() for p in others)
