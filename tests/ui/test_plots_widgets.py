"""Dashboard pieces on their own: export buttons, multi-class boundary colours, palette changes."""

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from designer.training.events import EpochEnd
from designer.ui.plots.boundary_plot import BoundaryPlot, class_colour
from designer.ui.plots.dashboard import TrainingDashboard
from designer.ui.plots.screenshots import dark_palette


@pytest.fixture
def board(qtbot):
    widget = TrainingDashboard()
    qtbot.addWidget(widget)
    widget.start_run("r", "classification", ["a", "b"], [])
    for epoch, loss in enumerate([0.9, 0.5, 0.3], start=1):
        widget.on_epoch(EpochEnd(epoch, {"loss": loss, "val_loss": loss + 0.05}, {}, 0.01))
    return widget


def test_export_csv_button_writes_the_chosen_file(board, tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV (*.csv)"))
    board.export_csv_button.click()
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("run,epoch,loss,val_loss") and lines[3].startswith("r,3,0.3,")
    assert str(target) in board.status.text()


def test_export_png_button_writes_an_image(board, tmp_path, monkeypatch):
    target = tmp_path / "plot.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PNG image (*.png)"))
    board.show()
    board.export_png_button.click()
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_export_to_an_unwritable_place_says_so_without_raising(board, tmp_path, monkeypatch):
    target = tmp_path / "missing-folder" / "out.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text: shown.append((title, text)))
    board.export_csv_button.click()
    assert shown and shown[0][0] == "Export failed" and "missing-folder" in shown[0][1]


def test_cancelled_export_dialog_writes_nothing(board, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    before = board.status.text()
    board.export_csv_button.click()
    assert board.status.text() == before


def test_multiclass_boundary_paints_each_class_in_its_own_colour(qtbot):
    view = BoundaryPlot()
    qtbot.addWidget(view)
    view.configure("classification", 4, ["w", "x", "y", "z"])
    xs, ys = np.linspace(0, 3, 4), np.linspace(0, 1, 2)
    values = np.tile(np.arange(4.0), (2, 1))  # class = column
    view.set_boundary(xs, ys, values)
    cmap = view.image._colorMap
    picked = cmap.mapToQColor(np.arange(4) / 3.0)
    hues = [c.hue() for c in picked]
    expected = [view._soft_colours(4)[k].hue() for k in range(4)]
    assert hues == expected
    assert len({c.name() for c in picked}) == 4
    view.set_points(np.array([[0.0, 0.0], [3.0, 1.0]]), np.array([0, 3]))
    brushes = [b.color().name() for b in view.scatter.data["brush"]]
    assert brushes == [class_colour(0).lower(), class_colour(3).lower()]


def test_every_panel_follows_a_palette_change(board, qtbot):
    from PySide6.QtGui import QPalette

    board.show_evaluation({"confusion_matrix": [[2, 1], [0, 3]], "classes": ["a", "b"]})
    board.flush()
    dark_base = dark_palette().color(QPalette.ColorRole.Base)
    board.setPalette(dark_palette())
    plots = board._all_plots()
    qtbot.waitUntil(lambda: all(p.backgroundBrush().color() == dark_base for p in plots), timeout=3000)
    curves = board.metrics.curves_for("r")
    assert curves.train.opts["pen"].color().name() == "#56b4e9"  # the dark theme's first series colour
    assert board.confusion.cell_texts() == ["2", "1", "0", "3"]  # redrawn, counts kept


def test_legend_labels_take_the_new_palettes_text_colour(board, qtbot):
    from designer.ui.plots import theme

    board.overfitting.update_losses([1, 2, 3], [0.9, 0.5, 0.3], [1.0, 0.7, 0.6])
    board.setPalette(dark_palette())  # View ▸ Theme ▸ Dark while the dashboard is open
    light_text = theme.foreground(dark_palette()).name()
    labels = [label for _sample, label in board.overfitting.plot.getPlotItem().legend.items]
    assert [label.text for label in labels] == ["training loss", "validation loss"]
    # the drawn text, not only the stored option: it stayed dark on the dark background before
    qtbot.waitUntil(lambda: all(light_text in label.item.toHtml() for label in labels), timeout=3000)


def test_many_qt_calls_do_not_use_up_none(qtbot):
    """PySide6 6.12 on Python 3.11 drops a reference to None per void call; designer.ui's guard keeps
    Python alive (importing designer.ui applies it before any Qt call)."""
    import sys

    from PySide6.QtWidgets import QLabel

    import designer.ui  # noqa: F401
    label = QLabel()
    qtbot.addWidget(label)
    for _ in range(50_000):  # more than None's natural reference count (~16k at start)
        label.setText("a")
    assert sys.getrefcount(None) > 1_000_000
