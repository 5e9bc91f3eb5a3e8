"""Importing a big CSV in the window: a percentage while it is read, and Cancel (a real click) leaving the data
shown and the project exactly as they were."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QFileDialog

from designer.data import chunked
from designer.ui.data_panel import TableLoader
from designer.ui.import_dialog import ImportDialog
from designer.ui.start_page import iris_mlp
from tests.ui.gestures import click
from tests.ui.test_first_hour import menu_action


@pytest.fixture
def big_csv(tmp_path, monkeypatch):
    """60,000 rows in chunks of 1,000 (about 1 MB: the parser's 256 kB blocks give several percentages)."""
    monkeypatch.setattr(chunked, "CHUNK_CELLS", 1)
    rows = "".join(f"{i % 97 / 7:.4f},{i % 13},{'ab'[i % 2]}\n" for i in range(60_000))
    path = tmp_path / "big.csv"
    path.write_text("x,z,cls\n" + rows, encoding="utf-8")
    monkeypatch.setattr(ImportDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    return path


@pytest.fixture
def held_reader(monkeypatch):
    """The reader thread stops after each percentage it reports until the test lets it go on, so the click
    lands while the file is being read, whatever the machine's speed."""
    gate = threading.Event()
    reading = TableLoader._reading

    def held(self, fraction):
        reading(self, fraction)
        gate.wait(20)

    monkeypatch.setattr(TableLoader, "_reading", held)
    yield gate
    gate.set()


def open_data_view(qtbot, window):
    bar = window.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert window.tabs.currentWidget() is window.data_panel
    panel = window.data_panel
    qtbot.waitUntil(lambda: panel.df is not None and not panel.loading.isVisible(), timeout=10_000)
    return panel


def wait_idle(qtbot, panel):
    qtbot.waitUntil(lambda: not panel._loaders and not panel.loading.isVisible(), timeout=20_000)


def test_cancel_click_keeps_the_previous_data_and_project(make_window, qtbot, big_csv, held_reader):
    window = make_window(iris_mlp())
    panel = open_data_view(qtbot, window)
    before_df, before_data = panel.df, dict(window.project.data)
    assert not window.isWindowModified()
    click(panel.import_button)
    qtbot.waitUntil(lambda: panel.progress.maximum() == 100 and "big.csv" in panel.progress.text(),
                    timeout=10_000)  # a percentage, not only a busy bar
    assert panel.loading.cancel_button.isVisible()
    assert window.project.data == before_data  # not yet the project's source while it is read
    QTest.mouseClick(panel.loading.cancel_button, Qt.MouseButton.LeftButton)
    held_reader.set()
    wait_idle(qtbot, panel)
    assert panel.df is before_df and panel.config() == before_data
    assert window.project.data == before_data and not window.isWindowModified()
    assert panel.source_combo.currentText() != "CSV: big.csv"
    assert "Import cancelled" in panel.status_label.text()
    assert panel.balance.counts.sum() == 150  # the iris views are still the ones shown


def test_import_shows_percentages_then_becomes_the_source(make_window, qtbot, big_csv, monkeypatch):
    window = make_window(iris_mlp())
    panel = open_data_view(qtbot, window)
    seen = []
    panel.progress.valueChanged.connect(seen.append)
    click(panel.import_button)
    qtbot.waitUntil(lambda: panel.df is not None and len(panel.df) == 60_000 and not panel.loading.isVisible(),
                    timeout=30_000)
    assert window.project.data["source"]["path"].endswith("big.csv") and window.isWindowModified()
    assert len(set(seen)) >= 3 and max(seen) == 100 and seen == sorted(seen)
    menu_action(window, "Edit", "Undo").trigger()  # the import is one undoable step
    qtbot.waitUntil(lambda: panel.df is not None and len(panel.df) == 150 and not panel.loading.isVisible(),
                    timeout=10_000)


def test_cancel_is_offered_only_while_importing(make_window, qtbot):
    window = make_window(iris_mlp())
    panel = open_data_view(qtbot, window)
    panel.set_config({"source": {"kind": "builtin", "name": "wine"}, "target": "cultivar"}, None)
    assert panel.loading.isVisible() and not panel.loading.cancel_button.isVisible()
    wait_idle(qtbot, panel)
