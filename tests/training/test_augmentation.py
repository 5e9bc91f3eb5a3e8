"""Training-time image augmentation: NumPy flips, shifts and rotations, seeded, off by default."""

import numpy as np
import pytest

from designer.data import prepare_data
from designer.data.augment import augment_images, augment_settings, is_active
from designer.engine.network import Network
from designer.errors import ParamError
from designer.graph import Graph
from designer.training import Trainer
from tests.image_folders import make_digit_folder


def dot(h=9, w=9, at=(2, 1)):
    x = np.zeros((1, h, w, 1), np.float32)
    x[0, at[0], at[1], 0] = 1.0
    return x


def test_off_by_default_and_settings_are_checked():
    assert not is_active(None) and not is_active({}) and not is_active({"seed": 3})
    assert is_active({"flip": True}) and is_active({"rotate": 5}) and is_active({"shift": 0.1})
    for bad in ({"rotate": 90}, {"shift": 0.5}, {"flip": "maybe"}, {"zoom": 2}, [1]):
        with pytest.raises(ParamError, match="data.source.augment"):
            augment_settings(bad)


def test_flip_mirrors_left_right_and_keeps_every_pixel():
    x = np.repeat(dot(), 64, axis=0)
    out = augment_images(x, {"flip": True}, np.random.default_rng(0))
    flipped = out[:, 2, 7, 0] == 1.0
    assert 10 < flipped.sum() < 54  # about half
    assert np.all(out[~flipped, 2, 1, 0] == 1.0) and np.all(out.sum(axis=(1, 2, 3)) == 1.0)


def test_shift_moves_by_whole_pixels_within_the_limit():
    x = np.repeat(dot(10, 10, (5, 5)), 50, axis=0)
    out = augment_images(x, {"shift": 0.2}, np.random.default_rng(1))
    ys, xs = np.nonzero(out[..., 0].reshape(50, -1) == 1.0)[1] // 10, np.nonzero(out[..., 0].reshape(50, -1))[1] % 10
    assert np.all(np.abs(ys - 5) <= 2) and np.all(np.abs(xs - 5) <= 2) and len(set(zip(ys, xs))) > 5


def test_a_small_rotation_turns_a_bar_about_the_centre():
    x = np.zeros((1, 21, 21, 1), np.float32)
    x[0, 10, 2:19, 0] = 1.0  # a horizontal bar through the centre
    rng = np.random.default_rng(0)
    out = augment_images(x, {"rotate": 30}, rng)[0, ..., 0]
    assert out[10, 10] == 1.0  # the centre stays
    rows = np.nonzero(out)[0]
    assert rows.max() - rows.min() >= 2  # tilted: the bar now spans several rows
    assert out.sum() == pytest.approx(17, abs=3)


def test_the_same_seed_gives_the_same_images():
    x = np.random.default_rng(5).random((8, 6, 6, 3)).astype(np.float32)
    settings = {"flip": True, "shift": 0.15, "rotate": 10}
    a = augment_images(x, settings, np.random.default_rng(7))
    b = augment_images(x, settings, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, x) and a.dtype == np.float32


def _train(folder, augment, epochs=2):
    src = {"kind": "images", "path": str(folder), "size": [8, 8], "color": "grayscale"}
    if augment:
        src["augment"] = augment
    data = prepare_data({"source": src})
    g = Graph()
    g.add_node("Input", {"shape": [64]}, node_id="input_1")
    g.add_node("Dense", {"units": 3, "activation": "softmax"}, node_id="dense_1")
    g.connect("input_1", "dense_1")
    net = Network.from_graph(g, input_shape=(64,), seed=0)
    x_before = data.x_train.copy()
    result = Trainer(net, data, {"epochs": epochs, "batch_size": 8, "seed": 0, "loss": "categorical_crossentropy",
                                 "optimizer": {"type": "adam", "learning_rate": 0.01}}).run()
    np.testing.assert_array_equal(data.x_train, x_before)  # the training images themselves are never changed
    return net.get_weights()["dense_1/kernel"], result


def test_training_with_augmentation_is_repeatable_and_differs_from_without(tmp_path):
    folder = make_digit_folder(tmp_path / "d", per_class=10, side=8)
    plain, _ = _train(folder, None)
    aug = {"flip": True, "shift": 0.1, "rotate": 10, "seed": 4}
    first, _ = _train(folder, aug)
    again, _ = _train(folder, aug)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, plain)
    other, _ = _train(folder, {**aug, "seed": 5})
    assert not np.allclose(first, other)
