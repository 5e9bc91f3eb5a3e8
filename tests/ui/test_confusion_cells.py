"""A confusion-matrix cell opens into its rows: clicked with the mouse on the plot, in the window after a run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from designer.project.io import load_project
from tests.image_folders import image_project, make_digit_folder

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def click_cell(qtbot, view, true: int, predicted: int) -> None:
    qtbot.waitUntil(lambda: view.plot.isVisible() and view.plot.width() > 50)
    qtbot.waitUntil(lambda: view.cell_at(view.plot.mapToScene(view.cell_centre(true, predicted)))
                    == (true, predicted))
    QTest.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view.cell_centre(true, predicted))




def _open_evaluation(window, qtbot):
    from designer.ui.plots.dashboard import TAB_EVALUATION

    window.dashboard.tabs.setCurrentIndex(TAB_EVALUATION)
    qtbot.waitUntil(lambda: window.dashboard.confusion.plot.isVisible())


def test_a_table_cell_lists_its_rows_as_read(make_window, qtbot, tmp_path):
    project = load_project(EXAMPLES / "iris_mlp.nnproj")
    project.training["epochs"] = 20
    path = tmp_path / "iris.nnproj"
    from designer.project.io import save_project

    save_project(project, path)
    window = make_window(load_project(path), str(path))
    window.data_panel.wait_for_load()
    with qtbot.waitSignal(window.runner.finished, timeout=120_000):
        window.training_panel.train_btn.click()
    view = window.dashboard.confusion
    qtbot.waitUntil(lambda: view.cells is not None and view.matrix.size > 0, timeout=30_000)
    _open_evaluation(window, qtbot)
    assert not view.cell_rows.isVisible()
    true, predicted = np.unravel_index(int(np.argmax(view.matrix)), view.matrix.shape)
    click_cell(qtbot, view, int(true), int(predicted))
    panel = view.cell_rows
    qtbot.waitUntil(panel.isVisible)
    assert panel.cell == (true, predicted) and view.marker.isVisible()
    assert panel.table.rowCount() == int(view.matrix[true, predicted]) > 0
    header = [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    assert header[:2] == ["row", "confidence"] and "sepal_length_cm" in header
    raw = view.cells.raw
    first_row = int(panel.table.item(0, 0).text())
    col = header.index("sepal_length_cm")
    assert float(panel.table.item(0, col).text()) == raw.loc[first_row - 1, "sepal_length_cm"]  # as read, unscaled
    assert panel.caption.text().startswith(f"{int(view.matrix[true, predicted])} correct row")
    QTest.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.isVisible())
    assert not view.marker.isVisible()


def test_an_image_cell_shows_its_images(make_window, qtbot, tmp_path):
    folder = make_digit_folder(tmp_path / "digits", per_class=20, side=8)
    path = image_project(folder, tmp_path / "digits.nnproj", side=8, epochs=3)
    window = make_window(load_project(path), str(path))
    window.data_panel.wait_for_load()
    with qtbot.waitSignal(window.runner.finished, timeout=120_000):
        window.training_panel.train_btn.click()
    view = window.dashboard.confusion
    qtbot.waitUntil(lambda: view.cells is not None and view.matrix.size > 0, timeout=30_000)
    _open_evaluation(window, qtbot)
    click_cell(qtbot, view, 1, 1)
    panel = view.cell_rows
    qtbot.waitUntil(panel.isVisible)
    n = int(view.matrix[1, 1])
    assert panel.stack.currentIndex() == 1 and panel.grid.shown == n > 0
    files = panel.files.text().split(", ")
    assert len(files) == n and all(f.startswith("1/") for f in files)  # true class 1: its folder's files
    pixels, _ = view.cells.images(1, 1)
    expected = np.asarray(__import__("PIL.Image", fromlist=["Image"]).open(folder / files[0]), np.float32) / 255
    np.testing.assert_allclose(pixels[0, ..., 0], expected, atol=1e-6)  # the image itself, not a scaled copy
