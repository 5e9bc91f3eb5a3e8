import numpy as np
import pytest

from designer.engine.initializers import compute_fans, initialize
from designer.engine.registry import INITIALIZERS
from designer.errors import ParamError


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_shape_dtype_and_seed_repeatability(name):
    a = initialize(name, (30, 20), np.random.default_rng(7))
    b = initialize(name, (30, 20), np.random.default_rng(7))
    assert a.shape == (30, 20) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert initialize(name, (3,), np.random.default_rng(0), dtype=np.float64).dtype == np.float64


def test_fans_follow_keras_for_dense_and_conv_kernels():
    assert compute_fans((784, 256)) == (784, 256)
    assert compute_fans((3, 3, 4, 16)) == (36, 144)
    assert compute_fans((10,)) == (10, 10)


def test_uniform_limits_and_spread():
    rng = np.random.default_rng(0)
    w = initialize("glorot_uniform", (400, 200), rng)
    limit = np.sqrt(6 / 600)
    assert np.abs(w).max() <= limit
    assert w.std() == pytest.approx(limit / np.sqrt(3), rel=0.02)
    h = initialize("he_uniform", (3, 3, 8, 32), rng)
    assert np.abs(h).max() <= np.sqrt(6 / 72)
    r = initialize("random_uniform", (1000,), rng)
    assert np.abs(r).max() <= 0.05


@pytest.mark.parametrize(
    ("name", "std"),
    [("glorot_normal", np.sqrt(2 / 600)), ("he_normal", np.sqrt(2 / 400)), ("lecun_normal", np.sqrt(1 / 400))],
)
def test_truncated_normals_keep_their_variance_within_two_sigma(name, std):
    w = initialize(name, (400, 200), np.random.default_rng(1))
    sigma = std / 0.87962566103423978  # the untruncated std Keras draws with
    assert np.abs(w).max() <= 2 * sigma + 1e-7
    assert w.std() == pytest.approx(std, rel=0.02)
    assert abs(w.mean()) < 0.1 * std


def test_constants_and_random_normal():
    rng = np.random.default_rng(2)
    assert not initialize("zeros", (4, 4), rng).any()
    assert (initialize("ones", (4, 4), rng) == 1).all()
    assert initialize("random_normal", (20000,), rng).std() == pytest.approx(0.05, rel=0.03)


def test_unknown_initializer_raises_param_error():
    with pytest.raises(ParamError, match="unknown initializer"):
        initialize("orthogonal", (2, 2), np.random.default_rng(0))
