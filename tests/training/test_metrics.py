"""Metrics on hand-made examples, and evaluate's exact keys."""

import numpy as np
import pytest

from designer.errors import DataError
from designer.training import metrics as M
from tests.training.helpers import blobs, mlp, plane


def test_predicted_classes_argmax_and_thresholds():
    probs = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])
    assert M.predicted_classes(probs).tolist() == [1, 0]
    single = np.array([[0.2], [0.7], [0.5]])
    assert M.predicted_classes(single, "binary_crossentropy").tolist() == [0, 1, 0]
    assert M.predicted_classes(np.array([[-0.3], [0.1]]), "hinge").tolist() == [0, 1]


def test_accuracy_binary_and_multiclass():
    assert M.accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
    assert M.accuracy(np.array([2, 1, 0]), np.array([2, 1, 0])) == 1.0


def test_confusion_matrix_rows_are_true_classes():
    cm = M.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert M.confusion_matrix([0, 1], [0, 0], 3).shape == (3, 3)  # classes without rows still appear


def test_precision_recall_f1():
    cm = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    out = M.precision_recall_f1(cm)
    np.testing.assert_allclose(out["precision"], [1 / 2, 1 / 2, 1.0])
    np.testing.assert_allclose(out["recall"], [1 / 2, 1.0, 2 / 3])
    np.testing.assert_allclose(out["f1"], [0.5, 2 / 3, 0.8])
    assert out["support"].tolist() == [2, 1, 3]
    empty = M.precision_recall_f1(np.array([[2, 0], [0, 0]]))  # class 1 never occurs nor is predicted
    assert empty["precision"].tolist() == [1.0, 0.0] and empty["f1"].tolist() == [1.0, 0.0]


def test_regression_metrics():
    y = np.array([[1.0], [2.0], [3.0], [4.0]])
    p = np.array([[1.5], [2.0], [2.0], [4.0]])
    assert M.mae(y, p) == pytest.approx(0.375)
    assert M.rmse(y, p) == pytest.approx(np.sqrt(1.25 / 4))
    assert M.r2(y, p) == pytest.approx(1 - 1.25 / 5.0)
    assert M.r2(y, y) == 1.0
    assert M.r2([[2.0], [2.0]], [[2.0], [2.0]]) == 1.0 and M.r2([[2.0], [2.0]], [[1.0], [2.0]]) == 0.0
    # two outputs: the mean of each output's R²
    y2 = np.hstack([y, 2 * y])
    p2 = np.hstack([p, 2 * y])
    assert M.r2(y2, p2) == pytest.approx((1 - 1.25 / 5.0 + 1.0) / 2)


def test_evaluate_classification_keys_and_values():
    data = blobs(n=10, n_val=30)
    net = mlp()
    out = M.evaluate(net, data.x_val, data.y_val, "categorical_crossentropy", "classification", data.classes)
    assert list(out) == ["loss", "accuracy", "confusion_matrix", "samples"]
    assert out["samples"] == 30 and sum(map(sum, out["confusion_matrix"])) == 30
    pred = net.predict(data.x_val).argmax(1)
    assert out["accuracy"] == pytest.approx(np.mean(pred == data.y_val))
    cm = np.array(out["confusion_matrix"])
    assert np.trace(cm) == int(np.sum(pred == data.y_val))
    p = np.clip(net.predict(data.x_val), 1e-7, 1 - 1e-7)
    assert out["loss"] == pytest.approx(-np.mean(np.log(p[np.arange(30), data.y_val])), rel=1e-5)


def test_evaluate_regression_keys_and_empty_split():
    data = plane()
    net = mlp(out_units=1, out_activation="linear")
    out = M.evaluate(net, data.x_val, data.y_val, "mean_squared_error", "regression")
    assert list(out) == ["loss", "mae", "rmse", "r2", "samples"]
    assert out["rmse"] ** 2 == pytest.approx(out["loss"], rel=1e-5)
    with pytest.raises(DataError, match="no rows"):
        M.evaluate(net, data.x_test, data.y_test, "mean_squared_error", "regression")


def test_reshape_inputs_checks_the_size():
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    assert M.reshape_inputs(x, (2, 2, 1))[1, 1, 0, 0] == 6.0
    with pytest.raises(DataError, match="4 values per row"):
        M.reshape_inputs(x, (3,))
