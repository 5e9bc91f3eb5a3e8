"""The plots' NumPy parts, without Qt: boundary grid, health checks, overfitting verdict, run data."""

import csv
import sys

import numpy as np
import pytest

from designer.training.probes import boundary_grid
from designer.ui.plots import health
from designer.ui.plots.run_data import RunData, write_runs_csv


def _points():
    rng = np.random.default_rng(0)
    return rng.uniform([-2.0, 1.0], [3.0, 5.0], size=(200, 2)).astype(np.float32)


def test_boundary_module_does_not_import_qt():
    # importing it on the training thread must not pull in Qt
    import subprocess

    code = ("import sys; import designer.training.probes; "
            "print(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, encoding="utf-8")
    assert out.stdout.strip() == "False"


def test_boundary_grid_binary_probability_over_range_with_margin():
    x = _points()

    def predict(grid):  # softmax of two logits: class 1 right of x = 0.5
        logit = 4.0 * (grid[:, 0] - 0.5)
        p1 = 1 / (1 + np.exp(-logit))
        return np.column_stack([1 - p1, p1])

    xs, ys, values = boundary_grid(predict, x, resolution=40)
    assert xs.shape == (40,) and ys.shape == (40,) and values.shape == (40, 40)
    assert xs[0] < x[:, 0].min() and xs[-1] > x[:, 0].max()
    assert ys[0] < x[:, 1].min() and ys[-1] > x[:, 1].max()
    assert np.all(values[:, 0] < 0.05) and np.all(values[:, -1] > 0.95)  # [iy, ix]: left column vs right
    assert np.allclose(values[0], values[-1])  # does not depend on y


def test_boundary_grid_multiclass_argmax_and_regression_values():
    x = _points()

    def three(grid):
        scores = np.column_stack([-grid[:, 0], np.zeros(len(grid)), grid[:, 0] - 1.0])
        return np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)

    xs, ys, values = boundary_grid(three, x, resolution=30)
    assert set(np.unique(values)) == {0.0, 1.0, 2.0}
    assert values[5, 0] == 0 and values[5, -1] == 2

    xs, ys, values = boundary_grid(lambda g: (g[:, 0] + 2 * g[:, 1])[:, None], x, resolution=10)
    gx, gy = np.meshgrid(xs, ys)
    assert np.allclose(values, gx + 2 * gy, atol=1e-4)


def test_boundary_grid_rejects_points_that_are_not_2d():
    with pytest.raises(ValueError, match="shape"):
        boundary_grid(lambda g: g[:, :1], np.zeros((5, 3)))


def _hist(values, bins=30):
    counts, edges = np.histogram(values, bins=bins)
    return counts, edges


def test_dying_relu_detected_from_mass_at_zero_and_healthy_relu_passes():
    rng = np.random.default_rng(1)
    dead = np.maximum(rng.normal(-3.0, 1.0, 5000), 0.0)  # ~99.9 % exactly 0
    warning = health.check_activation("dense_1", *_hist(dead), kind="relu")
    assert warning is not None and warning.kind == "dying" and "dense_1" in warning.message
    healthy = np.maximum(rng.normal(0.0, 1.0, 5000), 0.0)  # half at 0
    assert health.check_activation("dense_1", *_hist(healthy), kind="relu") is None
    assert health.check_activation("dense_1", *_hist(healthy)) is None  # kind unknown: judged by range


def test_saturating_sigmoid_and_tanh_detected():
    rng = np.random.default_rng(2)
    pinned = np.tanh(rng.normal(0.0, 8.0, 5000))
    warning = health.check_activation("h", *_hist(pinned), kind="tanh")
    assert warning is not None and warning.kind == "saturating"
    sig = 1 / (1 + np.exp(-rng.normal(0.0, 10.0, 5000)))
    assert health.check_activation("s", *_hist(sig), kind="sigmoid").kind == "saturating"
    calm = np.tanh(rng.normal(0.0, 0.5, 5000))
    assert health.check_activation("h", *_hist(calm), kind="tanh") is None


def test_norm_checks_exploding_vanishing_and_fine():
    assert health.check_norms("d", [1.0, 1.1], [5e4]).kind == "exploding"
    assert health.check_norms("d", [1.0, 1.1], [float("nan")]).kind == "exploding"
    assert health.check_norms("d", [1.0, 1.0], [1e-9]).kind == "vanishing"
    assert health.check_norms("d", [1.0, 25.0], [0.5]).kind == "exploding"
    assert health.check_norms("d", [1.0, 2.0], [0.5]) is None


