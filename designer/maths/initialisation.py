"""What an initializer draws, as a density with its formula, for a weight array of a given shape.

The parameters (limit, standard deviation) use the engine's own `compute_fans` and the same constants as
`designer.engine.initializers.initialize`; a test draws with `initialize` and checks the histogram against
this density, so the picture cannot drift from what training starts from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from designer.engine.initializers import _TRUNC_STD, compute_fans
from designer.engine.registry import INITIALIZERS
from designer.errors import ParamError


@dataclass(frozen=True)
class InitDistribution:
    name: str
    kind: str  # "uniform", "truncated_normal", "normal", "constant"
    fan_in: int
    fan_out: int
    limit: float = 0.0  # uniform: U(−limit, limit)
    std: float = 0.0  # normal: σ of the untruncated normal (truncated at ±2σ)
    value: float = 0.0  # constant
    formula: str = ""  # Qt rich text, with this layer's fans filled in

    @property
    def spread(self) -> float:
        """Half-width of the support (uniform, truncated) or 3σ (normal); 0 for constants."""
        if self.kind == "uniform":
            return self.limit
        if self.kind == "truncated_normal":
            return 2.0 * self.std
        if self.kind == "normal":
            return 3.0 * self.std
        return 0.0

    @property
    def variance(self) -> float:
        if self.kind == "uniform":
            return self.limit**2 / 3.0
        if self.kind == "truncated_normal":
            return (self.std * _TRUNC_STD) ** 2
        if self.kind == "normal":
            return self.std**2
        return 0.0

    def pdf(self, xs: np.ndarray) -> np.ndarray:
        xs = np.asarray(xs, dtype=np.float64)
        if self.kind == "uniform":
            return np.where(np.abs(xs) <= self.limit, 1.0 / (2.0 * self.limit), 0.0)
        if self.kind in ("normal", "truncated_normal"):
            dens = np.exp(-0.5 * (xs / self.std) ** 2) / (self.std * math.sqrt(2 * math.pi))
            if self.kind == "truncated_normal":
                mass = math.erf(2.0 / math.sqrt(2.0))  # P(|z| ≤ 2)
                dens = np.where(np.abs(xs) <= 2.0 * self.std, dens / mass, 0.0)
            return dens
        return np.zeros_like(xs)


def init_distribution(name: str, shape: tuple[int, ...]) -> InitDistribution:
    """The distribution `initialize(name, shape, …)` draws from, with fan-in/fan-out in its formula."""
    if name not in INITIALIZERS:
        raise ParamError(f'unknown initializer "{name}"; known: {", ".join(INITIALIZERS)}')
    fan_in, fan_out = compute_fans(tuple(int(d) for d in shape))
    fans = f"fan<sub>in</sub> = {fan_in}, fan<sub>out</sub> = {fan_out}"
    if name in ("zeros", "ones"):
        v = 0.0 if name == "zeros" else 1.0
        return InitDistribution(name, "constant", fan_in, fan_out, value=v, formula=f"w = {v:g} for every weight")
    if name == "random_uniform":
        return InitDistribution(name, "uniform", fan_in, fan_out, limit=0.05,
                                formula="w ~ U(−0.05, 0.05), whatever the layer's size")
    if name == "random_normal":
        return InitDistribution(name, "normal", fan_in, fan_out, std=0.05,
                                formula="w ~ N(0, 0.05<sup>2</sup>), whatever the layer's size")
    if name in ("glorot_uniform", "he_uniform"):
        if name == "glorot_uniform":
            limit = math.sqrt(6.0 / max(1, fan_in + fan_out))
            rule = "√(6 / (fan<sub>in</sub> + fan<sub>out</sub>))"
        else:
            limit = math.sqrt(6.0 / max(1, fan_in))
            rule = "√(6 / fan<sub>in</sub>)"
        return InitDistribution(name, "uniform", fan_in, fan_out, limit=limit,
                                formula=f"w ~ U(−<i>l</i>, <i>l</i>), <i>l</i> = {rule} = {limit:.4g}<br>"
                                        f"<small>{fans}</small>")
    if name == "glorot_normal":
        sigma, rule = math.sqrt(2.0 / max(1, fan_in + fan_out)), "√(2 / (fan<sub>in</sub> + fan<sub>out</sub>))"
    elif name == "he_normal":
        sigma, rule = math.sqrt(2.0 / max(1, fan_in)), "√(2 / fan<sub>in</sub>)"
    else:  # lecun_normal
        sigma, rule = math.sqrt(1.0 / max(1, fan_in)), "√(1 / fan<sub>in</sub>)"
    std = sigma / _TRUNC_STD
    return InitDistribution(name, "truncated_normal", fan_in, fan_out, std=std,
                            formula=f"w ~ N(0, s<sup>2</sup>) cut at ±2s, s = {rule} / 0.8796 = {std:.4g}<br>"
                                    f"<small>so Var(w) = {sigma**2:.4g}; {fans}</small>")


def histogram(values: np.ndarray, bins: int = 40, spread: float | None = None):
    """(centres, density) of finite values; `spread` fixes the range to ±spread (to compare with the pdf)."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.zeros(0), np.zeros(0)
    if spread:
        lo, hi = -spread, spread
        lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
    else:
        lo, hi = float(v.min()), float(v.max())
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(v, bins=bins, range=(lo, hi), density=True)
    return (edges[:-1] + edges[1:]) / 2.0, counts
