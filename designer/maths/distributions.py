"""Per-layer distributions the mathematics views overlay on their curves: each Dense layer's pre-activation
z = x·W + b (what its activation function is applied to) and its kernel's values.

`layer_distributions(network)` reads the inputs the network's last forward pass left in
`network.activations`, so the trainer calls it right after the forward pass of its histogram sample (at the
probe rate, never per batch); `project_distributions` does the forward pass itself for weights at rest.
"""

from __future__ import annotations

import numpy as np

BINS = 40


def _hist(values: np.ndarray, bins: int = BINS) -> tuple[np.ndarray, np.ndarray] | None:
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    counts, edges = np.histogram(v, bins=bins)
    return counts, edges.astype(np.float32)


def preactivations(network) -> dict[str, np.ndarray]:
    """Dense layer id → z (rows, units) of the last forward pass."""
    out = {}
    acts = network.activations
    for nid in network.order:
        layer = network.layers[nid]
        if layer.type_name != "Dense":
            continue
        src = network.sources[nid][0]
        x = acts.get(src)
        if x is None:
            continue
        z = np.asarray(x, dtype=np.float64).reshape(len(x), -1) @ layer.params["kernel"].astype(np.float64)
        if layer.params.get("bias") is not None:
            z += layer.params["bias"]
        out[nid] = z
    return out


def layer_distributions(network, bins: int = BINS) -> dict[str, dict]:
    """{"preactivations": {layer: (counts, edges)}, "kernels": {layer: (counts, edges)}} after a forward pass."""
    pre = {nid: h for nid, z in preactivations(network).items() if (h := _hist(z, bins)) is not None}
    kernels = {}
    for nid in network.order:
        layer = network.layers[nid]
        k = layer.params.get("kernel") if layer.params else None
        if k is not None and (h := _hist(k, bins)) is not None:
            kernels[nid] = h
    return {"preactivations": pre, "kernels": kernels}


def project_distributions(network, x: np.ndarray, rows: int = 256, seed: int = 0, bins: int = BINS) -> dict:
    """The same for weights at rest: a forward pass over a fixed sample of at most `rows` rows of x."""
    x = np.asarray(x)
    if len(x) > rows:
        x = x[np.sort(np.random.default_rng(seed).choice(len(x), size=rows, replace=False))]
    if len(x):
        network.forward(x, training=False)
    return layer_distributions(network, bins)