def test_overfitting_verdicts():
    from designer.ui.plots.overfitting import assess_overfitting

    epochs = np.arange(1, 21)
    train = 1.0 / epochs
    val = 0.5 + 0.02 * (epochs - 8) ** 2 / 10  # falls until epoch 8, then rises
    verdict = assess_overfitting(train, val)
    assert verdict.level == "overfitting"
    assert "dropout" in verdict.message and "L2" in verdict.message and "early stopping" in verdict.message
    assert assess_overfitting(train, train * 1.02).level == "ok"
    assert assess_overfitting(train, train + 0.3).level == "watch"  # a wide, steady gap
    tiny = np.linspace(0.7, 0.01, 20)
    assert assess_overfitting(tiny, tiny * 1.8).level == "ok"  # 80 % of almost nothing is no alarm
    assert assess_overfitting(train[:2], val[:2]).level == "unknown"
    assert assess_overfitting(train, [np.nan] * 20).level == "unknown"


def test_histogram_image_keeps_each_epoch_and_its_shape():
    from designer.ui.plots.histograms import histogram_image

    entries = [(1, *_hist(np.linspace(-1, 1, 100))), (2, *_hist(np.full(50, 3.0))), (3, *_hist([0.0, 0.0, 1.0]))]
    image, lo, hi = histogram_image(entries, bins=20)
    assert image.shape == (3, 20)
    assert lo == pytest.approx(-1.0) and hi >= 3.0
    assert image.max(axis=1).tolist() == pytest.approx([1.0, 1.0, 1.0])
    grid = np.linspace(lo, hi, 21)
    assert grid[image[1].argmax()] <= 3.0 < grid[image[1].argmax() + 1]  # the constant 3.0 stays at 3.0
    assert image[0, :9].min() > 0 and image[0, 11:].max() == 0  # uniform on [-1, 1] only


def test_batch_curve_places_batches_inside_their_epoch_and_smooths():
    run = RunData("r")
    for epoch in (1, 2):
        for batch in (3, 6, 10):  # only some batches are reported, batches count from 1
            run.add_batch(epoch, batch, 2.0 if epoch == 1 else 1.0)
    x, y = run.batch_curve()
    assert x.tolist() == pytest.approx([0.3, 0.6, 1.0, 1.3, 1.6, 2.0])
    assert y[0] == pytest.approx(2.0)  # debiased: the first value is the loss itself
    assert 1.0 < y[-1] < y[3] < 2.0  # moving towards the new level


def test_runs_csv_has_one_row_per_epoch_with_the_numbers(tmp_path):
    a, b = RunData("a"), RunData("b", task="regression")
    a.add_epoch(1, {"loss": 0.5, "val_loss": 0.6, "accuracy": 0.8}, 0.01)
    a.add_epoch(2, {"loss": 0.25, "val_loss": 0.4, "accuracy": 0.9}, 0.005)
    b.add_epoch(1, {"loss": 3.0, "mae": 1.5, "r2": 0.2}, 0.1)
    path = tmp_path / "m.csv"
    write_runs_csv([a, b], path)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [(r["run"], r["epoch"]) for r in rows] == [("a", "1"), ("a", "2"), ("b", "1")]
    assert float(rows[1]["loss"]) == 0.25 and float(rows[1]["lr"]) == 0.005
    assert rows[2]["accuracy"] == "" and float(rows[2]["r2"]) == 0.2


def test_gradient_that_died_gets_advice_that_fits_the_layer():
    """After a blow-up the learning rate is to blame; on a ReLU layer "try ReLU" would be nonsense."""
    blown = health.check_norms("dense_1", [1.0, 80.0], [1e4, 2e5, 0.0], "relu")
    assert blown.kind == "vanishing" and "learning rate is too high" in blown.message
    assert "try ReLU" not in blown.message
    dead = health.check_norms("dense_1", [1.0, 1.1], [0.3, 0.0], "relu")
    assert "ReLU units have died" in dead.message and "try ReLU" not in dead.message
    assert "try ReLU" in health.check_norms("dense_1", [1.0, 1.0], [1e-9], "sigmoid").message
