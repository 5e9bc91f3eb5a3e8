"""The learning-rate finder against references written out here: the rates (a geometric series), the batch
order (NumPy's generator replayed), each batch's loss (the linear unit's MSE computed by hand), the
bias-corrected moving average, the stopping rule, and `suggest` on curves whose steepest point is known."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from designer.errors import TrainingError
from designer.training.lr_finder import find_learning_rate, suggest, with_learning_rate
from designer.training.run import build_and_prepare
from tests.learning.test_lr_finder import linear_regression_project


def _smoothed(raw):
    """Exponential moving average with factor 0.9, divided by 1 - 0.9^(i+1) (bias correction)."""
    avg, out = 0.0, []
    for i, value in enumerate(raw):
        avg = 0.9 * avg + 0.1 * value
        out.append(avg / (1 - 0.9 ** (i + 1)))
    return out


def test_rates_losses_average_and_stopping_rule_follow_their_definitions():
    seen = []
    result = find_learning_rate(linear_regression_project(batch_size=16), None, steps=60, start_lr=1e-5,
                                end_lr=100.0, seed=2, on_step=lambda i, lr, value: seen.append((i, lr, value)))
    n = len(result.lr)
    assert result.lr == pytest.approx([1e-5 * (100.0 / 1e-5) ** (i / 59) for i in range(n)], rel=1e-12)
    assert seen == [(i, result.lr[i], result.loss[i]) for i in range(n)]
    assert result.smoothed == pytest.approx(_smoothed(result.loss), rel=1e-12)
    best = np.minimum.accumulate(result.smoothed)
    # stop at the first point after the first four whose average is over 4x the lowest so far
    over = [i for i in range(4, n) if result.smoothed[i] > 4 * best[i]]
    assert result.stopped == "diverged" and over == [n - 1] and n < 60
    assert result.settings == {"steps": 60, "start_lr": 1e-5, "end_lr": 100.0, "batch_size": 16, "seed": 2,
                               "optimizer": "sgd", "loss": "mean_squared_error"}
    assert (result.suggested, result.minimum_lr, result.message) == suggest(result.lr, result.smoothed, result.loss)


def test_each_batch_loss_is_the_mse_of_the_batch_drawn_from_the_seeded_shuffle():
    """At rates near zero the weights stay put, so batch i's loss is the starting network's MSE on the rows
    the seeded generator picks: a fresh permutation whenever the next batch would run past the end."""
    project = linear_regression_project(batch_size=100)
    result = find_learning_rate(project, None, steps=11, start_lr=1e-12, end_lr=1e-11, seed=5)
    network, prepared = build_and_prepare(
        dataclasses.replace(project, weights={}, training={**project.training, "seed": 5}), None)
    w = network.get_weights()
    mean, scale = network.target_scaling
    x = prepared.x_train.astype(np.float64)
    y = (prepared.y_train.astype(np.float64).reshape(len(x), -1) - mean) / scale
    rng = np.random.default_rng(5)
    order, expected = rng.permutation(len(x)), []
    for batch in range(11):
        start = (batch % 4) * 100  # 480 rows: four batches of 100 fit, the fifth starts a new permutation
        if batch and start == 0:
            order = rng.permutation(len(x))
        idx = order[start:start + 100]
        pred = x[idx] @ w["out/kernel"].astype(np.float64) + w["out/bias"].astype(np.float64)
        expected.append(float(np.mean((pred - y[idx]) ** 2)))
    assert result.loss == pytest.approx(expected, rel=1e-4)
    assert result.stopped == "completed" and len(result.lr) == 11


def test_the_projects_loss_parameters_are_used():
    """Huber with delta 0.1 (the project's loss_params) on the first batch: 0.5 e² inside delta, delta (|e| -
    delta / 2) beyond it, averaged; the default delta of 1 would give a different number."""
    project = linear_regression_project(batch_size=480)
    project.training.update(loss="huber", loss_params={"delta": 0.1})
    result = find_learning_rate(project, None, steps=5, start_lr=1e-12, end_lr=1e-11, seed=0)
    network, prepared = build_and_prepare(
        dataclasses.replace(project, weights={}, training={**project.training, "seed": 0}), None)
    w = network.get_weights()
    mean, scale = network.target_scaling
    x = prepared.x_train.astype(np.float64)
    e = np.abs(x @ w["out/kernel"] + w["out/bias"] - (prepared.y_train.reshape(len(x), -1) - mean) / scale)
    huber = np.where(e <= 0.1, 0.5 * e**2, 0.1 * (e - 0.05)).mean()
    assert result.loss[0] == pytest.approx(huber, rel=1e-4)
    assert len(result.lr) == 5 and result.settings["loss"] == "huber"  # five steps is the least allowed
    with pytest.raises(TrainingError, match="between 5 and 100000 steps, not 4"):
        find_learning_rate(project, None, steps=4)


def test_a_loss_that_overflows_ends_the_curve_without_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = find_learning_rate(linear_regression_project(batch_size=480), None, steps=40, start_lr=1.0,
                                    end_lr=1e30, seed=0)
    assert result.stopped == "diverged"


def test_a_batch_size_above_the_rows_uses_every_row_and_says_so():
    result = find_learning_rate(linear_regression_project(batch_size=5000), None, steps=6, start_lr=1e-12,
                                end_lr=1e-11, seed=1)
    assert result.settings["batch_size"] == 480
    assert result.loss == pytest.approx([result.loss[0]] * 6, rel=1e-5)  # the same 480 rows every time


def test_a_stop_request_ends_the_curve_where_it_came():
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 7

    result = find_learning_rate(linear_regression_project(), None, steps=30, should_stop=should_stop)
    assert result.stopped == "stopped" and len(result.lr) == len(result.loss) == len(result.smoothed) == 7


def _curve(amplitude=0.8, points=61):
    """lrs 1e-6 … 1 (ten per decade) and a loss falling like a logistic centred on point 20 (1e-4), lowest at
    point 40 (1e-2), rising after it. A centred difference is steepest at a logistic's centre."""
    lrs = np.array([10.0 ** (-6 + i / 10) for i in range(points)])
    i = np.arange(points, dtype=np.float64)
    falling = 1.0 - amplitude / (1 + np.exp(-(np.minimum(i, 40) - 20) / 2)) - 0.001 * np.minimum(i, 40)
    return lrs, falling + np.where(i > 40, 0.3 * (i - 40), 0.0)


