"""Bringing one's own data in, every way a person expects: the Data view's button, File ▸ Import data… (Ctrl+I),
dropping a CSV/TSV/NPZ on the window — and then changing column roles on the Data view. Real clicks and keys."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from designer.ui.start_page import iris_mlp
from tests.ui.gestures import choose, click, drop_files, on_next_dialog


def penguins_csv(path, n: int = 90):
    """Text categories, missing values, a row-number column and a numeric `year` at the end (the old default)."""
    rng = np.random.default_rng(0)
    lines = ["rownames,species,island,bill_length_mm,body_mass_g,sex,year"]
    for i in range(n):
        species = ["Adelie", "Gentoo", "Chinstrap"][i % 3]
        bill = "" if i % 17 == 5 else f"{38 + 5 * (i % 3) + rng.normal():.1f}"
        sex = "NA" if i % 23 == 7 else ["male", "female"][i % 2]
        lines.append(f"{i + 1},{species},{['Biscoe', 'Dream', 'Torgersen'][i % 3]},{bill},"
                     f"{3500 + 400 * (i % 3) + int(rng.integers(0, 300))},{sex},{2007 + i % 3}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def picker(monkeypatch):
    """The file picker answers with the path the test sets (the real dialog is not drivable offscreen)."""
    answer = {"path": ""}
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (answer["path"], ""))
    return answer


def wait_loaded(qtbot, window):
    panel = window.data_panel
    qtbot.waitUntil(lambda: panel.df is not None and not panel.progress.isVisibleTo(panel),
                    timeout=10_000)


def check_penguin_defaults(dialog):
    assert dialog.target_combo.currentText() == "species"
    assert dialog.task_combo.currentText() == "classification"
    assert "rownames" not in dialog.selected_features()
    assert dialog.selected_features() == ["island", "bill_length_mm", "body_mass_g", "sex", "year"]


def test_the_data_views_button_imports_a_csv(make_window, qtbot, tmp_path, picker):
    window = make_window(iris_mlp())
    picker["path"] = str(penguins_csv(tmp_path / "penguins.csv"))
    bar = window.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert window.tabs.currentWidget() is window.data_panel
    seen = on_next_dialog(check_penguin_defaults)
    click(window.data_panel.import_button)
    assert seen, "no import dialog appeared"
    wait_loaded(qtbot, window)
    data = window.project.data
    assert data["source"]["kind"] == "csv" and data["source"]["path"].endswith("penguins.csv")
    assert data["target"] == "species" and "rownames" not in data["features"]
    assert window.isWindowModified()
    assert window.data_panel.source_combo.currentText() == "CSV: penguins.csv"
    assert window.data_panel.role_combo("rownames").currentText() == "ignore"
    assert "looks like an ID" in window.data_panel.roles_table.roles_model.index(0, 2).data()


def test_file_menu_import_data_and_ctrl_i(make_window, qtbot, tmp_path, picker):
    window = make_window(iris_mlp())
    file_menu = window.menuBar().actions()[0].menu()
    assert "Import data…" in [a.text().replace("&", "") for a in file_menu.actions()]
    assert window.act_import.shortcut().toString() == "Ctrl+I"
    picker["path"] = str(penguins_csv(tmp_path / "p.csv"))
    seen = on_next_dialog()
    window.activateWindow()
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    if not seen:  # some platforms deliver window shortcuts only to an active window: use the menu entry
        window.act_import.trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert window.tabs.currentWidget() is window.data_panel
    wait_loaded(qtbot, window)
    assert window.project.data["target"] == "species"


def test_cancelling_the_picker_changes_nothing(make_window, picker):
    window = make_window(iris_mlp())
    before = dict(window.project.data)
    click(window.data_panel.import_button)
    assert window.project.data == before and not window.isWindowModified()


def test_dropping_a_csv_on_the_start_page_starts_a_project_with_it(make_window, qtbot, tmp_path):
    path = penguins_csv(tmp_path / "dropped.tsv")
    path.write_text(path.read_text(encoding="utf-8").replace(",", "\t"), encoding="utf-8")
    window = make_window()
    assert window.centre.currentWidget() is window.start_page
    seen = on_next_dialog(check_penguin_defaults)
    assert drop_files(window, [path]).isAccepted()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    wait_loaded(qtbot, window)
    assert window.centre.currentWidget() is window.tabs and window.tabs.currentWidget() is window.data_panel
    assert window.project.data["source"]["path"].endswith("dropped.tsv")
    assert list(window.project.graph.nodes)  # the new project has its Input layer


def test_dropping_an_npz_uses_its_arrays(make_window, qtbot, tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "arrays.npz", x=rng.normal(size=(40, 3)).astype(np.float32), y=rng.integers(0, 2, 40))
    window = make_window(iris_mlp())
    assert drop_files(window, [tmp_path / "arrays.npz"]).isAccepted()
    qtbot.waitUntil(lambda: window.project.data["source"]["kind"] == "npz", timeout=5000)
    wait_loaded(qtbot, window)
    assert window.project.data["target"] == "y"
    assert window.data_panel.origin["prepared"]["features"] == 3


def test_enter_in_the_path_field_does_not_accept_the_dialog_unseen(qtbot, tmp_path):
    from designer.ui.import_dialog import ImportDialog

    dialog = ImportDialog(None, str(penguins_csv(tmp_path / "p.csv")))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.path_edit.setFocus()
    QTest.keyClick(dialog.path_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.result() == 0


def test_roles_change_on_the_data_view_at_any_time(make_window, qtbot, tmp_path, picker):
    window = make_window(iris_mlp())
    picker["path"] = str(penguins_csv(tmp_path / "penguins.csv"))
    on_next_dialog()
    click(window.data_panel.import_button)
    wait_loaded(qtbot, window)
    panel = window.data_panel
    choose(panel.role_combo("year"), "ignore")
    wait_loaded(qtbot, window)
    assert "year" not in window.project.data["features"]
    assert panel.role_combo("year").currentText() == "ignore"
    # a numeric target with many values: the task follows to regression, the old target becomes a feature
    choose(panel.role_combo("body_mass_g"), "target")
    wait_loaded(qtbot, window)
    data = window.project.data
    assert data["target"] == "body_mass_g" and data["task"] == "regression"
    assert "species" in data["features"] and panel.task_combo.currentText() == "regression"
    assert panel.role_combo("species").currentText() == "feature"
