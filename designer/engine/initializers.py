"""Weight initializers with Keras 3 semantics, drawn from the network's seeded generator.

fan_in/fan_out follow Keras: for a Dense kernel (in, out) they are in and out; for a Conv2D kernel
(kh, kw, in, out) both are multiplied by the receptive field kh·kw. The *_normal variance-scaling
initializers draw from a normal truncated at two standard deviations, with the standard deviation
divided by 0.8796… so the truncated distribution keeps the intended variance (as Keras does).
"""

from __future__ import annotations

import math

import numpy as np

from designer.engine.registry import INITIALIZERS
from designer.errors import ParamError

# std of a standard normal truncated to [-2, 2]
_TRUNC_STD = 0.87962566103423978


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def truncated_normal(rng: np.random.Generator, shape: tuple[int, ...], std: float) -> np.ndarray:
    """N(0, std²) restricted to ±2·std by redrawing the values that fall outside."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return out * std


def initialize(name: str, shape: tuple[int, ...], rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """A new array of `shape` filled by the initializer called `name`."""
    shape = tuple(int(d) for d in shape)
    fan_in, fan_out = compute_fans(shape)
    if name == "zeros":
        values = np.zeros(shape)
    elif name == "ones":
        values = np.ones(shape)
    elif name == "random_uniform":
        values = rng.uniform(-0.05, 0.05, shape)
    elif name == "random_normal":
        values = rng.normal(0.0, 0.05, shape)
    elif name == "glorot_uniform":
        limit = math.sqrt(6.0 / max(1, fan_in + fan_out))
        values = rng.uniform(-limit, limit, shape)
    elif name == "he_uniform":
        limit = math.sqrt(6.0 / max(1, fan_in))
        values = rng.uniform(-limit, limit, shape)
    elif name == "glorot_normal":
        values = truncated_normal(rng, shape, math.sqrt(2.0 / max(1, fan_in + fan_out)) / _TRUNC_STD)
    elif name == "he_normal":
        values = truncated_normal(rng, shape, math.sqrt(2.0 / max(1, fan_in)) / _TRUNC_STD)
    elif name == "lecun_normal":
        values = truncated_normal(rng, shape, math.sqrt(1.0 / max(1, fan_in)) / _TRUNC_STD)
    else:
        raise ParamError(f'unknown initializer "{name}"; known: {", ".join(INITIALIZERS)}')
    return np.ascontiguousarray(values, dtype=dtype)
