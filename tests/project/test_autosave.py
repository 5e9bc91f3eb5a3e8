"""Recovery copies: written by the autosave timer, listed at start-up, restored or discarded."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from designer.errors import ProjectError
from designer.project import Project, autosave
from designer.project.autosave import (
    discard_recovery,
    discard_recovery_for,
    list_recoveries,
    recovery_dir,
    recovery_path_for,
    write_recovery,
)
from designer.project.document import project_from_json
from designer.project.io import dumps_project, save_project
from tests.project.helpers import valid_doc


@pytest.fixture
def rdir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "recovery"
    monkeypatch.setenv(autosave.ENV_DIR, str(folder))
    return folder


def project(name: str) -> Project:
    p = project_from_json(valid_doc())
    p.name = name
    p.weights = {"dense_2/bias": np.arange(3, dtype=np.float32)}
    return p


def test_recovery_dir_follows_the_environment_and_platform(rdir, monkeypatch, tmp_path):
    assert recovery_dir() == rdir
    monkeypatch.delenv(autosave.ENV_DIR)
    monkeypatch.setattr(autosave.sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert recovery_dir() == tmp_path / "xdg" / "network-designer" / "recovery"
    monkeypatch.setattr(autosave.sys, "platform", "darwin")
    assert recovery_dir() == Path.home() / "Library" / "Application Support" / "Network Designer" / "recovery"
    monkeypatch.setattr(autosave.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert recovery_dir() == tmp_path / "local" / "Network Designer" / "recovery"


def test_write_list_restore_discard(rdir, tmp_path):
    original = tmp_path / "work" / "iris.nnproj"
    original.parent.mkdir()
    save_project(project("saved state"), original)
    path = write_recovery(project("unsaved edits"), original)
    assert path.parent == rdir and path.name.startswith("iris-") and path.suffix == ".nnproj"

    [rec] = list_recoveries()
    assert rec.path == path and rec.original_path == original.resolve()
    assert rec.name == "unsaved edits" and rec.pid == os.getpid()
    assert rec.newer_than_original
    restored = rec.load()  # an ordinary project file: the extra member is ignored
    assert restored.name == "unsaved edits" and restored.warnings == []
    np.testing.assert_array_equal(restored.weights["dense_2/bias"], [0, 1, 2])
    assert dumps_project(restored) == dumps_project(project("unsaved edits"))

    discard_recovery(rec)
    assert list_recoveries() == []
    discard_recovery(rec)  # already gone: fine


def test_one_file_per_original_overwritten_each_time(rdir, tmp_path):
    a, b = tmp_path / "a.nnproj", tmp_path / "b.nnproj"
    for i in range(3):
        write_recovery(project(f"a{i}"), a)
    write_recovery(project("b"), b)
    names = sorted(r.name for r in list_recoveries())
    assert names == ["a2", "b"]
    assert recovery_path_for(a) != recovery_path_for(b)
    discard_recovery_for(a)
    assert [r.name for r in list_recoveries()] == ["b"]


def test_untitled_work_is_keyed_by_session(rdir):
    write_recovery(project("first window"), None, session="w1")
    write_recovery(project("second window"), None, session="w2")
    write_recovery(project("this process"), None)
    recs = list_recoveries()
    assert sorted(r.name for r in recs) == ["first window", "second window", "this process"]
    assert all(r.original_path is None and r.newer_than_original for r in recs)
    assert all(r.path.name.startswith("untitled-") for r in recs)


def test_newest_first_and_broken_files_skipped(rdir, tmp_path):
    write_recovery(project("old"), tmp_path / "old.nnproj")
    time.sleep(0.05)  # apart by more than a coarse clock tick (Windows: 15.6 ms)
    write_recovery(project("new"), tmp_path / "new.nnproj")
    (rdir / "junk.nnproj").write_bytes(b"not a zip")
    save_project(project("no metadata"), rdir / "plain.nnproj")
    assert [r.name for r in list_recoveries()] == ["new", "old"]
    assert (rdir / "junk.nnproj").exists()  # listing never deletes


def test_recovery_older_than_the_original_is_flagged(rdir, tmp_path):
    original = tmp_path / "p.nnproj"
    write_recovery(project("stale"), original)
    save_project(project("saved later"), original)
    [rec] = list_recoveries()
    os.utime(original, (rec.saved_at + 5, rec.saved_at + 5))  # saved clearly after the copy
    assert not rec.newer_than_original


@pytest.mark.parametrize("offset", [-1.9, -0.3, 0.0, 0.7, 1.9])
def test_coarse_file_clocks_never_flag_a_copy_as_stale(rdir, tmp_path, offset):
    """FAT (2 s) and HFS+ (1 s) round mtimes: within that resolution the copy is presented as the newer work."""
    original = tmp_path / "p.nnproj"
    save_project(project("saved"), original)
    write_recovery(project("edits"), original)
    [rec] = list_recoveries()
    coarse = rec.saved_at + offset
    os.utime(original, (coarse, coarse))
    assert rec.newer_than_original


def test_discard_refuses_anything_but_a_recovery_file(rdir, tmp_path):
    precious = tmp_path / "precious.nnproj"
    save_project(project("mine"), precious)
    with pytest.raises(ProjectError, match="is not a recovery file; not deleting it"):
        discard_recovery(precious)
    assert precious.exists()


def test_no_recovery_folder_yet(rdir):
    assert list_recoveries() == []


# ------------------------------------------------------------------ sessions: which copies are orphaned
_HOLDER = """
import sys
from designer.project import Project, autosave
lock = autosave.SessionLock(sys.argv[1])
autosave.write_recovery(Project(name="crashed work"), None, lock.session)
print("ready", flush=True)
sys.stdin.readline()  # hold the lock until told; then exit without releasing it (as a crash would)
"""


def _holder(rdir: Path, session: str):
    import subprocess
    import sys

    env = dict(os.environ, **{autosave.ENV_DIR: str(rdir)})
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, session], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, encoding="utf-8", env=env, cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout.readline().strip() == "ready"
    return proc


@pytest.mark.parametrize("ending", ["exits", "is killed"])
def test_a_copy_is_orphaned_exactly_when_its_process_has_ended(rdir, ending):
    """A real second process holds a session; no pid guessing, nothing monkeypatched."""
    proc = _holder(rdir, "other-1")
    try:
        assert autosave.session_alive("other-1")
        assert [r.name for r in list_recoveries()] == ["crashed work"]
        assert autosave.orphaned_recoveries() == []  # its window still runs: not offered, not deleted
    finally:
        if ending == "exits":
            proc.communicate("go\n", timeout=60)
        else:
            proc.kill()
            proc.wait(timeout=60)
    assert not autosave.session_alive("other-1")
    assert [r.name for r in autosave.orphaned_recoveries()] == ["crashed work"]
    autosave.clean_stale_locks()
    assert not (rdir / "other-1.lock").exists()


def test_this_process_sessions_are_alive_until_released(rdir):
    lock = autosave.SessionLock()
    write_recovery(project("mine"), None, lock.session)
    assert autosave.session_alive(lock.session)
    assert autosave.orphaned_recoveries() == []
    with pytest.raises(ProjectError, match="already running"):
        autosave.SessionLock(lock.session)
    lock.release()
    assert not autosave.session_alive(lock.session)
    assert [r.name for r in autosave.orphaned_recoveries()] == ["mine"]


def test_copy_for_a_file_is_found_by_its_path(rdir, tmp_path):
    original = tmp_path / "a.nnproj"
    save_project(project("a"), original)
    write_recovery(project("a edited"), original, "gone-session")
    write_recovery(project("other"), tmp_path / "b.nnproj", "gone-session")
    found = autosave.orphaned_recovery_for(str(tmp_path / "." / "a.nnproj"))
    assert found is not None and found.name == "a edited" and found.session == "gone-session"
    assert autosave.orphaned_recovery_for(tmp_path / "c.nnproj") is None


@pytest.mark.parametrize("session", ["../../etc/x", "a b", "", "x" * 65, 7])
def test_a_hostile_session_name_in_a_copy_is_ignored(rdir, session):
    import json
    import zipfile

    path = write_recovery(project("p"), None, "fine")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    meta = json.loads(members[autosave.META_MEMBER])
    meta["session"] = session
    members[autosave.META_MEMBER] = json.dumps(meta).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    info = autosave.read_recovery_info(path)
    assert info.session is None and info.orphaned
    assert not autosave.session_alive(session if isinstance(session, str) else None)
