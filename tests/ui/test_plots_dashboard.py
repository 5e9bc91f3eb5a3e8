"""The training dashboard fed with real events from tiny training runs (pytest-qt, offscreen)."""

import csv

import numpy as np
import pytest

from designer.training.events import BatchEnd, EpochEnd, TrainingFinished
from designer.ui.plots.dashboard import TAB_ACTIVATIONS, TAB_EVALUATION, TrainingDashboard
from designer.ui.plots.screenshots import dark_palette, feed, train_events


@pytest.fixture(scope="module")
def spiral_run():
    """8 real epochs of a 2-16-16-2 ReLU network on the spiral, with decision-boundary grids."""
    return train_events("spiral", [(16, "relu"), (16, "relu")], 8, lr=0.02, boundary=True)


@pytest.fixture
def board(qtbot):
    widget = TrainingDashboard()
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    return widget


def _epoch_events(events):
    return [e for e in events if isinstance(e, EpochEnd)]


def test_real_run_fills_curves_heatmap_norms_and_boundary(board, spiral_run):
    events, network, prepared, layer_ids, kinds = spiral_run
    feed(board, "spiral", "classification", prepared.classes, layer_ids, kinds, events)
    epochs = _epoch_events(events)
    curves = board.metrics.curves_for("spiral")
    x, y = curves.train.getData()
    assert x.tolist() == [e.epoch for e in epochs]
    assert np.allclose(y, [e.metrics["loss"] for e in epochs])
    assert np.allclose(curves.metric_val.getData()[1], [e.metrics["val_accuracy"] for e in epochs])
    bx, by = board.current.batch_curve()
    n_batches = sum(isinstance(e, BatchEnd) for e in events)
    assert len(bx) == n_batches and np.all(np.diff(bx) > 0) and bx[-1] == pytest.approx(len(epochs))
    shown = curves.batch.getData()[0]
    assert len(shown if shown is not None else []) == (n_batches if n_batches >= 2 * len(epochs) else 0)
    assert board.histograms.image_shape() == (len(epochs), 64)  # one column per epoch
    assert board.norms.curve_count() == 2 * len(layer_ids)
    assert board.boundary.has_data()
    assert board.boundary.image.image.shape == (60, 60)
    assert len(board.boundary.scatter.data) == len(prepared.x_train)
    assert "epoch 8" in board.status.text()


def test_heatmap_grows_and_slider_walks_through_epochs(board, spiral_run, qtbot):
    events, network, prepared, layer_ids, kinds = spiral_run
    epochs = _epoch_events(events)
    board.start_run("live", "classification", prepared.classes, layer_ids, layer_kinds=kinds)
    for n, event in enumerate(epochs[:4], start=1):
        board.on_epoch(event)
        board.flush()
        assert board.histograms.image_shape() == (n, 64)
        assert board.histograms.shown_epoch() == event.epoch  # follows the newest epoch
    board.histograms.slider.setValue(1)
    assert board.histograms.shown_epoch() == epochs[1].epoch
    edges, counts = board.histograms.epoch_curve.getData()
    layer = board.histograms.current_layer()
    assert np.allclose(counts, epochs[1].histograms[layer][0])
    assert board.histograms.epoch_line.value() == epochs[1].epoch
    board.histograms.select_layer(layer_ids[1])
    assert board.histograms.current_layer() == layer_ids[1]
    assert np.allclose(board.histograms.epoch_curve.getData()[1], epochs[3].histograms[layer_ids[1]][0])
    board.histograms.slider.setValue(1)
    board.on_epoch(epochs[4])  # the user looks at epoch 2: a new epoch must not yank the slider away
    board.flush()
    assert board.histograms.shown_epoch() == epochs[1].epoch and board.histograms.image_shape() == (5, 64)


def test_redraws_are_throttled_by_the_timer_and_wait_while_hidden(board, qtbot):
    board.start_run("t", "classification", ["a", "b"], [])
    board.on_epoch(EpochEnd(1, {"loss": 1.0, "val_loss": 1.2}, {}, 0.01))
    assert board.metrics.curves_for("t") is None  # nothing drawn synchronously

    def drawn():
        curves = board.metrics.curves_for("t")
        return curves is not None and curves.train.getData()[1] is not None and len(curves.train.getData()[1]) == 1

    qtbot.wait(400)
    assert not drawn()  # hidden (dock closed): no drawing at all
    board.show()
    qtbot.waitUntil(drawn, timeout=3000)  # shown: the redraw timer catches up


