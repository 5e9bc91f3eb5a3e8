"""Layer health checks from activation histograms and weight/gradient norms (pure NumPy).

The checks are heuristics a student can act on, not proofs: each returns one plain sentence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DEAD_FRACTION = 0.9        # a healthy ReLU layer has roughly half its outputs at 0; 90 %+ means dying
SATURATED_FRACTION = 0.7   # share of sigmoid/tanh outputs pinned within EDGE of the ends
EDGE = 0.03
EXPLODING_GRAD = 1e3
VANISHING_GRAD = 1e-6
WEIGHT_GROWTH = 10.0       # weight norm grown this many times since the first epoch


@dataclass(frozen=True)
class HealthWarning:
    layer_id: str
    kind: str  # "dying" | "saturating" | "exploding" | "vanishing"
    message: str


def _bin_centres(edges: np.ndarray) -> np.ndarray:
    return 0.5 * (edges[:-1] + edges[1:])


def mass_at_zero(counts, edges) -> float:
    """Share of the histogram in the bin that holds 0 (plus every bin below it, for ReLU outputs)."""
    counts = np.asarray(counts, dtype=np.float64)
    edges = np.asarray(edges, dtype=np.float64)
    total = counts.sum()
    if total <= 0 or len(edges) != len(counts) + 1:
        return 0.0
    # Bin i covers [edges[i], edges[i+1]); the last bin is closed. Degenerate all-zero output: edges == 0.
    if edges[-1] <= 0:
        return 1.0
    idx = int(np.searchsorted(edges, 0.0, side="right") - 1)
    if idx < 0:
        return 0.0
    idx = min(idx, len(counts) - 1)
    return float(counts[: idx + 1].sum() / total)


def saturation(counts, edges) -> float | None:
    """Share of outputs pinned near the ends of a bounded range, or None if the range is not bounded.

    Bounded means sigmoid-like ([0, 1]) or tanh-like ([-1, 1]) from the histogram's own edges.
    """
    counts = np.asarray(counts, dtype=np.float64)
    edges = np.asarray(edges, dtype=np.float64)
    total = counts.sum()
    if total <= 0 or len(edges) != len(counts) + 1:
        return None
    lo_edge, hi_edge = edges[0], edges[-1]
    if lo_edge >= -1e-6 and hi_edge <= 1 + 1e-6:
        low, high = 0.0, 1.0
    elif lo_edge >= -1 - 1e-6 and hi_edge <= 1 + 1e-6 and lo_edge < 0:
        low, high = -1.0, 1.0
    else:
        return None
    width = (high - low) * EDGE
    centres = _bin_centres(edges)
    pinned = counts[(centres <= low + width) | (centres >= high - width)].sum()
    return float(pinned / total)


def check_activation(layer_id: str, counts, edges, kind: str | None = None) -> HealthWarning | None:
    """Warn about a dying (ReLU) or saturating (sigmoid/tanh) layer from one epoch's histogram.

    `kind` is the layer's activation name when the caller knows it; otherwise the range decides.
    """
    edges_a = np.asarray(edges, dtype=np.float64)
    if len(edges_a) < 2:
        return None
    kind = (kind or "").lower()
    non_negative = edges_a[0] >= -1e-6
    relu_like = "relu" in kind or (not kind and non_negative and edges_a[-1] > 1 + 1e-6)
    bounded_kind = kind in ("sigmoid", "tanh", "softsign", "hard_sigmoid")
    if relu_like or (not kind and non_negative):
        dead = mass_at_zero(counts, edges)
        if dead >= DEAD_FRACTION:
            return HealthWarning(
                layer_id, "dying",
                f"{layer_id}: {dead:.0%} of outputs are 0 — dying ReLU units; try a lower learning rate, "
                "He initialisation or LeakyReLU",
            )
        if relu_like:
            return None
    if bounded_kind or not kind:
        sat = saturation(counts, edges)
        if sat is not None and sat >= SATURATED_FRACTION:
            return HealthWarning(
                layer_id, "saturating",
                f"{layer_id}: {sat:.0%} of outputs pinned at the ends — saturating; gradients barely flow. "
                "Try scaling inputs, a smaller learning rate or batch normalisation",
            )
    return None


def check_norms(layer_id: str, weight_norms, grad_norms, activation: str | None = None) -> HealthWarning | None:
    """Warn about exploding or vanishing gradients/weights from the per-epoch norm history (sequences or
    arrays; only the first and last values are read, so the cost does not grow with the run).

    The advice for a gradient that went to zero depends on why: after a blow-up (a learning rate far too
    high) or on a ReLU layer (its units died) "try ReLU" would be wrong.
    """
    if len(grad_norms):
        g = grad_norms[-1]
        if not math.isfinite(g) or g > EXPLODING_GRAD:
            return HealthWarning(
                layer_id, "exploding",
                f"{layer_id}: gradient norm {g:.3g} — exploding gradients; lower the learning rate or clip",
            )
        if g < VANISHING_GRAD:
            return HealthWarning(layer_id, "vanishing", _vanishing_advice(layer_id, g, weight_norms, grad_norms,
                                                                          activation))
    if len(weight_norms) >= 2:
        first, last = weight_norms[0], weight_norms[-1]
        if not math.isfinite(last) or (first > 0 and last / first > WEIGHT_GROWTH):
            return HealthWarning(
                layer_id, "exploding",
                f"{layer_id}: weight norm grew from {first:.3g} to {last:.3g} — exploding weights; "
                "lower the learning rate or add L2",
            )
    return None


def _vanishing_advice(layer_id: str, g: float, weight_norms, grad_norms,
                      activation: str | None) -> str:
    before = float(grad_norms[-2]) if len(grad_norms) >= 2 else 0.0  # the last two values only: bounded cost
    blew_up = not math.isfinite(before) or before > EXPLODING_GRAD or (
        len(weight_norms) >= 2 and weight_norms[0] > 0
        and (not math.isfinite(weight_norms[-1]) or weight_norms[-1] / weight_norms[0] > WEIGHT_GROWTH))
    head = f"{layer_id}: gradient norm {g:.2g} — this layer has stopped learning"
    if blew_up:
        return (f"{head} (vanishing gradients after its values blew up): the learning rate is too high; lower it "
                "(try 10× smaller)")
    if "relu" in (activation or "").lower():
        return (f"{head} (vanishing gradients): its ReLU units have died (always 0); lower the learning rate, "
                "use LeakyReLU or He initialisation")
    return f"{head} (vanishing gradients); try ReLU, batch normalisation or a shallower network"
