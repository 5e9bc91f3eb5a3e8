"""The first hour's remaining defects (issue 12), each driven through the real widgets as a person would."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from tests.ui.canvas_helpers import vp
from tests.ui.gestures import click
from tests.ui.test_properties import setup as properties_setup


def _click_node(view, node_id: str) -> None:
    item = view.canvas_scene.nodes[node_id]
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     vp(view, item.sceneBoundingRect().center()))


def _type(widget, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    QTest.keyClicks(widget, text)
    QTest.keyClick(widget, Qt.Key.Key_Return)


# ---------------------------------------------------------------- a typed number outside the range is refused
def test_negative_units_are_refused_at_the_field_and_nothing_changes(qtbot):
    view, panel, a, b = properties_setup(qtbot)
    _click_node(view, b)
    assert panel.node_id == b
    units = panel.editors["units"].widget
    steps = view.undo_stack.count()
    _type(units, "-5")
    assert view.graph.nodes[b].params.get("units", 16) == 16  # not 5, not -5
    assert units.value() == 16 and units.text() == "16"
    assert view.undo_stack.count() == steps
    assert panel.error.isVisible()
    assert "units must be at least 1" in panel.error_text and "-5" in panel.error_text
    # a valid value afterwards is applied and clears the message
    _type(units, "8")
    assert view.graph.nodes[b].params["units"] == 8
    assert not panel.error.isVisible()


def test_too_large_units_are_refused_not_cut(qtbot):
    view, panel, a, b = properties_setup(qtbot)
    _click_node(view, b)
    units = panel.editors["units"].widget
    _type(units, "100000")
    assert view.graph.nodes[b].params.get("units", 16) == 16
    assert "units must be at most 65536" in panel.error_text


# ---------------------------------------------------------------- Stop: the message counts epochs as the counter does
TIMEOUT = 30_000


def test_stop_message_names_the_epoch_the_dashboard_shows(make_window, qtbot):
    from tests.ui.conftest import spiral_project

    window = make_window(spiral_project(epochs=200_000))
    panel = window.training_panel
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=TIMEOUT):
        click(panel.train_btn)
    qtbot.waitUntil(lambda: len(window.dashboard.current.epochs) >= 3, timeout=TIMEOUT)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT) as blocker:
        click(panel.stop_btn)
    outcome = blocker.args[0]
    done = len(outcome.result.history)  # complete epochs, as the curves and "epoch N / M" count them
    assert outcome.message.startswith(f"stopped by the user after epoch {done}")
    assert f"in epoch {done + 1}" not in outcome.message
    qtbot.waitUntil(lambda: window.lbl_epoch.text() == f"epoch {done} / 200000", timeout=TIMEOUT)
    window.dashboard.flush()
    assert f"epoch {done} ·" in window.dashboard.status.full_text()


# ---------------------------------------------------------------- a refused start gives its run number back
def test_a_failed_start_does_not_use_up_a_run_number(make_window, qtbot, monkeypatch):
    from designer.ui import project_actions
    from tests.ui.conftest import spiral_project

    monkeypatch.setattr(project_actions, "show_error", lambda *a: None)
    project = spiral_project(epochs=1)
    out = [n for n in project.graph.nodes.values() if n.params.get("activation") == "softmax"][0]
    out.params["units"] = 5  # the spiral has 2 classes: refused when the run prepares
    window = make_window(project)
    with qtbot.waitSignal(window.runner.failed, timeout=TIMEOUT):
        window.act_train.trigger()
    assert window.dashboard.runs_list.count() == 0 and window.dashboard.runs == {}
    out.params["units"] = 2
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        window.act_train.trigger()
    rows = [window.dashboard.runs_list.item(r).text() for r in range(window.dashboard.runs_list.count())]
    assert rows == ["run 1 · from scratch"]
    assert list(window.dashboard.metrics._curves) == ["run 1 · from scratch"]


# ---------------------------------------------------------------- Save As starts in a sensible folder
def _save_dialog_folder(window, qtbot, action) -> str:
    from PySide6.QtWidgets import QApplication, QFileDialog

    seen: list[str] = []

    def poll(tries: int = 200) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog) and dialog.isVisible():
            seen.append(dialog.directory().absolutePath())
            dialog.reject()
            return
        if tries:
            QTimer.singleShot(20, lambda: poll(tries - 1))

    QTimer.singleShot(0, poll)
    action.trigger()
    assert seen, "no save dialog appeared"
    return seen[0]


def test_save_as_starts_beside_the_data_then_where_saved_last(make_window, qtbot, tmp_path, monkeypatch):
    from designer.ui import project_actions
    from designer.ui.main_window import new_project

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    csv = data_dir / "points.csv"
    csv.write_text("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n", encoding="utf-8")
    project = new_project()
    project.data = {"source": {"kind": "csv", "path": str(csv)}, "target": "label"}
    window = make_window(project)
    assert _save_dialog_folder(window, qtbot, window.act_save_as) == str(data_dir)

    # saved somewhere else: a new project without data starts there next time
    elsewhere = tmp_path / "projects"
    elsewhere.mkdir()
    monkeypatch.setattr(project_actions, "ask_save_path", lambda parent, suggested: str(elsewhere / "p.nnproj"))
    window.act_save_as.trigger()
    monkeypatch.undo()
    window.act_new.trigger()
    assert _save_dialog_folder(window, qtbot, window.act_save_as) == str(elsewhere)


def test_negative_epochs_are_refused_in_the_training_panel(make_window, qtbot):
    from tests.ui.conftest import spiral_project

    window = make_window(spiral_project(epochs=7))
    epochs = window.training_panel.epochs
    _type(epochs, "-3")
    assert window.project.training["epochs"] == 7 and epochs.value() == 7
    assert "epochs must be at least 1" in window.statusBar().currentMessage()
    assert epochs.error and "-3" in epochs.error


# ---------------------------------------------------------------- the speed control
def test_speed_control_slows_a_run_down_and_back_up_while_it_runs(make_window, qtbot):
    from tests.ui.conftest import spiral_project

    window = make_window(spiral_project(epochs=200_000))  # 200 rows, 10 batches of 20 per epoch
    panel = window.training_panel
    assert panel.speed_label.text() == "Speed: full speed"
    panel.speed.setFocus()
    QTest.keyClick(panel.speed, Qt.Key.Key_Home)  # the slowest: one batch a second
    assert panel.speed_label.text() == "Speed: at most 1 batch/s"
    batches = []
    window.runner.batch_ended.connect(batches.append)
    started = time.monotonic()
    click(panel.train_btn)
    qtbot.waitUntil(lambda: window.runner.state == "running", timeout=TIMEOUT)
    qtbot.wait(1500)
    # At one batch a second, at most one batch per whole second since Train, plus the first (a busy machine can
    # make the wait overrun, so the bound uses the time that really passed); ten batches make an epoch.
    allowed = int(time.monotonic() - started) + 1
    assert allowed < 10, "the machine stalled too long for this check to mean anything"
    assert window.dashboard.current is None or window.dashboard.current.epochs == []
    assert all(b.batch <= allowed for b in batches)
    QTest.keyClick(panel.speed, Qt.Key.Key_End)  # back to full speed, live
    assert panel.speed_label.text() == "Speed: full speed"
    qtbot.waitUntil(lambda: window.dashboard.current is not None and len(window.dashboard.current.epochs) >= 3,
                    timeout=TIMEOUT)
    QTest.keyClick(panel.speed, Qt.Key.Key_Home)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):  # Stop is not held up by the slow speed
        click(panel.stop_btn)


# ---------------------------------------------------------------- legends, swatches and curve colours
def _toggle_run(runs_list, row: int) -> None:
    """Click a run's row, then Space: the check box toggles as it does for a keyboard user."""
    rect = runs_list.visualItemRect(runs_list.item(row))
    QTest.mouseClick(runs_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.keyClick(runs_list.viewport(), Qt.Key.Key_Space)


def _swatch(runs_list, row: int):
    from PySide6.QtGui import QColor

    image = runs_list.item(row).icon().pixmap(12, 12).toImage()
    return QColor(image.pixel(6, 6)).name()


def test_legend_lists_only_shown_runs_beside_the_data_in_the_swatch_colours(make_window, qtbot):
    from tests.ui.conftest import spiral_project

    window = make_window(spiral_project(epochs=3))
    for _ in range(2):
        with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
            click(window.training_panel.train_btn)
    board = window.dashboard
    runs = board.runs_list
    assert runs.count() == 2 and runs.checked_runs() == {"run 2 · from scratch"}
    _toggle_run(runs, 0)  # tick run 1 as well
    board.flush()
    assert board.metrics.legend_entries() == ["run 1", "run 2", "training", "validation"]
    # every curve of a run is drawn in its swatch's colour: training, validation, accuracy, learning rate
    for row, run_id in enumerate(["run 1 · from scratch", "run 2 · from scratch"]):
        curves = board.metrics.curves_for(run_id)
        colours = {c.opts["pen"].color().name() for c in (curves.train, curves.val, curves.metric_train,
                                                            curves.metric_val, curves.lr)}
        assert colours == {_swatch(runs, row)}
    assert _swatch(runs, 0) != _swatch(runs, 1)
    # the legend sits beside the data, not over it
    item = board.metrics.loss_plot.getPlotItem()
    legend_rect = item.legend.sceneBoundingRect()
    assert legend_rect.width() > 0 and legend_rect.left() >= item.getViewBox().sceneBoundingRect().right() - 1
    # unticking run 1 takes it out of the legend (no hidden-curve icon, in the window or an exported PNG)
    _toggle_run(runs, 0)
    board.flush()
    assert board.metrics.legend_entries() == ["run 2", "training", "validation"]
    assert not board.metrics.curves_for("run 1 · from scratch").train.isVisible()
    # a click on a legend sample does not hide a curve behind the runs list's back
    sample = item.legend.items[0][0]
    view = board.metrics.loss_plot
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.mapFromScene(sample.sceneBoundingRect().center()))
    assert board.metrics.curves_for("run 2 · from scratch").train.isVisible()