def shown_warnings(board) -> list[str]:
    """The warnings the Activations tab lists (its placeholder line when there are none)."""
    texts = [board.warnings_list.item(i).text() for i in range(board.warnings_list.count())]
    return [t for t in texts if t.startswith("⚠")]


def test_dying_relu_warning_appears_for_histogram_at_zero(board):
    rng = np.random.default_rng(0)
    healthy = np.histogram(np.maximum(rng.normal(0, 1, 2000), 0), bins=30)
    dead = np.histogram(np.maximum(rng.normal(-4, 1, 2000), 0), bins=30)
    board.start_run("relu", "classification", ["a", "b"], ["dense_1"], layer_kinds={"dense_1": "relu"})
    board.on_epoch(EpochEnd(1, {"loss": 0.7}, {"dense_1": healthy}, 0.01))
    board.flush()  # the verdicts are brought up to date with the redraw, not per epoch
    assert shown_warnings(board) == []
    assert board.tabs.tabText(TAB_ACTIVATIONS) == "Activations"
    board.on_epoch(EpochEnd(2, {"loss": 0.7}, {"dense_1": dead}, 0.01,
                            {"weight_norms": {"dense_1": 1.0}, "grad_norms": {"dense_1": 1e-9}}))
    assert shown_warnings(board) == []  # not yet: a thousand epochs a second must not each re-judge
    board.flush()
    warnings = shown_warnings(board)
    assert any("dense_1" in w and "dying" in w for w in warnings)
    assert any("vanishing" in w for w in warnings)
    shown = [board.warnings_list.item(i).text() for i in range(board.warnings_list.count())]
    assert any("dying" in t for t in shown)
    assert board.tabs.tabText(TAB_ACTIVATIONS) == "Activations ⚠ 2"


def test_confusion_matrix_shows_given_counts_and_scores(board):
    matrix = [[5, 1, 0], [2, 7, 1], [0, 0, 9]]
    board.start_run("cm", "classification", ["cat", "dog", "eel"], [])
    board.show_evaluation({"confusion_matrix": matrix, "classes": ["cat", "dog", "eel"],
                           "precision": [5 / 7, 7 / 8, 0.9], "recall": [5 / 6, 0.7, 1.0], "f1": [0.77, 0.78, 0.95],
                           "worst": [{"row": 12, "true": "dog", "predicted": "cat", "loss": 3.25}]})
    assert board.confusion.cell_texts() == [str(v) for row in matrix for v in row]
    assert board.confusion.table.item(1, 0).text() == "dog"
    assert board.confusion.table.item(0, 1).text() == f"{5 / 7:.3f}"
    assert board.confusion.table.item(2, 3).text() == "0.950"
    assert board.eval_stack.currentWidget() is board.confusion and board.tabs.currentIndex() == TAB_EVALUATION
    assert not board.worst_table.isHidden() and board.worst_table.item(0, 3).text() == "3.25"
    labels = [t[1] for t in board.confusion.plot.getPlotItem().getAxis("bottom")._tickLevels[0]]
    assert labels == ["cat", "dog", "eel"]


