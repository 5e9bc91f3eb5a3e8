"""Long runs keep the window's cost per epoch flat: bounded curves, bounded histogram history, work per redraw
instead of per epoch, probes at a bounded rate — checked by counting, never by timing."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from designer.training.events import EpochEnd, TrainingFinished
from designer.ui.plots.run_data import HISTOGRAM_HISTORY, RunData, append_bounded

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TIMEOUT = 60_000
LAYERS = ["dense_1", "dense_2"]


def _histogram(rng, shift=0.0):
    return np.histogram(np.maximum(rng.normal(shift, 1.0, 256), 0.0), bins=30)


def _epochs(n, start=1, histograms_every=0, seed=0):
    rng = np.random.default_rng(seed)
    loss = np.exp(-np.arange(start, start + n) / 3000.0) + 0.05 * rng.random(n)
    events = []
    for i, epoch in enumerate(range(start, start + n)):
        probe = histograms_every and epoch % histograms_every == 0
        hist = {lid: _histogram(rng) for lid in LAYERS} if probe else {}
        extras = {"weight_norms": {"dense_1": 1.0 + epoch * 1e-4}, "grad_norms": {"dense_1": 0.1}} if probe else {}
        events.append(EpochEnd(epoch, {"loss": float(loss[i]), "val_loss": float(loss[i]) + 0.1,
                                       "accuracy": 0.9, "val_accuracy": 0.85}, hist, 0.01, extras))
    return events


@pytest.fixture
def board(qtbot):
    from designer.ui.plots.dashboard import TrainingDashboard

    widget = TrainingDashboard()
    qtbot.addWidget(widget)
    widget.resize(1100, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_every_curve_downsamples_and_clips_to_the_view(board):
    board.start_run("r", "regression", [], LAYERS)
    board.on_epochs(_epochs(3, histograms_every=1))
    board.flush()
    curves = board.metrics.curves_for("run r" if board.metrics.curves_for("r") is None else "r")
    items = [*curves.items(), *board.norms._weight_curves.values(), *board.norms._grad_curves.values(),
             board.overfitting.train_curve, board.overfitting.val_curve]
    assert len(items) == 12
    for item in items:
        assert item.opts["autoDownsample"] and item.opts["downsampleMethod"] == "peak"
        assert item.opts["clipToView"]


def test_a_20000_epoch_curve_is_drawn_whole_from_a_bounded_number_of_points(board, qtbot):
    board.start_run("long", "classification", ["a", "b"], LAYERS)
    board.on_epochs(_epochs(10))
    board.flush()
    train = board.metrics.curves_for("long").train
    assert train.opts["symbol"] == "o"  # a short series shows each epoch
    board.on_epochs(_epochs(19_990, start=11))
    board.flush()
    x_all, y_all = train.getOriginalDataset()
    assert len(x_all) == 20_000 and x_all[0] == 1 and x_all[-1] == 20_000  # every epoch is kept …
    assert train.opts["symbol"] is None  # … drawn as a line, without 20,000 markers
    # pyqtgraph keeps `autoDownsampleFactor` samples per pixel, each a (max, min) pair in peak mode
    bound = 2 * train.opts["autoDownsampleFactor"] * board.metrics.loss_plot.getPlotItem().vb.width() + 4
    assert bound < 20_000
    # the view takes the new range when it next paints; the curve then reduces itself to that width
    qtbot.waitUntil(lambda: len(train.getData()[0]) <= bound, timeout=5000)
    x_shown, y_shown = train.getData()
    assert x_shown.min() < 0.01 * 20_000 and x_shown.max() > 0.99 * 20_000  # the whole run, end to end
    assert y_shown.max() >= np.sort(y_all)[-50]  # peak downsampling keeps the spikes


def test_the_overfitting_gap_is_shaded_from_the_drawn_points_and_follows_the_view(board, qtbot):
    from designer.ui.plots.dashboard import TAB_OVERFITTING

    board.tabs.setCurrentIndex(TAB_OVERFITTING)
    board.start_run("gap", "classification", ["a", "b"], LAYERS)
    board.on_epochs(_epochs(20_000))
    board.flush()
    view = board.overfitting
    fill, train = view.gap_fill, view.train_curve
    # the view takes the run's range when it next paints; the curves then reduce themselves to its width
    qtbot.waitUntil(lambda: len(train.getData()[0]) <= 12_000, timeout=5000)
    # one outline along training loss and back along validation loss, from the points drawn, not all 40,000
    qtbot.waitUntil(lambda: fill.path().elementCount() == len(train.getData()[0]) * 2 + 1, timeout=5000)
    whole = fill.path().boundingRect()
    assert whole.left() < 0.01 * 20_000 and whole.right() > 0.99 * 20_000  # the whole run
    val_y = view.val_curve.getOriginalDataset()[1]
    assert whole.top() == pytest.approx(float(np.min(train.getOriginalDataset()[1])), abs=0.02)
    assert whole.bottom() == pytest.approx(float(np.max(val_y)), abs=0.02)  # between the two curves
    assert fill.pen().style() == Qt.PenStyle.NoPen  # filled, not stroked in data coordinates
    view.plot.getPlotItem().vb.setXRange(5_000, 6_000, padding=0)  # the user zooms in
    qtbot.waitUntil(lambda: fill.path().boundingRect().right() < 7_000, timeout=5000)
    assert fill.path().boundingRect().left() > 3_000  # clipped to the view with the curves


def test_each_plot_is_fed_in_its_own_stage_apart_while_a_run_trains(board, qtbot):
    from designer.ui.plots.dashboard import STAGE_SPACING_MS

    board.start_run("split", "classification", ["a", "b"], LAYERS)
    board.flush()
    board.training_active = lambda: True  # as while the main window's runner trains
    board.on_epochs(_epochs(100))
    board._redraw(visible_only=True)
    stages = list(board._stages)
    assert stages[:6] == ["status", "metrics_epoch", "metrics_accuracy", "metrics_r2", "metrics_lr", "metrics_legend"]
    curves = board.metrics.curves_for("split")
    fed = lambda curve: 0 if curve.getOriginalDataset()[0] is None else len(curve.getOriginalDataset()[0])  # noqa: E731
    board._run_stage()  # status
    board._run_stage()  # the loss plot alone: one repaint in this frame
    assert fed(curves.train) == 100 and fed(curves.metric_train) == 0 and fed(curves.lr) == 0
    assert board._stage_timer.interval() == STAGE_SPACING_MS  # past Qt's 5 ms paint delay: the next in its own
    qtbot.waitUntil(lambda: not board._stages, timeout=5_000)
    assert fed(curves.metric_train) == 100 and fed(curves.lr) == 100


def test_a_new_runs_legend_entry_is_made_in_a_stage_of_its_own(board, qtbot):
    board.start_run("first", "classification", ["a", "b"], LAYERS)
    board.on_epochs(_epochs(10))
    board.flush()
    board.start_run("second", "classification", ["a", "b"], LAYERS)
    board.training_active = lambda: True  # as while the main window's runner trains
    board.on_epochs(_epochs(10))
    board._redraw(visible_only=True)
    legend = board.metrics.loss_plot.getPlotItem().legend
    names = lambda: [label.text for _, label in legend.items]  # noqa: E731
    while board._stages and board._stages[0] != "metrics_legend":
        board._run_stage()
    second = board.metrics.curves_for("second").train
    assert len(second.getOriginalDataset()[0]) == 10  # its loss curve is drawn …
    assert "second" not in names() and "first" in names()  # … and its legend entry waits for the next stage
    board._run_stage()
    assert "second" in names()


def test_history_keeps_every_loss_but_a_bounded_number_of_histograms():
    run = RunData("r", layer_ids=list(LAYERS))
    rng = np.random.default_rng(1)
    hist = _histogram(rng)
    losses = rng.random(20_000)
    for epoch in range(1, 20_001):
        run.add_epoch(epoch, {"loss": float(losses[epoch - 1])}, 0.01)
        run.add_histograms(epoch, {"dense_1": hist})
    assert np.array_equal(run.series("loss"), losses) and len(run.epochs) == 20_000
    kept = [e for e, _, _ in run.histograms["dense_1"]]
    assert len(kept) <= HISTOGRAM_HISTORY
    assert kept[0] == 1 and kept[-1] == 20_000  # the first and the newest epoch are always there
    gaps = np.diff(kept)
    assert gaps.max() <= 3 * gaps.mean()  # spread over the whole run, not bunched at one end
    assert kept == sorted(kept)


def test_epochs_added_together_equal_epochs_added_one_by_one():
    """The dashboard appends a gathered update's epochs in one go; the columns must be what one-by-one gives,
    also when a metric appears late, goes missing, or a non-number rides along."""
    rows = [(1, {"loss": 1.0}, 0.1), (2, {"loss": 0.9, "val_loss": 1.2}, None),
            (3, {"loss": 0.8, "val_loss": 1.1, "weight_norms": {"d": 1.0}}, 0.1), (4, {"loss": 0.7}, 0.05)]
    rows += [(e, {"loss": 1 / e, "val_loss": 2 / e}, 0.01) for e in range(5, 400)]
    one, many = RunData("one"), RunData("many")
    for row in rows:
        one.add_epoch(*row)
    for start in range(0, len(rows), 37):  # updates of 37 epochs
        many.add_epochs(rows[start:start + 37])
    assert many.epochs == one.epochs == list(range(1, 400))
    assert set(many.metrics) == set(one.metrics) == {"loss", "val_loss"}
    for key in one.metrics:
        np.testing.assert_array_equal(many.series(key), one.series(key))
    np.testing.assert_array_equal(many.lr_series(), one.lr_series())
    np.testing.assert_array_equal(many.epoch_axis(), one.epoch_axis())
    assert many.version > 0


def test_append_bounded_keeps_the_newest_entry_while_thinning():
    entries, gap = [], 0.0
    for epoch in range(1, 1001):
        gap = append_bounded(entries, (epoch,), gap, limit=16)
        assert entries[-1] == (epoch,) and len(entries) <= 16
    assert entries[0] == (1,)


def test_health_checks_run_per_redraw_not_per_epoch(board, monkeypatch):
    from designer.ui.plots import health

    calls = []
    real = health.check_activation
    monkeypatch.setattr(health, "check_activation", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    board.start_run("h", "classification", ["a", "b"], LAYERS)
    events = _epochs(400, histograms_every=1)
    for chunk in range(0, 400, 100):  # four deliveries of a hundred epochs, as the worker gathers them
        board.on_epochs(events[chunk:chunk + 100])
    assert calls == []  # nothing judged while epochs arrive …
    board.flush()
    assert sorted(calls) == sorted(LAYERS)  # … once per layer when the dashboard redraws
    assert len(board.current.histograms["dense_1"]) <= HISTOGRAM_HISTORY


def test_a_finished_run_is_not_fed_again_while_another_trains(board, monkeypatch):
    board.start_run("first", "classification", ["a", "b"], LAYERS)
    board.on_epochs(_epochs(50))
    board.on_finished(TrainingFinished("completed", "done", 50))
    board.flush()
    board.start_run("second", "classification", ["a", "b"], LAYERS)
    for run_id in board.runs:
        board.runs_list.set_checked(run_id, True)
    board.flush()
    fed = []
    first = board.metrics.curves_for("first")
    monkeypatch.setattr(first.train, "setData", lambda *a, **k: fed.append(a))
    for start in (1, 101, 201):
        board.on_epochs(_epochs(100, start=start))
        board.flush()
    assert fed == []  # its curves keep their data; only the running one is fed
    assert first.train.isVisible() and len(first.train.getOriginalDataset()[0]) == 50
    assert len(board.metrics.curves_for("second").train.getOriginalDataset()[0]) == 300


def test_a_long_run_in_the_window_probes_at_a_bounded_rate_and_keeps_every_epoch(make_window, qtbot,
                                                                                monkeypatch):
    from designer.project.io import load_project
    from designer.ui import worker

    project = load_project(EXAMPLES / "iris_mlp.nnproj")
    window = make_window(project)
    window.training_panel.epochs.setValue(400)  # as the user sets it
    assert window.project.training["epochs"] == 400
    t0 = time.perf_counter()
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(window.training_panel.train_btn, _left())
    elapsed = time.perf_counter() - t0
    assert blocker.args[0].reason == "completed"
    board = window.dashboard
    board.flush()
    run = board.current
    assert run.epochs == list(range(1, 401)) and np.isfinite(run.series("loss")).all()
    # only probed epochs carry histograms: one per PROBE_INTERVAL_S of the run's wall time at most, plus the
    # first and the last epoch
    assert 2 <= len(run.histograms["dense_1"]) <= elapsed / worker.PROBE_INTERVAL_S + 2
    assert run.histograms["dense_1"][-1][0] == 400  # the last epoch's histogram is shown
    assert len(board.metrics.curves_for(run.run_id).train.getOriginalDataset()[0]) == 400
    assert "epoch 400 / 400" in window.lbl_epoch.text()
    assert window.training_panel.progress.value() == 400


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
