"""Recovery details with the expected values written out: the file name of a path that is not valid UTF-8,
the session lock's folder made with its parents, and its refusals word for word."""

from __future__ import annotations

import hashlib
import os

import pytest

from designer.errors import ProjectError
from designer.project import autosave


@pytest.fixture
def rdir(tmp_path, monkeypatch):
    folder = tmp_path / "deep" / "er" / "recovery"  # parents that do not exist yet
    monkeypatch.setenv(autosave.ENV_DIR, str(folder))
    return folder


def test_a_path_with_undecodable_bytes_gets_a_stable_recovery_name(rdir, tmp_path):
    # Linux file names are bytes: one that is not UTF-8 reaches Python with a lone surrogate in it
    original = os.path.join(str(tmp_path), "caf\udce9.nnproj")
    digest = hashlib.sha256(os.path.realpath(original).encode("utf-8", "surrogatepass")).hexdigest()[:12]
    assert autosave.recovery_path_for(original) == rdir / f"caf_-{digest}{autosave.SUFFIX}"


def test_the_session_lock_makes_its_folder_with_parents_and_refuses_a_second_holder(rdir):
    lock = autosave.SessionLock("abc123")
    try:
        assert rdir.is_dir()
        with pytest.raises(ProjectError) as err:
            autosave.SessionLock("abc123")
        assert str(err.value) == "the session abc123 is already running"
    finally:
        lock.release()


def test_a_session_name_that_could_leave_the_folder_is_refused(rdir):
    with pytest.raises(ProjectError) as err:
        autosave.SessionLock("../x")
    assert str(err.value) == "invalid session name '../x'"


def test_a_folder_that_cannot_be_made_is_named(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(autosave.ENV_DIR, str(blocker / "recovery"))
    with pytest.raises(ProjectError) as err:
        autosave.SessionLock("abc123")
    prefix = f"cannot create the session lock in {blocker / 'recovery'}: "
    assert str(err.value).startswith(prefix)
    reason = str(err.value)[len(prefix):]
    assert reason and "[Errno" not in reason  # the system's words (e.g. "Not a directory"), not a repr
