"""The window on each system's terms: recent files as the file system sees them (case, NFC/NFD), `&` in menu
entries, upper-case suffixes, absolute default save paths, standard shortcuts and menu roles, native-format
settings, and platform notation in context menus."""

from __future__ import annotations

import os
import sys
import unicodedata
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, QUrl
from PySide6.QtGui import QAction, QKeySequence

from designer.project.io import save_project
from designer.ui import project_actions as files
from designer.ui.start_page import iris_mlp
from tests.ui.test_main_window import _drop


def _saved(path: Path, name: str = "P") -> Path:
    project = iris_mlp()
    project.name = name
    save_project(project, path)
    return path


def test_recent_files_are_one_entry_per_file_whatever_the_spelling(make_window, tmp_path):
    real = _saved(tmp_path / "Café Net.nnproj")
    spellings = [str(real), unicodedata.normalize("NFD", str(real)), str(tmp_path / "CAFÉ NET.nnproj"),
                 str(tmp_path / "café net.NNPROJ")]
    window = make_window()
    opened = [s for s in spellings if os.path.exists(s)]  # macOS, Windows: all of them; Linux: the one
    for spelling in opened:
        assert window.open_path(spelling)
    assert len(window.recent.paths()) == 1
    assert os.path.samefile(window.recent.paths()[0], real)


def test_distinct_files_that_differ_in_case_stay_distinct(make_window, tmp_path):
    a = _saved(tmp_path / "net.nnproj", "lower")
    b = tmp_path / "NET.nnproj"
    if b.exists():
        pytest.skip("case-insensitive file system: NET.nnproj is net.nnproj (the test above covers it)")
    _saved(b, "upper")
    window = make_window()
    assert window.open_path(str(a)) and window.open_path(str(b))
    assert window.recent.paths() == [str(b.resolve()), str(a.resolve())]


def test_ampersand_in_a_recent_entry_is_shown_and_opens(make_window, tmp_path):
    path = _saved(tmp_path / "R&D model.nnproj", "research")
    window = make_window()
    window.recent.add(str(path))
    window.recent_menu.aboutToShow.emit()
    entry = window.recent_menu.actions()[0]
    assert entry.text() == str(path.resolve()).replace("&", "&&")  # shown as "R&D", no mnemonic eaten
    entry.trigger()
    assert window.project.name == "research"


def test_upper_case_suffix_is_a_project(make_window, tmp_path, monkeypatch):
    path = _saved(tmp_path / "SHOUTING.NNPROJ", "loud")
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop = _drop(window, mime, QPointF(50, 50))
    assert drop.isAccepted() and window.project.name == "loud"
    monkeypatch.setattr(files.QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "Out.NNPROJ"), ""))
    assert files.ask_save_path(window, "x") == str(tmp_path / "Out.NNPROJ")  # not Out.NNPROJ.nnproj


def test_suggested_names_are_absolute_and_valid_everywhere(tmp_path):
    from designer.project import Project

    for name, stem in [("CON", "CON_"), ("model: v2?", "model_ v2_"), ("trailing.", "trailing"), ("", "project")]:
        suggestion = Path(files.suggested_file_name(Project(name=name), None))
        assert suggestion.is_absolute() and suggestion.name == f"{stem}.nnproj", name


def test_export_dialog_starts_beside_the_project_not_in_the_working_folder(make_window, tmp_path, monkeypatch):
    path = _saved(tmp_path / "proj.nnproj")
    window = make_window()
    window.open_path(str(path))
    asked = {}
    monkeypatch.setattr("PySide6.QtWidgets.QInputDialog.getItem", lambda *a, **k: (a[3][1], True))
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName",
                        lambda parent, title, suggested, *a, **k: (asked.setdefault("path", suggested), "")[1:] + ("",))
    window.act_export.trigger()
    assert Path(asked["path"]) == tmp_path.resolve() / "proj.py"


def test_dashboard_export_dialogs_start_in_an_absolute_folder(qtbot, monkeypatch):
    from designer.ui.plots.dashboard import TrainingDashboard

    dashboard = TrainingDashboard()
    qtbot.addWidget(dashboard)
    asked = []
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName",
                        lambda parent, title, suggested, *a, **k: (asked.append(suggested), "")[1:] + ("",))
    dashboard._ask_export_png()
    dashboard._ask_export_csv()
    assert [Path(p).name for p in asked] == ["plot.png", "metrics.csv"]
    assert all(Path(p).is_absolute() for p in asked)


def test_standard_shortcuts_and_menu_roles(make_window):
    window = make_window()
    assert window.act_quit.shortcuts() and window.act_save_as.shortcuts()  # Windows has no standard binding
    assert window.act_save_as.shortcut() != window.act_save.shortcut()
    for action, key, fallback in [(window.act_quit, QKeySequence.StandardKey.Quit, "Ctrl+Q"),
                                  (window.act_save_as, QKeySequence.StandardKey.SaveAs, "Ctrl+Shift+S")]:
        platform_keys = QKeySequence.keyBindings(key)  # the platform's own where it has one
        assert action.shortcuts() == (platform_keys or [QKeySequence(fallback)])
    assert window.act_quit.menuRole() == QAction.MenuRole.QuitRole
    assert window.act_about.menuRole() == QAction.MenuRole.AboutRole


def test_context_menu_hints_use_the_platform_notation(make_window):
    window = make_window(iris_mlp())
    node = next(iter(window.project.graph.nodes))
    window.canvas.select_node(node)
    scene_pos = window.canvas.canvas_scene.nodes[node].sceneBoundingRect().center()
    texts = [a.text() for a in window.canvas.context_menu_at(scene_pos).actions()]
    copy = QKeySequence(QKeySequence.StandardKey.Copy).toString(QKeySequence.SequenceFormat.NativeText)
    assert f"Copy\t{copy}" in texts
    if sys.platform == "darwin":
        assert not any("Ctrl+" in t for t in texts)


def test_recent_files_round_trip_through_native_settings():
    """The registry on Windows, a plist on macOS, an INI file on Linux: one entry comes back as a list."""
    settings = QSettings("NetworkDesignerTests", f"native-{uuid.uuid4().hex[:8]}")
    assert settings.format() == QSettings.Format.NativeFormat
    try:
        recent = files.RecentFiles(settings)
        recent.add(__file__)
        settings.sync()
        again = files.RecentFiles(QSettings(settings.organizationName(), settings.applicationName()))
        assert again.paths() == [str(Path(__file__).resolve())]
        recent.add(str(Path(__file__).parent / "conftest.py"))
        settings.sync()
        again = files.RecentFiles(QSettings(settings.organizationName(), settings.applicationName()))
        assert again.paths() == [str(Path(__file__).parent.resolve() / "conftest.py"), str(Path(__file__).resolve())]
    finally:
        settings.clear()
        settings.sync()
        if Path(settings.fileName()).is_file():
            Path(settings.fileName()).unlink()
