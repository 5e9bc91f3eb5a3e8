"""Every refusal of the loss module word for word, with its place: the user reads these lines, and a test that
matches a fragment lets a garbled message or a lost place through (mutation testing found 60 such survivors)."""

from __future__ import annotations

import numpy as np
import pytest

from designer.engine.losses import encode_targets, get_loss
from designer.errors import ParamError, TrainingError

KNOWN = ("categorical_crossentropy, binary_crossentropy, hinge, mean_absolute_error, mean_squared_error, huber")


@pytest.mark.parametrize("call", [lambda: get_loss("cross_entropy"),
                                  lambda: encode_targets("cross_entropy", np.array([0, 1]), 2)])
def test_unknown_loss(call):
    with pytest.raises(ParamError) as info:
        call()
    assert info.value.where == "training.loss"
    assert str(info.value) == f'training.loss: unknown loss "cross_entropy"; known: {KNOWN}'


CASES = [
    ("categorical_crossentropy", np.array([0, 1]), 1,
     "categorical_crossentropy needs one output unit per class (with softmax); the output layer has 1 unit: "
     "use binary_crossentropy with a sigmoid for two classes"),
    ("binary_crossentropy", np.array([0, 1, 2]), 1,
     "binary_crossentropy with one output unit needs two classes, the targets have 3: give the output layer "
     "one unit per class"),
    ("hinge", np.array([0.5, 1.0]), 1, "hinge needs class labels as targets, got non-integer values"),
    ("hinge", np.array([np.nan, 1.0]), 2, "hinge needs class labels as targets, got non-integer values"),
    ("categorical_crossentropy", np.array([0, -2]), 3,
     "categorical_crossentropy needs class labels from 0 up as targets, got -2"),
    ("categorical_crossentropy", np.array([0, 1, 2]), 2,
     "categorical_crossentropy: the targets have 3 classes but the output layer has 2 units; give it one unit "
     "per class"),
    ("mean_squared_error", np.zeros((4, 2)), 1,
     "mean_squared_error: the targets have 2 values per sample but the output layer has 1 unit"),
    ("huber", np.zeros((4, 1)), 3,
     "huber: the targets have 1 value per sample but the output layer has 3 units"),
    ("mean_absolute_error", np.zeros((2, 3)), 2,
     "mean_absolute_error: the targets have 3 values per sample but the output layer has 2 units"),
]


@pytest.mark.parametrize(("loss", "y", "n_out", "message"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_encode_targets_refusals_word_for_word(loss, y, n_out, message):
    with pytest.raises(TrainingError) as info:
        encode_targets(loss, y, n_out)
    assert str(info.value) == message


def test_regression_targets_with_class_indices_on_several_outputs_are_one_hot():
    np.testing.assert_array_equal(encode_targets("huber", np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(TrainingError) as info:
        encode_targets("huber", np.array([3, 0]), 3)
    assert str(info.value) == ("huber: the targets have 4 classes but the output layer has 3 units; give it one "
                               "unit per class")


def test_encoded_shapes_and_values_exactly():
    y = np.array([1, 0, 1])
    enc = encode_targets("binary_crossentropy", y, 1)
    assert enc.shape == (3, 1) and enc.dtype == np.float32
    np.testing.assert_array_equal(enc[:, 0], [1.0, 0.0, 1.0])
    hinge = encode_targets("hinge", np.array([1, 0, 2]), 3)
    np.testing.assert_array_equal(hinge, [[-1, 1, -1], [1, -1, -1], [-1, -1, 1]])
    already = np.array([[0.2, 0.8], [0.6, 0.4]])
    out = encode_targets("categorical_crossentropy", already, 2)
    assert out.dtype == np.float32 and out.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(out, already)
    empty = encode_targets("categorical_crossentropy", np.array([], dtype=np.int64), 3)
    assert empty.shape == (0, 3)
