"""The training studio's extra views: per-neuron maps, worst-predicted rows, saved runs in the runs list.

Real training runs in the training process (the make_window fixture shuts the run down); waits are on the runner's
GUI-thread signals or on widget state, never on time.
"""

from __future__ import annotations

import numpy as np

import designer.ui  # noqa: F401  (before any Qt call: see docs/development.md)
from designer.training.probes import neuron_layers, neuron_maps, plane_grid
from designer.ui import worker as worker_module
from tests.examples import quick_spiral as small_spiral

TIMEOUT = 30_000


def test_neuron_layers_pick_small_hidden_dense_layers_of_a_two_input_net():
    from designer.engine.network import Network

    project = small_spiral(1)
    network = Network.from_graph(project.graph, (2,))
    assert neuron_layers(project.graph, network) == ["dense_1", "dense_2"]  # not the softmax output
    xs, ys, points = plane_grid(np.array([[0.0, 0.0], [1.0, 2.0]]), 5)
    assert points.shape == (25, 2) and xs[0] < 0.0 < 1.0 < xs[-1] and ys[-1] > 2.0
    maps = neuron_maps(network, ["dense_1"], points, 5)
    assert maps["dense_1"].shape == (8, 5, 5)
    assert np.abs(maps["dense_1"]).max() <= 1.0 + 1e-6
    # each unit is scaled by its own largest |value|: at least one cell per unit reaches ±1
    assert np.allclose(np.abs(maps["dense_1"]).reshape(8, -1).max(axis=1), 1.0, atol=1e-5)


def test_image_networks_get_no_neuron_maps():
    from designer.engine.network import Network
    from designer.ui.start_page import digits_cnn

    project = digits_cnn()
    network = Network.from_graph(project.graph, None)
    assert neuron_layers(project.graph, network) == []


def _show_tab(qtbot, tabs, index: int) -> None:
    """Click the dashboard tab as the user does."""
    from PySide6.QtCore import Qt

    bar = tabs.tabBar()
    qtbot.waitUntil(lambda: bar.isVisible() and bar.tabRect(index).width() > 0)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index


def test_neuron_maps_appear_and_change_between_epochs(make_window, qtbot, monkeypatch):
    from designer.ui.plots.dashboard import TAB_BOUNDARY

    monkeypatch.setattr(worker_module, "EMIT_INTERVAL_S", 0.0)  # one update per epoch, however fast …
    monkeypatch.setattr(worker_module, "PROBE_INTERVAL_S", 0.0)  # … each with its probes
    window = make_window(small_spiral(epochs=3))
    _show_tab(qtbot, window.dashboard.tabs, TAB_BOUNDARY)  # the maps are computed while they are shown
    updates = []
    window.runner.epoch_ended.connect(updates.append)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        window.train()
    with_maps = [u.events[-1].extras["neurons"] for u in updates if "neurons" in u.events[-1].extras]
    assert len(with_maps) == 3
    first, last = with_maps[0][2], with_maps[-1][2]
    assert set(first) == {"dense_1", "dense_2"} and first["dense_1"].shape == (8, 30, 30)
    assert not np.allclose(first["dense_2"], last["dense_2"])  # training moved what the neurons compute

    board = window.dashboard
    board.flush()
    maps = board.neuron_maps
    assert maps.layer_ids() == ["dense_1", "dense_2"]
    shown = maps.image_of("dense_2", 7)
    assert shown is not None and np.allclose(shown, last["dense_2"][7].T)  # ImageItem holds [x, y]
    assert maps.hint.isHidden()


