"""The generated 2-D datasets' geometry from their definitions (TensorFlow Playground's dataset.ts, and
scikit-learn's make_moons): ranges, radii, quadrants and where noise goes — checked on many points."""

from __future__ import annotations

import numpy as np
import pytest

from designer.data.generated import generate
from designer.errors import DataError

N = 4000


def _xy(name, noise=0.0, seed=1):
    frame = generate(name, N, noise, seed)
    return frame["x1"].to_numpy(), frame["x2"].to_numpy(), frame[frame.columns[2]].to_numpy()


def _quadrant_shares(x, y):
    return np.bincount((x > 0).astype(int) * 2 + (y > 0).astype(int), minlength=4) / len(x)


def test_xor_points_fill_four_padded_squares_and_the_label_is_the_sign_of_the_product():
    x, y, label = _xy("xor")
    for v in (x, y):
        assert np.all((np.abs(v) >= 0.3) & (np.abs(v) <= 5.3))
        assert abs(v.mean()) < 0.3
    assert np.array_equal(label, (x * y >= 0).astype(np.int64))
    assert _quadrant_shares(x, y) == pytest.approx([0.25] * 4, abs=0.03)


def test_circle_has_an_inner_disc_of_class_one_and_an_outer_ring_all_round():
    x, y, label = _xy("circle")
    r = np.hypot(x, y)
    assert np.all(r[label == 1] <= 2.5) and np.all((r[label == 0] >= 3.5) & (r[label == 0] <= 5.0))
    assert label.mean() == pytest.approx(0.5, abs=0.01)
    assert _quadrant_shares(x, y) == pytest.approx([0.25] * 4, abs=0.03)


@pytest.mark.parametrize("name", ["xor", "circle", "reg_plane", "reg_gauss"])
def test_playground_noise_moves_the_point_that_decides_the_label_not_the_stored_point(name):
    clean_x, clean_y, clean_label = _xy(name, 0.0)
    noisy_x, noisy_y, noisy_label = _xy(name, 0.5)
    assert np.array_equal(clean_x, noisy_x) and np.array_equal(clean_y, noisy_y)
    assert not np.array_equal(clean_label, noisy_label)


def test_spiral_noise_jitters_each_point_by_at_most_noise():
    clean_x, clean_y, _ = _xy("spiral", 0.0)
    noisy_x, noisy_y, _ = _xy("spiral", 0.4)
    for clean, noisy in ((clean_x, noisy_x), (clean_y, noisy_y)):
        jitter = noisy - clean
        assert np.abs(jitter).max() <= 0.4 and np.abs(jitter).max() > 0.35
        assert abs(jitter.mean()) < 0.02  # uniform on [-noise, noise]


def test_moons_are_make_moons_with_gaussian_noise_of_that_std():
    clean_x, clean_y, label = _xy("moons", 0.0)
    n_out = N // 2
    t = np.linspace(0, np.pi, n_out)
    assert clean_x[:n_out] == pytest.approx(np.cos(t)) and clean_y[:n_out] == pytest.approx(np.sin(t))
    assert clean_x[n_out:] == pytest.approx(1 - np.cos(t)) and clean_y[n_out:] == pytest.approx(0.5 - np.sin(t))
    assert label.dtype == np.int64 and label[:n_out].sum() == 0 and label[n_out:].sum() == N - n_out
    noisy_x, noisy_y, _ = _xy("moons", 0.3)
    for clean, noisy in ((clean_x, noisy_x), (clean_y, noisy_y)):
        assert np.std(noisy - clean) == pytest.approx(0.3, rel=0.05)


def test_gauss_clusters_sit_at_plus_and_minus_two():
    x, y, label = _xy("gauss")
    assert x[label == 1].mean() == pytest.approx(2, abs=0.1) and y[label == 0].mean() == pytest.approx(-2, abs=0.1)
    assert np.std(x[label == 1]) == pytest.approx(np.sqrt(0.5), rel=0.08)  # variance 0.5 at noise 0


@pytest.mark.parametrize("args, message", [
    (("ring",), "unknown generated dataset 'ring' (known: circle, xor, gauss, spiral, moons, reg_plane, reg_gauss)"),
    (("xor", 1), "dataset 'xor': samples must be between 2 and 1000000, not 1"),
    (("xor", 10, 10.5), "dataset 'xor': noise must be between 0 and 10, not 10.5"),
    (("xor", 10, -0.1), "dataset 'xor': noise must be between 0 and 10, not -0.1"),
    (("xor", "many"), "dataset 'xor': samples must be an integer and noise a number"),
])
def test_refusals_say_what_and_which_dataset(args, message):
    with pytest.raises(DataError) as err:
        generate(*args)
    assert str(err.value) == message
