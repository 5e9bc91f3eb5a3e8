"""Project files from the window: save and reopen, Save As, unsaved-changes prompt on close, read-only and
newer-version files, recent files, autosave and recovery. File dialogs and message boxes are monkeypatched."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

from designer.project.io import load_project, save_project
from designer.ui import project_actions
from designer.ui.start_page import iris_mlp


@pytest.fixture
def errors(monkeypatch):
    shown = []
    monkeypatch.setattr(project_actions, "show_error", lambda parent, title, message: shown.append(message))
    return shown


def test_save_as_then_reopen_round_trips_the_project(make_window, tmp_path, monkeypatch):
    window = make_window(iris_mlp())
    window.project.weights = {"dense_1/kernel": np.ones((4, 16), np.float32)}
    window.training_panel.epochs.setValue(42)
    assert window.isWindowModified()
    target = tmp_path / "saved"  # no suffix: Save As adds .nnproj
    monkeypatch.setattr(project_actions, "ask_save_path", lambda parent, suggested: str(target) + ".nnproj")
    assert window.save_as()
    saved = tmp_path / "saved.nnproj"
    assert saved.is_file()
    assert not window.isWindowModified()
    assert window.path == str(saved.resolve())
    assert window.recent.paths()[0] == str(saved.resolve())

    reopened = make_window()
    monkeypatch.setattr(project_actions, "ask_open_path", lambda parent, directory="": str(saved))
    reopened.act_open.trigger()
    assert reopened.project.training["epochs"] == 42
    assert sorted(reopened.project.graph.nodes) == sorted(window.project.graph.nodes)
    np.testing.assert_array_equal(reopened.project.weights["dense_1/kernel"], np.ones((4, 16), np.float32))
    assert reopened.windowTitle().startswith(window.project.name)


def test_save_writes_to_the_current_file(make_window, tmp_path):
    path = tmp_path / "p.nnproj"
    save_project(iris_mlp(), path)
    window = make_window()
    assert window.open_path(str(path))
    window.palette.add_requested.emit("Dropout")
    assert window.isWindowModified()
    window.act_save.trigger()
    assert not window.isWindowModified()
    assert "dropout_1" in load_project(path).graph.nodes


@pytest.mark.parametrize("answer", ["cancel", "discard", "save"])
def test_close_with_unsaved_changes_asks(make_window, tmp_path, monkeypatch, answer):
    window = make_window(iris_mlp())
    window.palette.add_requested.emit("Dense")
    asked = []

    def ask(parent, name):
        asked.append(name)
        return answer

    monkeypatch.setattr(project_actions, "ask_unsaved_changes", ask)
    target = tmp_path / "closing.nnproj"
    monkeypatch.setattr(project_actions, "ask_save_path", lambda parent, suggested: str(target))
    closed = window.close()
    assert asked == ["Iris classifier"]
    assert closed == (answer != "cancel")
    assert window.isVisible() == (answer == "cancel")
    assert target.exists() == (answer == "save")


def test_close_without_changes_does_not_ask(make_window, monkeypatch):
    window = make_window(iris_mlp())
    monkeypatch.setattr(project_actions, "ask_unsaved_changes",
                        lambda parent, name: pytest.fail("asked although nothing changed"))
    assert window.close()


def test_read_only_file_gives_a_clear_message_and_keeps_the_work(make_window, tmp_path, errors, monkeypatch):
    path = tmp_path / "ro.nnproj"
    save_project(iris_mlp(), path)
    os.chmod(path, 0o444)
    if os.access(path, os.W_OK):  # running as root, where permission bits do not apply: simulate them
        real_access = os.access
        monkeypatch.setattr(project_actions.os, "access", lambda p, mode: False if (
            str(p) == str(path) and mode == os.W_OK) else real_access(p, mode))
    try:
        window = make_window()
        assert window.open_path(str(path))
        window.palette.add_requested.emit("Dense")
        assert not window.save()
        assert errors and "read-only" in errors[0] and "Save As" in errors[0]
        assert window.isWindowModified()
    finally:
        os.chmod(path, 0o644)


def test_newer_version_file_is_refused_with_both_versions_named(make_window, tmp_path, errors):
    path = tmp_path / "future.nnproj"
    doc = iris_mlp().to_json_dict()
    doc["version"] = 99
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))
    window = make_window(iris_mlp())
    assert not window.open_path(str(path))
    assert errors and "99" in errors[0] and "1" in errors[0]
    assert window.project.name == "Iris classifier"  # nothing the user had is lost


def test_missing_recent_file_is_reported_and_dropped(make_window, tmp_path, errors):
    path = tmp_path / "gone.nnproj"
    save_project(iris_mlp(), path)
    window = make_window()
    assert window.open_path(str(path))
    path.unlink()
    assert not window.open_path(str(path))
    assert "does not exist" in errors[0]
    assert str(path.resolve()) not in window.recent.paths()


def test_autosave_writes_a_recovery_copy_that_the_next_start_offers(make_window, tmp_path, monkeypatch):
    window = make_window(iris_mlp(), autosave=True)
    window.autosaver.tick()
    assert window.autosaver.pending() == []  # nothing modified yet: nothing written
    window.palette.add_requested.emit("Dropout")
    window.autosaver.tick()
    from designer.project import autosave

    written = autosave.list_recoveries()
    assert len(written) == 1 and written[0].name == "Iris classifier"
    # Pretend the process that wrote it has died (a crash): the next start offers it back.
    monkeypatch.setattr(project_actions, "_alive", lambda pid: False)
    offered = []
    monkeypatch.setattr(project_actions, "offer_recovery", lambda parent, rec: offered.append(rec) or True)
    fresh = make_window(autosave=True)
    fresh.offer_recovery()
    assert len(offered) == 1
    assert "dropout_1" in fresh.project.graph.nodes
    assert fresh.isWindowModified()


def test_saving_removes_the_recovery_copy(make_window, tmp_path, monkeypatch):
    window = make_window(iris_mlp(), autosave=True)
    window.palette.add_requested.emit("Dropout")
    window.autosaver.tick()
    from designer.project import autosave

    assert autosave.list_recoveries()
    monkeypatch.setattr(project_actions, "ask_save_path", lambda parent, suggested: str(tmp_path / "x.nnproj"))
    assert window.save()
    assert autosave.list_recoveries() == []


def test_export_after_training_writes_a_numpy_predictor(make_window, qtbot, tmp_path, monkeypatch, errors):
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    window = make_window(iris_mlp())
    window.project.training["epochs"] = 1
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.train()
    out = tmp_path / "iris_predictor.py"
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Standalone NumPy predictor (.py)", True))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    window.act_export.trigger()
    assert errors == []
    assert out.is_file() and "numpy" in out.read_text(encoding="utf-8")
    assert str(out) in window.statusBar().currentMessage()


def test_recent_files_show_on_the_start_page_and_open(make_window, tmp_path):
    path = tmp_path / "recent.nnproj"
    project = iris_mlp()
    project.name = "From the recent list"
    save_project(project, path)
    first = make_window()
    assert first.open_path(str(path))
    second = make_window()  # same settings: the list survives
    items = [second.start_page.recent.item(i) for i in range(second.start_page.recent.count())]
    assert [it.data(256) for it in items] == [str(path.resolve())]  # Qt.UserRole
    second.start_page.recent_requested.emit(items[0].data(256))
    assert second.project.name == "From the recent list"
