"""Saving is all or nothing: a failure or a killed process leaves the old file intact and loadable."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from designer.errors import ProjectError
from designer.project import Project
from designer.project.document import project_from_json
from designer.project.io import atomic_write, load_project, save_project
from tests.project.helpers import valid_doc

ROOT = Path(__file__).resolve().parents[2]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def project(name: str = "P") -> Project:
    p = project_from_json(valid_doc())
    p.name = name
    return p


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_save_creates_and_replaces(tmp_path):
    target = tmp_path / "p.nnproj"
    save_project(project("first"), target)
    assert load_project(target).name == "first"
    save_project(project("second"), target)
    assert load_project(target).name == "second"
    assert leftovers(tmp_path) == []


def test_failure_while_writing_keeps_the_old_file(tmp_path):
    target = tmp_path / "p.nnproj"
    save_project(project("old"), target)
    before = target.read_bytes()

    def half_then_disk_full(f):
        f.write(b"PK\x03\x04 half a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(ProjectError, match=r"^cannot save .*p\.nnproj: the disk is full$"):
        atomic_write(target, half_then_disk_full)
    assert target.read_bytes() == before and leftovers(tmp_path) == []

    def denied(f):
        raise PermissionError(errno.EACCES, "Permission denied")

    with pytest.raises(ProjectError, match=r"permission denied$"):
        atomic_write(target, denied)
    assert target.read_bytes() == before and leftovers(tmp_path) == []


def test_invalid_project_is_not_written(tmp_path):
    target = tmp_path / "p.nnproj"
    save_project(project("old"), target)
    before = target.read_bytes()
    bad = project("new")
    bad.graph.nodes["dense_1"].params["units"] = -5  # bypassing Graph.set_param's check
    with pytest.raises(ProjectError, match=r"^graph\.nodes\[1\]\.params\.units: must be a positive integer"):
        save_project(bad, target)
    bad = project("new")
    bad.training["epochs"] = float("nan")
    with pytest.raises(ProjectError, match=r"^cannot save: Out of range float values are not JSON compliant"):
        save_project(bad, target)
    assert target.read_bytes() == before and leftovers(tmp_path) == []


def test_missing_folder_and_folder_target(tmp_path):
    with pytest.raises(ProjectError, match=r"^cannot save .*: the folder .*nowhere does not exist$"):
        save_project(project(), tmp_path / "nowhere" / "p.nnproj")
    with pytest.raises(ProjectError, match=r"^cannot save .*: it is a folder$"):
        save_project(project(), tmp_path)


def test_read_only_file_is_refused_and_untouched(tmp_path):
    target = tmp_path / "p.nnproj"
    save_project(project("old"), target)
    before = target.read_bytes()
    target.chmod(0o444)
    try:
        with pytest.raises(ProjectError, match=r"^cannot save .*p\.nnproj: the file is read-only$"):
            save_project(project("new"), target)
    finally:
        target.chmod(0o644)
    assert target.read_bytes() == before and leftovers(tmp_path) == []


@pytest.mark.skipif(IS_ROOT or sys.platform == "win32", reason="root ignores folder permissions")
def test_read_only_folder_gives_permission_denied(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ProjectError, match=r"permission denied$"):
            save_project(project(), folder / "p.nnproj")
    finally:
        folder.chmod(0o755)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes and symlinks")
def test_mode_and_symlink_are_kept(tmp_path):
    real = tmp_path / "real.nnproj"
    save_project(project("old"), real)
    real.chmod(0o640)
    link = tmp_path / "link.nnproj"
    link.symlink_to(real)
    save_project(project("new"), link)
    assert link.is_symlink() and load_project(real).name == "new"
    assert real.stat().st_mode & 0o777 == 0o640


CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    from designer.project.document import project_from_json
    from designer.project.io import save_project
    from tests.project.helpers import valid_doc

    target = sys.argv[1]
    p = project_from_json(valid_doc())
    p.graph.nodes["input_1"].params["shape"] = [2000]
    p.graph.nodes["dense_1"].params["units"] = 1000
    rng = np.random.default_rng(0)
    p.weights = {"dense_1/kernel": rng.normal(size=(2000, 1000)).astype(np.float32)}  # an 8 MB save
    i = 0
    while True:
        p.name = f"save {i}"
        save_project(p, target)
        print(i, flush=True)
        i += 1
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killing_a_save_midway_leaves_a_loadable_file(tmp_path):
    """A child saves a large project in a loop; it is SIGKILLed at arbitrary moments. Every time, the file on
    disk is one complete save (old or new), never a mix; the kill that lands mid-write leaves only a temp file."""
    target = tmp_path / "p.nnproj"
    save_project(project("before any child"), target)
    names = {"before any child"}
    rng = np.random.default_rng(1)
    mid_write_kills = 0
    for attempt in range(10):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(target)], cwd=ROOT, stdout=subprocess.PIPE, text=True, encoding="utf-8"
        )
        try:
            child.stdout.readline()  # one save completed: the child is in its loop
            time.sleep(float(rng.uniform(0.0, 0.15)))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        child.stdout.close()
        loaded = load_project(target)  # never a torn file
        assert loaded.name == "before any child" or loaded.name.startswith("save ")
        assert loaded.weights["dense_1/kernel"].shape == (2000, 1000) or loaded.name == "before any child"
        names.add(loaded.name)
        if leftovers(tmp_path):
            mid_write_kills += 1
            for name in leftovers(tmp_path):
                (tmp_path / name).unlink()
        if mid_write_kills >= 1 and attempt >= 1:
            break
    assert mid_write_kills >= 1, "no kill landed in the middle of a save; the test proved nothing"


def test_names_with_nul_bytes_are_refused(tmp_path):
    with pytest.raises(ProjectError, match="not a valid file name"):
        save_project(project(), str(tmp_path / "a\x00b.nnproj"))
    with pytest.raises(ProjectError, match="not a valid file name"):
        load_project(str(tmp_path / "a\x00b.nnproj"))