def test_boundary_legend_is_beside_the_map(qtbot):
    import numpy as np

    from designer.ui.plots.boundary_plot import BoundaryPlot

    plot = BoundaryPlot()
    qtbot.addWidget(plot)
    plot.resize(500, 350)
    plot.show()
    plot.configure("classification", 3, ["setosa", "versicolor", "virginica"])
    xs = ys = np.linspace(-1, 1, 10)
    plot.set_boundary(xs, ys, np.zeros((10, 10)))
    qtbot.wait(50)
    item = plot.plot.getPlotItem()
    assert [label.text for _s, label in item.legend.items] == ["setosa", "versicolor", "virginica"]
    assert item.legend.sceneBoundingRect().left() >= item.getViewBox().sceneBoundingRect().right() - 1


# ---------------------------------------------------------------- decision boundary for more than two features
def test_boundary_for_four_features_is_a_labelled_slice_whose_features_can_be_changed(make_window, qtbot):
    import numpy as np

    from designer.ui.start_page import iris_mlp
    from tests.ui.gestures import choose

    project = iris_mlp()
    project.training["epochs"] = 200_000
    window = make_window(project)
    board = window.dashboard
    click(window.training_panel.train_btn)
    board.tabs.setCurrentIndex(3)  # Decision boundary
    qtbot.waitUntil(lambda: board.boundary.has_data() and board.boundary.slice_row.isVisible(), timeout=TIMEOUT)
    plot = board.boundary
    names = [plot.x_combo.itemText(k) for k in range(plot.x_combo.count())]
    assert len(names) == 4 and all(n.startswith(("sepal", "petal")) for n in names)
    first_x = plot.x_combo.currentText()
    assert plot.plot.getPlotItem().getAxis("bottom").labelText == first_x
    assert "other 2 inputs at their median" in plot.slice_note.text() and first_x in plot.slice_note.toolTip()
    # pick another feature for x while the run goes: the points and the axis follow
    other = next(n for n in names if n not in (first_x, plot.y_combo.currentText()))
    choose(plot.x_combo, other)
    qtbot.waitUntil(lambda: plot.plot.getPlotItem().getAxis("bottom").labelText == other, timeout=TIMEOUT)
    column = names.index(other)
    from designer.training.run import build_and_prepare

    x_train = build_and_prepare(window.project, window.base_dir)[1].x_train  # what the training process shows
    qtbot.waitUntil(lambda: np.allclose(plot.scatter.data["x"], x_train[:, column]), timeout=TIMEOUT)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        click(window.training_panel.stop_btn)