def test_hidden_boundary_tab_gets_its_grids_for_the_last_epoch_only(make_window, qtbot, monkeypatch):
    """The boundary and neuron maps cost the training thread a forward pass over two grids: while their tab is
    not shown a run computes them once, for its last epoch (what the tab shows when opened), and as soon as the
    user opens the tab, for the following updates too."""
    from designer.ui.plots.dashboard import TAB_BOUNDARY, TAB_TRAINING

    monkeypatch.setattr(worker_module, "EMIT_INTERVAL_S", 0.0)
    monkeypatch.setattr(worker_module, "PROBE_INTERVAL_S", 0.0)
    window = make_window(small_spiral(epochs=4))
    _show_tab(qtbot, window.dashboard.tabs, TAB_TRAINING)
    updates = []
    window.runner.epoch_ended.connect(updates.append)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        window.train()
    with_grids = [u.events[-1].epoch for u in updates if "boundary" in u.events[-1].extras]
    assert with_grids == [4]
    assert [u.events[-1].epoch for u in updates if "neurons" in u.events[-1].extras] == [4]
    board = window.dashboard
    _show_tab(qtbot, board.tabs, TAB_BOUNDARY)
    qtbot.waitUntil(lambda: board.boundary.has_data(), timeout=TIMEOUT)  # the last epoch's grid, shown
    qtbot.waitUntil(lambda: board.neuron_maps.layer_ids() == ["dense_1", "dense_2"], timeout=TIMEOUT)  # next stage

    updates.clear()  # the tab is in front now: the next run computes the grids with every update
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        window.train()
    assert [u.events[-1].epoch for u in updates if "boundary" in u.events[-1].extras] == [1, 2, 3, 4]


def test_worst_rows_table_is_filled_after_a_run(make_window, qtbot):
    window = make_window(small_spiral(epochs=2))
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT) as blocker:
        window.train()
    worst = blocker.args[0].evaluation["worst"]
    assert 0 < len(worst) <= 20
    losses = [row["loss"] for row in worst]
    assert losses == sorted(losses, reverse=True)
    assert all(0.0 <= row["confidence"] <= 1.0 and row["true"] in ("0", "1") for row in worst)

    table = window.dashboard.worst_table
    qtbot.waitUntil(lambda: not table.isHidden(), timeout=TIMEOUT)  # shown one event-loop turn later
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[0] == "row" and {"true", "predicted", "confidence", "loss"} <= set(headers)
    assert len(headers) == 7  # row, the two features, true, predicted, confidence, loss
    assert table.rowCount() == len(worst)
    assert table.item(0, headers.index("loss")).text() == f"{worst[0]['loss']:.4g}"


