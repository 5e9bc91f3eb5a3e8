"""Per-neuron activation maps over the input plane (TensorFlow Playground style): pure NumPy, no Qt.

Runs on the training thread from the worker's epoch callback: one forward pass over a coarse grid covering
the 2-D data, then each hidden unit's output is read from ``network.activations[layer_id]``.
"""

from __future__ import annotations

import numpy as np

from designer.ui.plots.boundary import MARGIN

MAX_UNITS = 12  # more maps per layer than this stop being readable at dashboard size
MAX_MAPS = 48  # all layers together
NEURON_RESOLUTION = 30
MAP_LAYER_TYPES = {"Dense", "Activation"}


def neuron_layers(graph, network) -> list[str]:
    """The hidden layers to map, in network order: Dense/Activation layers of a 2-input network with a flat
    output of at most MAX_UNITS units (the output layer is the decision boundary's job). [] when none fit."""
    if tuple(getattr(network, "input_shape", ()) or ()) != (2,):
        return []
    output_id = getattr(network, "output_id", None)
    chosen: list[str] = []
    total = 0
    for nid in network.order:
        node = graph.nodes.get(nid)
        if node is None or node.type not in MAP_LAYER_TYPES or nid == output_id:
            continue
        shape = tuple(getattr(network.layers[nid], "output_shape", ()) or ())
        units = int(shape[0]) if len(shape) == 1 else 0
        if not 0 < units <= MAX_UNITS or total + units > MAX_MAPS:
            continue
        chosen.append(nid)
        total += units
    return chosen


def plane_grid(x2d: np.ndarray, resolution: int = NEURON_RESOLUTION) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, points): the same window as the decision boundary (data range plus MARGIN), points (r*r, 2)
    in row-major [iy, ix] order."""
    x2d = np.asarray(x2d, dtype=np.float64)
    lo, hi = x2d.min(axis=0), x2d.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    lo, hi = lo - MARGIN * span, hi + MARGIN * span
    xs = np.linspace(lo[0], hi[0], resolution)
    ys = np.linspace(lo[1], hi[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)


def neuron_maps(network, layer_ids: list[str], points: np.ndarray, resolution: int) -> dict[str, np.ndarray]:
    """layer id → float32 (units, resolution, resolution) indexed [unit, iy, ix], each unit scaled by its own
    largest |value| into [-1, 1] (sign and shape matter, not the scale; 0 stays 0)."""
    network.forward(points, training=False)
    out: dict[str, np.ndarray] = {}
    for lid in layer_ids:
        act = network.activations.get(lid)
        if act is None:
            continue
        values = np.asarray(act, dtype=np.float32).reshape(len(points), -1).T  # (units, r*r)
        values = np.where(np.isfinite(values), values, 0.0)
        peak = np.abs(values).max(axis=1, keepdims=True)
        values = np.divide(values, peak, out=np.zeros_like(values), where=peak > 0)
        out[lid] = values.reshape(-1, resolution, resolution)
    return out