# ---------------------------------------------------------------- nothing stale after switching data
def test_switching_data_clears_every_result_of_the_old_data(make_window, qtbot):
    from tests.ui.conftest import spiral_project
    from tests.ui.gestures import choose

    window = make_window(spiral_project(epochs=3))
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        click(window.training_panel.train_btn)
    board = window.dashboard
    qtbot.waitUntil(lambda: bool(board.confusion.cell_texts()), timeout=TIMEOUT)
    board.flush()
    assert board.boundary.has_data() and len(board.boundary.scatter.data) > 0
    window.statusBar().showMessage("Cannot train yet: something about the old data", 60000)
    # the Data tab, then another data set picked with the keyboard
    bar = window.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    combo = window.data_panel.source_combo
    other = next(combo.itemText(k) for k in range(combo.count()) if combo.itemText(k).startswith("Iris"))
    choose(combo, other)
    QTest.keyClick(combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.project.data.get("source", {}).get("name") == "iris", timeout=TIMEOUT)
    assert board.confusion.cell_texts() == [] and board.confusion.table.rowCount() == 0
    assert not board.worst_panel.isVisibleTo(board)
    assert not board.boundary.has_data() and len(board.boundary.scatter.data) == 0
    assert board.neuron_maps.layer_ids() == []
    assert "Data changed" in board.status.full_text()
    assert "old data" not in window.statusBar().currentMessage()
    assert window.training_panel.progress.value() == 0 and window.lbl_epoch.text() == "epoch –"


