"""Generated 2-D datasets with TensorFlow Playground semantics (playground/src/dataset.ts).

Points live in roughly [-6, 6]²; `noise` is the Playground's 0–0.5 slider. As in the Playground, for
circle/xor/reg_* the noise perturbs the point used to decide the label, not the stored point, so noise
shows as mislabelled points near the boundary. Classes are 1 (Playground's positive) and 0 (negative).
`moons` is not in the Playground; it follows scikit-learn's make_moons (Gaussian noise of std `noise`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from designer.data.catalogue import BUILTIN_DATASETS, GENERATED_DEFAULTS, MAX_GENERATED_SAMPLES
from designer.errors import DataError


def _circle(n: int, noise: float, rng: np.random.Generator):
    radius = 5.0
    half = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, half), rng.uniform(radius * 0.7, radius, n - half)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x, y = r * np.sin(angle), r * np.cos(angle)
    nx, ny = rng.uniform(-radius, radius, n) * noise, rng.uniform(-radius, radius, n) * noise
    label = (np.hypot(x + nx, y + ny) < radius * 0.5).astype(np.int64)
    return x, y, label


def _xor(n: int, noise: float, rng: np.random.Generator):
    padding = 0.3
    x = rng.uniform(-5, 5, n)
    x += np.where(x > 0, padding, -padding)
    y = rng.uniform(-5, 5, n)
    y += np.where(y > 0, padding, -padding)
    nx, ny = rng.uniform(-5, 5, n) * noise, rng.uniform(-5, 5, n) * noise
    label = ((x + nx) * (y + ny) >= 0).astype(np.int64)
    return x, y, label


def _gauss(n: int, noise: float, rng: np.random.Generator):
    variance = 0.5 + (4.0 - 0.5) * (noise / 0.5)  # Playground: linear scale [0, .5] -> [0.5, 4]
    std = np.sqrt(variance)
    half = n // 2
    x = np.concatenate([rng.normal(2, std, half), rng.normal(-2, std, n - half)])
    y = np.concatenate([rng.normal(2, std, half), rng.normal(-2, std, n - half)])
    label = np.concatenate([np.ones(half, np.int64), np.zeros(n - half, np.int64)])
    return x, y, label


def _spiral(n: int, noise: float, rng: np.random.Generator):
    xs, ys, labels = [], [], []
    for count, delta, label in ((n // 2, 0.0, 1), (n - n // 2, np.pi, 0)):
        i = np.arange(count)
        r = i / max(count, 1) * 5
        t = 1.75 * i / max(count, 1) * 2 * np.pi + delta
        xs.append(r * np.sin(t) + rng.uniform(-1, 1, count) * noise)
        ys.append(r * np.cos(t) + rng.uniform(-1, 1, count) * noise)
        labels.append(np.full(count, label, np.int64))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(labels)


def _moons(n: int, noise: float, rng: np.random.Generator):
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    x = np.concatenate([np.cos(t_out), 1 - np.cos(t_in)])
    y = np.concatenate([np.sin(t_out), 1 - np.sin(t_in) - 0.5])
    label = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    x = x + rng.normal(0, noise, n) if noise > 0 else x
    y = y + rng.normal(0, noise, n) if noise > 0 else y
    return x, y, label


def _reg_plane(n: int, noise: float, rng: np.random.Generator):
    radius = 6.0
    x, y = rng.uniform(-radius, radius, n), rng.uniform(-radius, radius, n)
    nx, ny = rng.uniform(-radius, radius, n) * noise, rng.uniform(-radius, radius, n) * noise
    value = (x + nx + y + ny) / 10.0  # Playground: linear scale [-10, 10] -> [-1, 1]
    return x, y, value


_BUMPS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])


def _reg_gauss(n: int, noise: float, rng: np.random.Generator):
    radius = 6.0
    x, y = rng.uniform(-radius, radius, n), rng.uniform(-radius, radius, n)
    px = x + rng.uniform(-radius, radius, n) * noise
    py = y + rng.uniform(-radius, radius, n) * noise
    dist = np.hypot(px[:, None] - _BUMPS[:, 0], py[:, None] - _BUMPS[:, 1])
    signed = _BUMPS[:, 2] * np.clip(1 - dist / 2, 0, 1)  # Playground: [0, 2] -> [1, 0], clamped
    pick = np.argmax(np.abs(signed), axis=1)  # the strongest bump wins
    return x, y, signed[np.arange(n), pick]


_GENERATORS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "moons": _moons,
               "reg_plane": _reg_plane, "reg_gauss": _reg_gauss}


def generate(name: str, samples: int | None = None, noise: float | None = None,
             seed: int | None = None) -> pd.DataFrame:
    """Columns `x1`, `x2` and the catalogue's target (`label` int 0/1, or `y` float)."""
    if name not in _GENERATORS:
        raise DataError(f"unknown generated dataset '{name}' (known: {', '.join(_GENERATORS)})")
    samples = GENERATED_DEFAULTS["samples"] if samples is None else samples
    noise = GENERATED_DEFAULTS["noise"] if noise is None else noise
    seed = GENERATED_DEFAULTS["seed"] if seed is None else seed
    try:
        samples, noise = int(samples), float(noise)
    except (TypeError, ValueError):
        raise DataError(f"dataset '{name}': samples must be an integer and noise a number") from None
    if not 2 <= samples <= MAX_GENERATED_SAMPLES:
        raise DataError(f"dataset '{name}': samples must be between 2 and {MAX_GENERATED_SAMPLES}, not {samples}")
    if not 0.0 <= noise <= 10.0:
        raise DataError(f"dataset '{name}': noise must be between 0 and 10, not {noise}")
    rng = np.random.default_rng(seed)
    x, y, target = _GENERATORS[name](samples, noise, rng)
    info = BUILTIN_DATASETS[name]
    target_col = target.astype(np.int64) if info.task == "classification" else target.astype(np.float64)
    return pd.DataFrame({"x1": x.astype(np.float64), "x2": y.astype(np.float64), info.target: target_col})
