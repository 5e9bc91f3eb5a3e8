"""Decision-boundary grid: pure NumPy, safe to call on the training thread (no Qt here)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

MARGIN = 0.1  # fraction of the data range added on each side, so points never sit on the edge


def boundary_grid(
    predict_fn: Callable[[np.ndarray], np.ndarray], x2d: np.ndarray, resolution: int = 60
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate `predict_fn` on a grid over the 2-D data range plus a margin.

    Returns ``(xs, ys, values)`` with ``xs`` (resolution,), ``ys`` (resolution,) and ``values``
    (resolution, resolution) indexed ``[iy, ix]``. Values: the output itself for one output column
    (regression prediction or binary sigmoid probability), probability of class 1 for two columns,
    the arg-max class index for more.
    """
    x2d = np.asarray(x2d, dtype=np.float64)
    if x2d.ndim != 2 or x2d.shape[1] != 2 or len(x2d) == 0:
        raise ValueError(f"boundary_grid needs points of shape (n, 2), got {x2d.shape}")
    resolution = max(2, int(resolution))
    lo, hi = x2d.min(axis=0), x2d.max(axis=0)
    span = hi - lo
    span = np.where(span > 0, span, 1.0)  # a single point or a flat axis still gets a visible window
    lo, hi = lo - MARGIN * span, hi + MARGIN * span
    xs = np.linspace(lo[0], hi[0], resolution)
    ys = np.linspace(lo[1], hi[1], resolution)
    gx, gy = np.meshgrid(xs, ys)  # (ny, nx)
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)
    out = np.asarray(predict_fn(grid), dtype=np.float64)
    if out.ndim == 1:
        out = out[:, None]
    out = out.reshape(len(grid), -1)
    if out.shape[1] == 1:
        values = out[:, 0]
    elif out.shape[1] == 2:
        values = out[:, 1]
    else:
        values = np.argmax(out, axis=1).astype(np.float64)
    return xs, ys, values.reshape(gx.shape)
