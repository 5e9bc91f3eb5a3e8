"""Every metric against scikit-learn on the same arrays — including one-row, constant-target and
multi-output cases — and early stopping's direction for each monitored quantity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import metrics as sk

from designer.training import metrics
from designer.training.schedules import improved, monitor_mode

labels = st.integers(1, 40).flatmap(lambda n: st.tuples(
    arrays(np.int64, n, elements=st.integers(0, 3)), arrays(np.int64, n, elements=st.integers(0, 3))))
finite = st.floats(-100, 100)
values = st.integers(1, 30).flatmap(lambda n: st.tuples(
    arrays(np.float64, (n, 2), elements=finite), arrays(np.float64, (n, 2), elements=finite)))


@settings(max_examples=60, deadline=None)
@given(labels)
def test_classification_metrics_equal_scikit_learns(pair):
    t, p = pair
    assert metrics.accuracy(t, p) == pytest.approx(sk.accuracy_score(t, p))
    cm = metrics.confusion_matrix(t, p, 4)
    assert np.array_equal(cm, sk.confusion_matrix(t, p, labels=[0, 1, 2, 3]))
    scores = metrics.precision_recall_f1(cm)
    precision, recall, f1, support = sk.precision_recall_fscore_support(t, p, labels=[0, 1, 2, 3],
                                                                        zero_division=0)
    assert scores["precision"] == pytest.approx(precision)
    assert scores["recall"] == pytest.approx(recall)
    assert scores["f1"] == pytest.approx(f1)
    assert scores["support"].dtype == np.int64 and np.array_equal(scores["support"], support)


@settings(max_examples=60, deadline=None)
@given(values)
def test_regression_metrics_equal_scikit_learns(pair):
    t, p = pair
    assert metrics.mae(t, p) == pytest.approx(sk.mean_absolute_error(t, p), abs=1e-9)
    assert metrics.rmse(t, p) == pytest.approx(np.sqrt(sk.mean_squared_error(t, p)), abs=1e-9)
    if len(t) > 1:  # scikit-learn's R² is undefined on one row
        assert metrics.r2(t, p) == pytest.approx(sk.r2_score(t, p, force_finite=True), abs=1e-9)


def test_the_edge_cases_scikit_learn_defines():
    assert metrics.accuracy(np.array([1]), np.array([1])) == 1.0  # one row is a row, not "no rows"
    assert metrics.accuracy(np.array([1]), np.array([0])) == 0.0
    assert np.isnan(metrics.accuracy(np.array([]), np.array([])))
    assert np.isnan(metrics.mae(np.zeros((0, 1)), np.zeros((0, 1))))
    assert np.isnan(metrics.rmse(np.zeros((0, 1)), np.zeros((0, 1))))
    assert np.isnan(metrics.r2(np.zeros((0, 1)), np.zeros((0, 1))))
    # a constant target: 1 when predicted exactly, 0 otherwise (as scikit-learn's force_finite)
    assert metrics.r2([3.0, 3.0], [3.0, 3.0]) == 1.0
    assert metrics.r2([3.0, 3.0], [3.0, 3.5]) == 0.0
    # a target whose spread is below 1 is not constant
    t, p = np.array([0.1, 0.2, 0.4]), np.array([0.1, 0.25, 0.3])
    assert metrics.r2(t, p) == pytest.approx(sk.r2_score(t, p))
    # 2-D inputs of the same rows compare row by row
    assert metrics.accuracy(np.array([[0], [1]]), np.array([0, 1])) == 1.0
    cm = metrics.confusion_matrix(np.array([[0], [1], [1]]), np.array([[0], [0], [1]]), 2)
    assert cm.tolist() == [[1, 0], [1, 1]]
    assert metrics.confusion_matrix(np.array([2]), np.array([0]), 2).shape == (3, 3)  # never a wrong cell


def test_predicted_classes_threshold_probabilities_at_a_half_and_hinge_scores_at_zero():
    out = np.array([[0.4], [0.6], [-0.2]])
    assert metrics.predicted_classes(out).tolist() == [0, 1, 0]
    assert metrics.predicted_classes(out, "hinge").tolist() == [1, 1, 0]
    assert metrics.predicted_classes(np.array([[0.1, 0.7, 0.2]])).tolist() == [1]


@pytest.mark.parametrize("monitor, mode", [
    ("loss", "min"), ("val_loss", "min"), ("mae", "min"), ("val_rmse", "min"),
    ("accuracy", "max"), ("val_accuracy", "max"), ("r2", "max"), ("val_r2", "max"),
])
def test_early_stopping_knows_which_way_is_better(monitor, mode):
    assert monitor_mode(monitor) == mode
    better, worse = (0.5, 0.9) if mode == "min" else (0.9, 0.5)
    assert improved(better, 0.7, mode, 0.0) and not improved(worse, 0.7, mode, 0.0)


def test_improvement_must_exceed_min_delta():
    assert improved(1.0, None, "min", 0.5)
    assert not improved(0.6, 1.0, "min", 0.5) and improved(0.4, 1.0, "min", 0.5)
    assert not improved(1.4, 1.0, "max", 0.5) and improved(1.6, 1.0, "max", 0.5)
