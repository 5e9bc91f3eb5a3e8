"""The initialisation view's density is what the engine's initializer draws."""

import math

import numpy as np
import pytest

from designer.engine.initializers import initialize
from designer.engine.registry import INITIALIZERS
from designer.errors import ParamError
from designer.maths.initialisation import histogram, init_distribution


@pytest.mark.parametrize("name", list(INITIALIZERS))
@pytest.mark.parametrize("shape", [(64, 32), (3, 3, 8, 16)])
def test_density_matches_the_engines_draws(name, shape):
    dist = init_distribution(name, shape)
    draws = initialize(name, shape, np.random.default_rng(0)).astype(np.float64)
    if dist.kind == "constant":
        assert np.all(draws == dist.value)
        return
    assert draws.var() == pytest.approx(dist.variance, rel=0.08)
    assert np.abs(draws).max() <= dist.spread * (1.0001 if dist.kind != "normal" else 2)
    centres, density = histogram(draws, bins=20, spread=dist.spread)
    width = centres[1] - centres[0]
    expected = np.array([np.mean(dist.pdf(np.linspace(c - width / 2, c + width / 2, 21))) for c in centres])
    assert np.abs(density - expected).sum() * width < 0.15  # total-variation-like distance
    assert np.sum(dist.pdf(np.linspace(-dist.spread * 1.5, dist.spread * 1.5, 20001))) * (
        3 * dist.spread / 20000) == pytest.approx(1.0, abs=0.01)


def test_formula_names_the_fans_and_the_number():
    dist = init_distribution("glorot_uniform", (30, 10))
    assert dist.fan_in == 30 and dist.fan_out == 10
    assert "fan<sub>in</sub> = 30" in dist.formula and f"{math.sqrt(6 / 40):.4g}" in dist.formula
    he = init_distribution("he_normal", (3, 3, 4, 8))
    assert he.fan_in == 36 and he.variance == pytest.approx(2 / 36)


def test_unknown_initializer_is_a_readable_error():
    with pytest.raises(ParamError, match="unknown initializer"):
        init_distribution("magic", (2, 2))
