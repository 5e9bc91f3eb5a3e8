"""Finite-difference gradient checking in float64, shared by the engine tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numeric_grad(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of scalar f() with respect to array x (perturbed in place, then restored)."""
    g = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for _ in it:
        i = it.multi_index
        old = x[i].copy()
        x[i] = old + eps
        fp = f()
        x[i] = old - eps
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


def assert_grad_close(analytic: np.ndarray, numeric: np.ndarray, rtol: float = 1e-5, atol: float = 1e-7) -> None:
    """Relative error check that is meaningful for both tiny and large gradients."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    assert analytic.shape == numeric.shape, (analytic.shape, numeric.shape)
    denom = np.maximum(np.abs(analytic) + np.abs(numeric), 1e-12)
    rel = np.abs(analytic - numeric) / denom
    bad = (rel > rtol) & (np.abs(analytic - numeric) > atol)
    assert not bad.any(), f"max rel err {rel.max():.3e}; analytic {analytic[bad][:5]} vs numeric {numeric[bad][:5]}"


class Capture:
    """An optimizer that only records the gradients it is given (a step's gradients, for comparing paths)."""

    learning_rate = 0.0

    def step(self, params, grads):
        self.grads = [g.copy() for g in grads]
