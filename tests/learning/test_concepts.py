"""Every concept the course names is explained, found by its names, placed in the app, and its picture is
computed right."""

from __future__ import annotations

import numpy as np
import pytest

from designer.engine.registry import ACTIVATIONS, LAYER_TYPES, LOSSES, OPTIMIZERS
from designer.learn import concepts as C

# The list, by the words a learner would type.
NAMED = ["epoch", "batch", "learning rate", "bias", "backpropagation", "gradient descent", "overfitting",
         "dropout", "batch normalisation", "batch normalization", "initialisation", "initialization",
         "weight", "loss", "activation", "gradient", "validation", "test", "early stopping", "L2", "L1",
         "vanishing gradients", "accuracy", "epochs", "batch size", "underfitting", "hidden layer", "softmax"]


@pytest.mark.parametrize("word", NAMED)
def test_every_concept_the_course_names_is_found(word):
    concept = C.lookup(word)
    assert concept is not None, word
    assert concept.text and concept.where in C.PLACES


@pytest.mark.parametrize("table", [ACTIVATIONS, LOSSES, OPTIMIZERS, LAYER_TYPES])
def test_each_activation_loss_optimizer_and_layer_type_has_its_own_concept(table):
    for name, entry in table.items():
        concept = C.lookup(name)
        assert concept is not None and concept.key == name, name
        label = getattr(entry, "label", None)  # the name the menus show ("Absolute (MAE)", "Leaky ReLU")
        if label:
            assert C.lookup(label).key == name, label


@pytest.mark.parametrize("key", sorted(C.CONCEPTS))
def test_each_concept_is_found_by_key_title_and_every_alias_and_is_short_and_placed(key):
    concept = C.CONCEPTS[key]
    assert C.lookup(key) is concept
    for word in (concept.title, *concept.aliases):
        assert C.lookup(word) is concept, (word, C.lookup(word))
        assert C.lookup(f"  {word.upper()}: ") is concept  # as a form label writes it
    assert concept.where in C.PLACES
    assert 40 <= len(concept.text) <= 520, f"{key}: {len(concept.text)} characters: a few lines, not an essay"
    assert all(other in C.CONCEPTS for other in concept.see_also), concept.see_also
    if concept.picture:
        pic = C.picture(concept.picture)
        assert pic["series"] and all(len(xs) == len(ys) and np.isfinite(ys).all() for _, xs, ys in pic["series"])


def test_lookup_of_labels_and_of_nothing():
    assert C.lookup("Learning rate:").key == "learning_rate"
    assert C.lookup("&Dropout").key == "Dropout"
    assert C.lookup("batch_size").key == "batch"
    assert C.lookup("Dense layer (16 units)").key == "Dense"
    assert C.lookup("Activation").key == "Activation" and C.lookup("activation").key == "activation"
    for nothing in (None, "", "File", "Quit", "   "):
        assert C.lookup(nothing) is None


def test_the_concepts_list_is_sorted_and_complete():
    titles = [c.title for c in C.ordered()]
    assert titles == sorted(titles, key=str.lower) and len(titles) == len(C.CONCEPTS)


def _series(key):
    return {name: (np.array(xs), np.array(ys)) for name, xs, ys in C.picture(key)["series"]}


def test_activation_pictures_are_the_engines_functions_and_slopes():
    x, relu = _series("activation:relu")["relu"]
    _, slope = _series("activation:relu")["slope"]
    np.testing.assert_allclose(relu, np.maximum(x, 0), atol=1e-6)
    assert set(np.round(slope[x != 0], 6)) == {0.0, 1.0}
    x, sig = _series("activation:sigmoid")["sigmoid"]
    _, dsig = _series("activation:sigmoid")["slope"]
    np.testing.assert_allclose(sig, 1 / (1 + np.exp(-x)), atol=1e-6)
    assert dsig.max() == pytest.approx(0.25, abs=1e-4)  # why deep sigmoid stacks lose their gradient
    x, p = _series("activation:softmax")["softmax"]
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-x)), atol=1e-6)  # softmax of (x, 0) is the sigmoid of x


def test_loss_pictures_match_their_formulas():
    e, mse = _series("loss:mean_squared_error")["mean_squared_error"]
    np.testing.assert_allclose(mse, e ** 2, rtol=1e-5, atol=1e-6)
    e, mae = _series("loss:mean_absolute_error")["mean_absolute_error"]
    np.testing.assert_allclose(mae, np.abs(e), atol=1e-6)
    e, huber = _series("loss:huber")["huber"]
    expected = np.where(np.abs(e) <= 1, 0.5 * e ** 2, np.abs(e) - 0.5)
    np.testing.assert_allclose(huber, expected, rtol=1e-5, atol=1e-6)
    p, ce = _series("loss:categorical_crossentropy")["categorical_crossentropy"]
    np.testing.assert_allclose(ce, -np.log(p), rtol=1e-4)


def test_the_learning_rate_picture_shows_slow_good_and_diverging():
    s = _series("learning_rate")
    low, good, high = (s[k][1] for k in ("too low (0.02)", "good (0.3)", "too high (1.05)"))
    assert low[-1] > 0.1 and good[-1] < 1e-6 and high[-1] > high[0]


def test_the_overfitting_picture_has_training_error_falling_and_validation_turning_up():
    s = _series("overfitting")
    train, val = s["training"][1], s["validation"][1]
    assert np.all(np.diff(train) <= 1e-9)
    best = int(np.argmin(val))
    assert 0 < best < len(val) - 1 and val[-1] > 3 * val[best]