# ---------------------------------------------------------------- worst rows in the data's own values
def test_worst_rows_show_the_values_as_read_with_their_data_row(make_window, qtbot, tmp_path):
    import pandas as pd

    from designer.ui.main_window import new_project
    from tests.ui.test_import_data import penguins_csv

    csv = penguins_csv(tmp_path / "penguins.csv", n=150)
    project = new_project()
    project.graph.add_node("Dense", {"units": 8, "activation": "relu"}, (200.0, 0.0))
    project.graph.add_node("Dense", {"units": 3, "activation": "softmax"}, (400.0, 0.0))
    ids = list(project.graph.nodes)
    project.graph.connect(ids[0], ids[1])
    project.graph.connect(ids[1], ids[2])
    project.data = {"source": {"kind": "csv", "path": str(csv)}, "target": "species", "task": "classification",
                    "features": ["island", "bill_length_mm", "body_mass_g", "sex"], "missing": "mean"}
    project.training.update(epochs=2, batch_size=16)
    window = make_window(project)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        click(window.training_panel.train_btn)
    board = window.dashboard
    qtbot.waitUntil(lambda: board.worst_table.rowCount() > 0, timeout=TIMEOUT)
    table = board.worst_table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[:5] == ["row", "island", "bill_length_mm", "body_mass_g", "sex"]
    original = pd.read_csv(csv, keep_default_na=False)
    for r in range(table.rowCount()):
        cells = {h: table.item(r, c).text() for c, h in enumerate(headers)}
        source = original.iloc[int(cells["row"]) - 1]  # the data row, 1 = the first after the header
        assert cells["island"] == source["island"]  # text, not a one-hot code
        assert cells["true"] == source["species"]
        assert float(cells["body_mass_g"]) == float(source["body_mass_g"])  # grams, not a z-score
        bill = source["bill_length_mm"]
        assert cells["bill_length_mm"] == ("missing" if bill == "" else f"{float(bill):.4g}")


# ---------------------------------------------------------------- small plots at 1280×720
def _tick_label_rects(axis):
    from PySide6.QtGui import QImage, QPainter

    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [rect for rect, _flags, _text in (specs[2] if specs else [])]