def test_confusion_column_names_fit_their_columns_in_a_short_dock(board, qtbot):
    """The matrix keeps its cells square: in a wide, short dock a column is far narrower than the view's
    width ÷ classes, and "AdelieChinstrapGentoo" ran together under it (1280×720 gallery)."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QFontMetrics

    classes = ["Adelie", "Chinstrap", "Gentoo"]
    board.resize(1280, 260)
    board.show()
    qtbot.waitExposed(board)
    board.start_run("cm", "classification", classes, [])
    board.show_evaluation({"confusion_matrix": [[7, 0, 0], [0, 8, 0], [0, 0, 7]], "classes": classes})
    qtbot.wait(50)  # the locked aspect ratio settles the range after the layout
    plot = board.confusion.plot.getPlotItem()
    view, axis = plot.getViewBox(), plot.getAxis("bottom")
    column = view.mapViewToScene(QPointF(1, 0)).x() - view.mapViewToScene(QPointF(0, 0)).x()
    assert column < view.width() / 3 - 20  # the case this is about: square cells, narrower than width ÷ 3
    metrics = QFontMetrics(axis.style.get("tickFont") or board.confusion.font())
    labels = [text for _pos, text in axis._tickLevels[0]]
    assert len(labels) == 3 and labels[1] != "Chinstrap"  # elided
    assert all(metrics.horizontalAdvance(text) <= column for text in labels), (labels, column)


def test_short_plots_label_only_the_values_their_axis_has_room_for(board, qtbot):
    """At 1280×720 the accuracy and learning-rate plots are 55–75 px high: pyqtgraph labelled 0, 0.2 … 1.0
    over each other there. Each labelled value now has a line and a gap of room, and the top one is whole."""
    from PySide6.QtGui import QFontMetrics

    from designer.ui.plots.theme import FittingAxis

    board.resize(735, 260)
    board.show()
    qtbot.waitExposed(board)
    qtbot.wait(50)
    metrics = board.metrics
    for plot in (metrics.metric_plot, metrics.lr_plot, metrics.loss_plot):
        axis = plot.getPlotItem().getAxis("left")
        assert isinstance(axis, FittingAxis)
        low, high = axis.range
        size = axis.geometry().height()
        labelled = axis.tickValues(low, high, size)[0][1]
        line = QFontMetrics(axis.font()).height()
        assert 2 <= len(labelled) and len(labelled) * line * FittingAxis.LINE_GAP <= size + line, (labelled, size)
    assert metrics.metric_plot.getPlotItem().getAxis("left").tickValues(0, 1, 73)[0][1] == [0.0, 0.5, 1.0]
    # a tall axis keeps pyqtgraph's own spacing
    assert metrics.loss_plot.getPlotItem().getAxis("left").tickValues(0, 1, 400)[0][0] == 0.2


def test_a_short_axis_keeps_two_labels_where_the_next_round_step_would_leave_one(qapp):
    """Accuracy from 0.55 to 1.0 (the view pads it a little) with room for two labels: 0.2 gives three (0.6,
    0.8, 1.0), 0.5 only 1.0."""
    from PySide6.QtGui import QFontMetrics

    from designer.ui.plots.theme import FittingAxis

    axis = FittingAxis("left")
    line = QFontMetrics(axis.font()).height() * FittingAxis.LINE_GAP
    for low, high, rows in ((0.54, 1.01, 2), (0.54, 1.01, 2.9), (0.11, 0.99, 3), (-0.02, 1.02, 2)):
        labelled = axis.tickValues(low, high, rows * line)[0][1]
        assert 2 <= len(labelled) <= int(rows), (low, high, rows, labelled)
        assert all(low - 1e-9 <= v <= high + 1e-9 for v in labelled)
    assert axis.tickValues(0.54, 1.01, 2 * line)[0][1] == pytest.approx([0.6, 1.0])


def test_round_steps_go_one_two_five():
    from designer.ui.plots.theme import _next_round_step

    assert [_next_round_step(v) for v in (0.1, 0.2, 0.25, 0.5, 1.0, 5.0, 20.0)] == [0.2, 0.5, 0.5, 1.0, 2.0, 10.0, 50.0]


def test_confusion_scores_are_computed_when_not_given(board):
    board.show_evaluation({"confusion_matrix": [[3, 1], [0, 4]], "classes": ["no", "yes"]})
    assert board.confusion.table.item(1, 1).text() == "0.800"  # precision of "yes": 4 / 5
    assert board.confusion.table.item(0, 2).text() == "0.750"  # recall of "no": 3 / 4


def test_regression_evaluation_plots_predictions_and_residuals(board):
    board.start_run("reg", "regression", [], [])
    board.on_epoch(EpochEnd(1, {"loss": 2.0, "val_loss": 2.5, "mae": 1.0, "val_mae": 1.2, "r2": 0.1,
                                "val_r2": 0.05}, {}, 0.01))
    board.flush()
    curves = board.metrics.curves_for("reg")
    assert curves.metric_val.getData()[1].tolist() == [1.2] and curves.r2_train.getData()[1].tolist() == [0.1]
    assert not board.metrics.r2_plot.isHidden()
    y_true, y_pred = np.array([1.0, 2.0, 3.0]), np.array([1.5, 1.5, 3.5])
    board.show_evaluation({"y_true": y_true, "y_pred": y_pred})
    assert board.eval_stack.currentWidget() is board.regression
    x, y = board.regression.pred_scatter.getData()
    assert x.tolist() == [1.0, 2.0, 3.0] and y.tolist() == [1.5, 1.5, 3.5]
    assert board.regression.resid_scatter.getData()[1].tolist() == [-0.5, 0.5, -0.5]


def _loss_run(board, run_id, losses, lr=0.01):
    board.start_run(run_id, "classification", ["a", "b"], [])
    for epoch, loss in enumerate(losses, start=1):
        board.on_batch(BatchEnd(epoch, 5, loss * 1.2, 1000.0))
        board.on_batch(BatchEnd(epoch, 10, loss * 1.1, 1000.0))
        board.on_epoch(EpochEnd(epoch, {"loss": loss, "val_loss": loss + 0.1, "accuracy": 1 - loss / 2,
                                        "val_accuracy": 1 - loss / 2 - 0.05}, {}, lr))
    board.on_finished(TrainingFinished("early_stopping", "stopped early", len(losses) - 1))
    board.flush()


def test_runs_overlay_shows_two_curves_and_unticking_hides_one(board):
    _loss_run(board, "first", [0.9, 0.6, 0.4])
    _loss_run(board, "second", [0.8, 0.3, 0.2, 0.15], lr=0.001)
    first, second = board.metrics.curves_for("first"), board.metrics.curves_for("second")
    assert board.runs_list.checked_runs() == {"second"}  # a new run starts alone
    assert not first.train.isVisible() and second.train.isVisible()
    board.runs_list.set_checked("first", True)
    board.flush()
    assert all(c.isVisible() for c in (first.train, first.val, second.train, second.val))
    assert board.metrics.legend_entries() == ["first", "second", "training", "validation"]
    assert first.train.getData()[1].tolist() == [0.9, 0.6, 0.4]
    assert second.train.getData()[1].tolist() == [0.8, 0.3, 0.2, 0.15]
    assert first.train.opts["pen"].color() != second.train.opts["pen"].color()
    assert len(first.batch.getData()[0]) == 6 and first.batch.isVisible()
    assert board.metrics.lr_plot.getPlotItem().getViewBox().viewRange()[1][1] >= 0.01  # both runs' rates fit
    assert board.metrics.best_line.isVisible() and board.metrics.best_line.value() == 3
    assert "early stopping" in board.status.text()


def test_the_best_epoch_label_is_drawn_over_the_curves_on_the_plot_background(board):
    """Long noisy runs cross the label: it must stay readable (a 20,000-epoch run hid all but its "b")."""
    _loss_run(board, "first", [0.9, 0.6, 0.4])
    board.flush()
    metrics = board.metrics
    line, curves = metrics.best_line, metrics.curves_for("first")
    assert line.isVisible()
    assert line.parentItem() is curves.train.parentItem()  # siblings: the Z values decide which is on top
    assert all(line.zValue() > item.zValue() for item in (curves.train, curves.val, curves.batch))
    fill = line.label.fill.color()
    background = metrics.loss_plot.backgroundBrush().color()
    assert fill.alpha() >= 200 and fill.rgb() == background.rgb()


def test_csv_export_writes_the_numbers_of_shown_runs(board, tmp_path):
    _loss_run(board, "first", [0.9, 0.6])
    _loss_run(board, "second", [0.5, 0.25])
    board.runs_list.set_checked("first", True)
    path = board.export_csv(tmp_path / "metrics.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [(r["run"], r["epoch"]) for r in rows] == [("first", "1"), ("first", "2"), ("second", "1"),
                                                      ("second", "2")]
    assert float(rows[3]["loss"]) == 0.25 and float(rows[3]["val_loss"]) == pytest.approx(0.35)
    assert float(rows[0]["accuracy"]) == pytest.approx(0.55) and float(rows[0]["lr"]) == 0.01


def test_png_export_writes_the_current_plot(board, tmp_path):
    from PySide6.QtGui import QImage

    _loss_run(board, "png", [0.9, 0.6, 0.3])
    board.show()
    path = board.export_png(tmp_path / "loss.png")
    image = QImage(str(path))
    assert not image.isNull() and image.width() >= 800
    assert board.current_plot() is board.metrics.loss_plot


def test_boundary_draws_the_points_and_grids_the_epochs_carry(board):
    from designer.training.probes import boundary_grid

    rng = np.random.default_rng(0)
    x2d = rng.normal(size=(50, 2)).astype(np.float32)
    y = (x2d[:, 0] > 0).astype(np.int64)
    board.start_run("b", "classification", ["0", "1"], [])
    # the worker's path: the data points ride on the first epoch's extras, a grid on the probed epochs
    board.on_epochs([EpochEnd(1, {"loss": 0.7}, {}, 0.01, {"points": (x2d, y)})])
    board.flush()
    assert not board.boundary.has_data()  # the points wait for the first grid: one redraw, not two
    grid = boundary_grid(lambda g: 1 / (1 + np.exp(-5 * g[:, :1])), x2d, resolution=20)
    board.on_epochs([EpochEnd(2, {"loss": 0.6}, {}, 0.01, {"boundary": grid})])
    board.flush()
    assert board.boundary.image.image.shape == (20, 20)
    assert board.boundary.has_data() and len(board.boundary.scatter.data) == 50
    board.start_run("no 2-D data", "classification", ["0", "1"], [])
    board.flush()
    assert not board.boundary.has_data() and len(board.boundary.scatter.data) == 0  # nothing stale


def test_background_follows_the_palette(board, qtbot):
    from PySide6.QtGui import QPalette

    _loss_run(board, "p", [0.5, 0.4])
    board.setPalette(dark_palette())
    qtbot.waitUntil(lambda: board.metrics.loss_plot.backgroundBrush().color()
                    == dark_palette().color(QPalette.ColorRole.Base), timeout=3000)
    assert board.histograms.heatmap_plot.backgroundBrush().color().lightness() < 60


def test_real_ten_class_run_histograms_and_confusion_matrix(board):
    from designer.ui.plots.screenshots import evaluation_result

    events, network, prepared, layer_ids, kinds = train_events("digits", [(32, "relu"), (16, "tanh")], 2, lr=0.003)
    feed(board, "digits", "classification", prepared.classes, layer_ids, kinds, events)
    assert board.histograms.layer_box.count() == len(layer_ids) == 3
    board.histograms.select_layer("dense_2")
    assert board.histograms.image_shape() == (2, 64)
    result = evaluation_result(network, prepared)
    board.show_evaluation({**result, "split": "validation"})
    title = board.confusion.plot.getPlotItem().titleLabel.text
    assert "validation rows" in title and f"accuracy {result['accuracy']:.1%}" in title
    texts = board.confusion.cell_texts()
    assert len(texts) == 100 and sum(int(t) for t in texts) == len(prepared.y_val)
    assert texts == [str(v) for row in result["confusion_matrix"] for v in row]
    assert board.confusion.table.rowCount() == 10


def test_on_started_places_the_first_epochs_batches_exactly(board):
    from designer.training.events import TrainingStarted

    board.start_run("s", "classification", ["a", "b"], [])
    board.on_started(TrainingStarted(total_epochs=3, batches_per_epoch=20))
    for batch in (5, 10):
        board.on_batch(BatchEnd(1, batch, 0.5, 100.0))
    board.flush()
    x, _ = board.metrics.curves_for("s").batch.getData()
    assert x.tolist() == pytest.approx([0.25, 0.5])  # not squeezed to the end of epoch 1


def test_redraws_while_training_spread_out_when_the_gui_thread_is_busy(board, qtbot):
    """The GUI thread's CPU time since the last redraw sets the next interval (at most GUI_SHARE of it), within
    [REDRAW_MS, MAX_REDRAW_MS]; outside a run the interval is REDRAW_MS again."""
    import time

    from designer.ui.plots import dashboard as dash

    board.start_run("t", "classification", ["a", "b"], [])
    board._on_timer()
    board._on_timer()  # hardly any work since the last redraw: the normal pace
    assert board._timer.interval() == dash.REDRAW_MS
    start = time.thread_time()
    while time.thread_time() - start < 0.03:  # 30 ms of GUI work: 0.6 s at a 5 % share
        pass
    board._on_timer()
    assert 600 <= board._timer.interval() <= dash.MAX_REDRAW_MS
    start = time.thread_time()
    while time.thread_time() - start < 0.2:  # far more than the cap allows for
        pass
    board._on_timer()
    assert board._timer.interval() == dash.MAX_REDRAW_MS
    board.on_finished(TrainingFinished("completed", "", None))
    assert board._timer.interval() == dash.REDRAW_MS