def test_worst_rows_rank_by_loss_or_absolute_error():
    from designer.engine.losses import get_loss
    from designer.training.probes import worst_rows

    class FixedNet:  # predicts the same probabilities for every call; enough to check the ranking
        input_shape = (2,)

        def __init__(self, out):
            self.out = np.asarray(out, dtype=np.float32)

        def predict(self, x):
            return self.out[: len(x)]

    class Prepared:
        def __init__(self, task, classes=()):
            self.task, self.classes, self.feature_names = task, list(classes), ["a", "b"]

    x = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.float32)
    net = FixedNet([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    rows = worst_rows(net, x, np.array([0, 0, 1]), get_loss("categorical_crossentropy"),
                      Prepared("classification", ["no", "yes"]), 2)
    assert [r["row"] for r in rows] == [1, 2]  # p(true) 0.2, then 0.4
    assert rows[0]["predicted"] == "yes" and rows[0]["true"] == "no" and rows[0]["a"] == 3.0
    assert abs(rows[0]["confidence"] - 0.8) < 1e-6

    reg = worst_rows(FixedNet([[1.0], [5.0], [2.5]]), x, np.array([1.0, 2.0, 3.0]),
                     get_loss("mean_squared_error"), Prepared("regression"), 5)
    assert [r["row"] for r in reg] == [1, 2, 0] and reg[0]["abs error"] == 3.0


def test_reopened_project_shows_its_saved_runs(make_window, qtbot, tmp_path):
    from designer.project.io import load_project, save_project

    window = make_window(small_spiral(epochs=2))
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        window.train()
    assert len(window.project.history) == 1
    path = tmp_path / "spiral.nnproj"
    save_project(window.project, path)
    assert [len(r["epochs"]) for r in load_project(path).history] == [2]

    reopened = make_window(load_project(path), str(path))
    SAVED = "saved run 1 · from scratch"  # the runs list says how each run began
    board = reopened.dashboard
    names = [board.runs_list.item(i).text() for i in range(board.runs_list.count())]
    assert names == [SAVED] and board.runs_list.checked_runs() == {SAVED}
    board.flush()
    curves = board.metrics.curves_for(SAVED)
    assert curves is not None and len(curves.train.getData()[1]) == 2
    assert board.runs[SAVED].finished_reason == "completed"

    # A new run joins the list beside the saved one, which can be ticked to overlay it.
    with qtbot.waitSignal(reopened.runner.finished, timeout=TIMEOUT):
        reopened.train()
    names = [board.runs_list.item(i).text() for i in range(board.runs_list.count())]
    assert names[0] == SAVED and len(names) == 2
    board.runs_list.set_checked(SAVED, True)
    board.flush()
    assert board.metrics.curves_for(SAVED).train.isVisible()
    assert len(reopened.project.history) == 2

    # Opening another project shows that project's runs only.
    reopened.set_project(small_spiral(1), None)
    assert board.runs_list.count() == 0 and board.runs == {}


def _history(n_runs: int) -> list[dict]:
    return [{"settings": {}, "reason": "completed", "best_epoch": 2,
             "epochs": [{"epoch": e, "loss": 1.0 / (e + r), "val_loss": 1.2 / (e + r), "accuracy": 0.5,
                         "lr": 0.01} for e in (1, 2, 3)]} for r in range(n_runs)]


def test_a_saved_run_ticked_late_gets_the_colour_of_its_swatch(qtbot):
    from designer.ui.plots import theme
    from designer.ui.plots.dashboard import TrainingDashboard

    board = TrainingDashboard()
    qtbot.addWidget(board)
    assert board.load_history(_history(3)) == ["saved run 1", "saved run 2", "saved run 3"]
    board.flush()
    assert board.metrics.curves_for("saved run 1") is None  # unticked: no curves made yet
    board.runs_list.set_checked("saved run 1", True)
    board.flush()
    pen = board.metrics.curves_for("saved run 1").train.opts["pen"]
    assert pen.color().name() == theme.series_color(board.palette(), 0).name()  # swatch 0, not 1
    pen3 = board.metrics.curves_for("saved run 3").train.opts["pen"]
    assert pen3.color().name() == theme.series_color(board.palette(), 2).name()  # one colour per run


def test_a_redraw_draws_one_section_per_event_loop_turn(qtbot):
    from designer.training.events import EpochEnd, TrainingFinished
    from designer.ui.plots.dashboard import TrainingDashboard

    board = TrainingDashboard()
    qtbot.addWidget(board)
    board.start_run("r", "classification", ["a", "b"], ["dense_1"])
    board.on_epoch(EpochEnd(1, {"loss": 0.9, "val_loss": 1.0}, {}, 0.01,
                            {"weight_norms": {"dense_1": 1.0}, "grad_norms": {"dense_1": 0.1}}))
    board.on_finished(TrainingFinished("completed", "done", 1))
    queued = list(board._stages)
    assert queued[0] == "curves" and {"metrics_epoch", "norms", "overfitting"} <= set(queued)
    assert board.metrics.curves_for("r") is None  # nothing drawn inside on_finished itself
    board._run_stage()
    assert board.metrics.curves_for("r") is not None and list(board._stages) == queued[1:]
    qtbot.waitUntil(lambda: not board._stages)  # the rest follows on later turns, without flush()
    assert board.metrics.curves_for("r").train.getData()[1].tolist() == [0.9]
    assert board.norms.curve_count() == 2 and board.norms._weight_curves["dense_1"].yData.tolist() == [1.0]