def _assert_readable_y_labels(item):
    rects = _tick_label_rects(item.getAxis("left"))
    assert len(rects) >= 2
    for a, b in zip(rects, rects[1:]):
        assert not a.intersects(b), f"{item.getAxis('left').labelText}: y labels overlap"


def test_small_plots_keep_readable_y_labels_at_1280x720(make_window, qtbot):
    from designer.ui.plots.dashboard import TAB_EVALUATION, TAB_TRAINING
    from tests.ui.conftest import spiral_project

    window = make_window(spiral_project(epochs=5))
    window.resize(1280, 720)
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        click(window.training_panel.train_btn)
    board = window.dashboard
    # The evaluation arrives after the run and brings its own tab forward: only then go back to the curves,
    # as a person would, and let them be drawn (an axis widens for its labels after its first paint).
    qtbot.waitUntil(lambda: board.tabs.currentIndex() == TAB_EVALUATION, timeout=TIMEOUT)
    bar = board.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(TAB_TRAINING).center())
    metrics = board.metrics
    qtbot.waitUntil(lambda: metrics.metric_plot.isVisible() and metrics.lr_plot.isVisible(), timeout=5_000)
    qtbot.wait(100)
    assert metrics.height() < 330  # the dock is short here: the compact layout applies
    for plot in (metrics.metric_plot, metrics.lr_plot):
        item = plot.getPlotItem()
        assert not item.titleLabel.isVisible()  # its name is on its y axis instead
        assert item.getAxis("left").labelText in ("Accuracy", "LR")
        assert item.getViewBox().height() >= 45
        _assert_readable_y_labels(item)


def test_a_short_accuracy_plot_labels_zero_to_one_without_overlap(qtbot):
    """The crowded case itself: accuracy over the whole of 0..1 and a learning rate decaying over two decades,
    in plots 50-70 px high. pyqtgraph alone labels 0, 0.2 … 1.0 there, six labels over each other."""
    from designer.training.events import EpochEnd
    from designer.ui.plots.dashboard import TrainingDashboard

    board = TrainingDashboard()
    qtbot.addWidget(board)
    board.resize(1100, 250)
    board.show()
    qtbot.waitExposed(board)
    board.start_run("r", "classification", ["a", "b"], ["dense_1"])
    epochs = range(1, 201)
    board.on_epochs([EpochEnd(e, {"loss": 1.0 / e, "accuracy": min(1.0, (e - 1) / 150),
                                  "val_accuracy": min(1.0, (e - 1) / 160)}, {}, 0.1 * 0.977 ** e, {})
                     for e in epochs])
    board.flush()
    metrics = board.metrics
    qtbot.waitUntil(lambda: metrics.metric_plot.isVisible(), timeout=5_000)
    qtbot.wait(100)  # an axis widens for its labels after its first paint
    assert metrics.height() < 330
    for plot in (metrics.metric_plot, metrics.lr_plot):
        item = plot.getPlotItem()
        low, high = item.getViewBox().viewRange()[1]
        assert item.getViewBox().height() < 80 and high - low > 0.09  # short, and a wide range to label
        _assert_readable_y_labels(item)


def test_confusion_matrix_column_names_do_not_run_together_in_a_narrow_dock(qtbot):
    from PySide6.QtGui import QFontMetrics

    from designer.ui.plots.confusion import ConfusionView

    view = ConfusionView()
    qtbot.addWidget(view)
    view.resize(420, 220)
    view.show()
    qtbot.waitExposed(view)
    names = ["Adelie penguin", "Chinstrap penguin", "Gentoo penguin"]
    view.show_matrix([[7, 0, 0], [0, 8, 0], [0, 0, 7]], names)
    qtbot.wait(50)
    item = view.plot.getPlotItem()
    cell = item.getViewBox().width() / 3
    bottom = [text for _k, text in item.getAxis("bottom")._tickLevels[0]]
    metrics = QFontMetrics(view.font())
    assert all(metrics.horizontalAdvance(text) < cell for text in bottom), (bottom, cell)
    assert [text for _k, text in item.getAxis("left")._tickLevels[0]] == names  # the full names stay readable
