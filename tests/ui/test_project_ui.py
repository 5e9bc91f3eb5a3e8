"""Project files from the window: save and reopen, Save As, unsaved-changes prompt on close, read-only and
newer-version files, recent files, autosave and recovery. File dialogs and message boxes are monkeypatched."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

from designer.project.io import load_project, save_project
from designer.project.model import FORMAT_VERSION
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
    # both versions named: the file's and the newest this version reads (not a digit that happens to be in the path)
    assert errors and "file version 99" in errors[0] and f"reads up to {FORMAT_VERSION}" in errors[0]
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


def _answer_recovery_box(button_text: str, seen: list) -> None:
    """Click `button_text` on the recovery question as soon as it shows (a real QMessageBox, clicked)."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QMessageBox

    def click():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != "recovery_box":
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        button = next(b for b in box.buttons() if b.text() == button_text)
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, click)


def _crashed_copy(tmp_path, edit_layer="Dropout"):
    """A saved project plus the recovery copy of an edit made to it by a session that is no longer running."""
    from designer.project import autosave

    path = tmp_path / "work.nnproj"
    save_project(iris_mlp(), path)
    edited = iris_mlp()
    edited.graph.add_node(edit_layer, {}, node_id="dropout_9")
    autosave.write_recovery(edited, path, "crashed-session")  # no lock held by anyone: it crashed
    return path


def test_autosave_writes_a_recovery_copy_that_the_next_start_offers(make_window, tmp_path):
    from designer.project import autosave

    window = make_window(iris_mlp(), autosave=True)
    window.autosaver.tick()
    assert autosave.list_recoveries() == []  # nothing modified yet: nothing written
    window.palette.add_requested.emit("Dropout")
    window.autosaver.tick()
    written = autosave.list_recoveries()
    assert len(written) == 1 and written[0].name == "Iris classifier"
    fresh = make_window(autosave=True)
    assert fresh.autosaver.pending() == []  # the first window still runs: its copy is not offered
    window.autosaver._lock.release()  # the first session ends without cleaning up (as in a crash)
    seen = []
    _answer_recovery_box("Restore the copy", seen)
    fresh.offer_recovery()
    assert seen and "Iris classifier" in seen[0]
    assert "dropout_1" in fresh.project.graph.nodes
    assert fresh.isWindowModified()
    # the restored work keeps a copy (now the new session's) until it is saved: a second crash loses nothing
    copies = autosave.list_recoveries()
    assert len(copies) == 1 and not copies[0].orphaned and copies[0].session == fresh.autosaver._session


def test_a_failing_automatic_copy_is_reported_once_in_the_status_bar(make_window, qtbot, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the recovery folder should be", encoding="utf-8")
    monkeypatch.setenv("NN_DESIGNER_RECOVERY_DIR", str(blocker / "recovery"))
    window = make_window(iris_mlp(), autosave=True)
    failures = []
    window.autosaver.failed.connect(failures.append)
    window.palette.add_requested.emit("Dropout")  # modified work: the timer now tries to copy it
    window.autosaver.timer.setInterval(20)
    qtbot.waitUntil(lambda: "Automatic copy failed" in window.statusBar().currentMessage(), timeout=5000)
    assert "save your work" in window.statusBar().currentMessage()
    qtbot.wait(200)  # more failed ticks: still one report for the streak
    assert len(failures) == 1 and str(blocker) in failures[0]


@pytest.mark.parametrize("how", ["File > Open", "Open Recent", "command line"])
def test_opening_a_file_with_a_crashed_copy_offers_it_and_restore_keeps_the_copy(make_window, tmp_path, monkeypatch,
                                                                                how):
    from designer.project import autosave

    path = _crashed_copy(tmp_path)
    window = make_window(autosave=True)
    seen = []
    _answer_recovery_box("Restore the copy", seen)
    if how == "File > Open":
        monkeypatch.setattr(project_actions, "ask_open_path", lambda parent, directory="": str(path))
        window.act_open.trigger()
    elif how == "Open Recent":
        window.recent.add(str(path))
        window._fill_recent_menu()
        next(a for a in window.recent_menu.actions() if a.text() == str(path.resolve())).trigger()
    else:
        window.open_path(str(path))  # what run_app does with argv and the Finder's open-file events
    assert seen and str(path.resolve()) in seen[0]
    assert "dropout_9" in window.project.graph.nodes and window.isWindowModified()
    assert window.path == str(path.resolve())
    assert "dropout_9" not in load_project(path).graph.nodes  # the file itself is untouched until saved
    copies = autosave.list_recoveries()
    assert len(copies) == 1 and not copies[0].orphaned  # kept, owned by this window
    window.act_save.trigger()
    assert "dropout_9" in load_project(path).graph.nodes
    assert autosave.list_recoveries() == []  # saved: now the copy goes


def test_choosing_the_saved_file_deletes_the_copy_and_cancel_keeps_both(make_window, tmp_path):
    from designer.project import autosave

    path = _crashed_copy(tmp_path)
    window = make_window(autosave=True)
    seen = []
    _answer_recovery_box("Cancel", seen)
    assert not window.open_path(str(path))
    assert window.path is None and len(autosave.list_recoveries()) == 1  # nothing opened, nothing deleted
    _answer_recovery_box("Open the saved file, delete the copy", seen)
    assert window.open_path(str(path))
    assert "dropout_9" not in window.project.graph.nodes and not window.isWindowModified()
    assert autosave.list_recoveries() == []
    assert len(seen) == 2


def test_not_now_at_start_keeps_the_copy_for_the_next_start(make_window, tmp_path):
    from designer.project import autosave

    edited = iris_mlp()
    autosave.write_recovery(edited, None, "crashed-untitled")
    window = make_window(autosave=True)
    seen = []
    _answer_recovery_box("Not now", seen)
    window.offer_recovery()
    assert seen and [r.session for r in autosave.orphaned_recoveries()] == ["crashed-untitled"]
    _answer_recovery_box("Delete the copy", seen)
    window.offer_recovery()
    assert autosave.list_recoveries() == []


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