def test_suggest_takes_the_steepest_point_before_the_lowest_and_says_both():
    lrs, s = _curve()
    suggested, minimum, message = suggest(lrs, s)
    assert suggested == lrs[20] and minimum == lrs[40]
    assert message == ("the loss falls fastest near 0.0001 and is lowest near 0.01; rates past that make it "
                       "rise")


def test_a_cliff_into_the_lowest_point_is_suggested_at_the_lowest_point_never_past_it():
    """Flat, then a fall of the whole loss in one step into point 10, then rising: the steepest window ends at
    the lowest point; a window centred one point later would be steeper still, but lies past the fall."""
    lrs = np.array([10.0 ** (-6 + i / 10) for i in range(20)])
    s = np.concatenate([np.ones(10), [0.0], 0.5 * np.arange(1, 10)])
    assert suggest(lrs, s)[:2] == (lrs[10], lrs[10])


def test_suggest_needs_a_fall_of_a_tenth_of_the_starting_loss():
    lrs, s = _curve(amplitude=0.11)
    assert suggest(lrs, s)[0] == lrs[20]
    lrs, s = _curve(amplitude=0.05)  # 0.05 + 0.037 of drift: under a tenth of ~1.0
    none, minimum, message = suggest(lrs, s)
    assert none is None and minimum == lrs[40]
    assert message == ("the loss did not fall over the range tried: check the data and the network, or try "
                       "a wider range of rates")


def test_suggest_needs_a_fall_above_three_times_the_remaining_noise():
    """Raw losses alternating ±d around the curve from point 3 to point 40 (38 points) have a standard
    deviation of exactly d; the average of (1 + 0.9) / (1 - 0.9) = 19 batches leaves d / sqrt(19)."""
    lrs, s = _curve()
    drop = s[3] - s[40]

    def raw(d):
        r = np.full(61, 0.5)
        r[3:41] += d * np.where(np.arange(38) % 2 == 0, 1.0, -1.0)
        return r

    limit = drop * np.sqrt(19) / 3
    assert suggest(lrs, s, raw(0.98 * limit))[0] == lrs[20]
    assert suggest(lrs, s, raw(1.02 * limit))[0] is None


def test_suggest_needs_two_points_of_fall_and_six_finite_points():
    lrs = np.array([10.0 ** (-6 + i / 10) for i in range(20)])
    s = np.concatenate([[1.0, 1.0, 1.0, 1.0, 0.1], 0.1 + 0.5 * np.arange(1, 16)])  # lowest right after point 3
    assert suggest(lrs, s)[:2] == (None, lrs[4])
    s = np.concatenate([[1.0, 1.0, 1.0, 1.0, 0.6, 0.1], 0.1 + 0.5 * np.arange(1, 15)])  # two points of fall
    assert suggest(lrs, s)[:2] == (lrs[4], lrs[5])
    few = np.array([1.0, 0.9, 0.5, 0.2, 0.1, np.nan, np.nan])
    assert suggest(lrs[:7], few) == (None, None, "too few batches to draw a curve: use more training rows or a "
                                                 "smaller batch size")
    assert suggest(lrs[:6], few[:5].tolist() + [0.05])[0] == lrs[4]  # six finite points are enough


def test_with_learning_rate_sets_only_the_rate_on_a_copy():
    training = {"optimizer": {"type": "adam", "beta_1": 0.8}, "batch_size": 7}
    new = with_learning_rate(training, 0.25)
    assert new == {"optimizer": {"type": "adam", "beta_1": 0.8, "learning_rate": 0.25}, "batch_size": 7}
    assert training == {"optimizer": {"type": "adam", "beta_1": 0.8}, "batch_size": 7}
    assert with_learning_rate({}, 1) == {"optimizer": {"type": "sgd", "learning_rate": 1.0}}
    assert with_learning_rate(None, 2)["optimizer"] == {"type": "sgd", "learning_rate": 2.0}
