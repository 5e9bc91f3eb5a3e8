"""Element-wise activations with their derivatives, written for speed and numerical stability.

An activation object is stateless apart from its parameters:
  forward(x, out)  writes f(x) into `out` (or returns x itself for linear) and returns it;
  backward(x, y, g) turns dL/dy into dL/dx, where x is the input and y = f(x) from the same forward;
  it may overwrite `g` in place (the network hands every layer a gradient it owns).
Scratch arrays are allocated per call only where a derivative needs one; the hot ones (relu, tanh,
sigmoid, softmax) use at most one temporary.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from designer.engine.registry import ACTIVATIONS, coerce_activation_params
from designer.errors import ParamError


class Activation:
    """One instance per layer, so the scratch array it keeps is never shared between layers."""

    name = ""
    #: False when backward needs only the output y, so forward may write f(x) over x (a layer then keeps
    #: one buffer and one pass fewer)
    backward_uses_input = True
    #: True when each output depends on its own input only (not softmax)
    elementwise = True
    _scratch_array: np.ndarray | None = None

    def scratch(self, like: np.ndarray, dtype=None) -> np.ndarray:
        return self.scratch_shaped(like.shape, dtype or like.dtype)

    def scratch_shaped(self, shape: tuple[int, ...], dtype) -> np.ndarray:
        """This activation's reused buffer, reallocated only when the shape or dtype changes."""
        a = self._scratch_array
        if a is None or a.shape != shape or a.dtype != dtype:
            a = self._scratch_array = np.empty(shape, dtype)
        return a

    def forward(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # For a caller that passes the same arrays on every step (a plan prepared per batch size): the same
    # computation as forward/backward, with the views and buffers it needs made once. For the tiny networks
    # of the Playground a step is mostly call overhead, and looking these up again each time is part of it.
    def bound_forward(self, x: np.ndarray, out: np.ndarray):
        """`forward(x, out)` as a call without arguments."""
        return functools.partial(self.forward, x, out)

    def bound_backward(self, x: np.ndarray, y: np.ndarray):
        """`backward(x, y, g)` as a call of `g` alone."""
        return functools.partial(self.backward, x, y)


class Linear(Activation):
    backward_uses_input = False
    name = "linear"

    def forward(self, x, out):
        return x  # no copy: the caller's pre-activation buffer is the output

    def backward(self, x, y, g):
        return g


def _sigmoid(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # 0.5·(1 + tanh(x/2)) equals 1/(1+e^-x) and never overflows
    np.multiply(x, 0.5, out)
    np.tanh(out, out)
    out *= 0.5
    out += 0.5
    return out


class Sigmoid(Activation):
    backward_uses_input = False
    name = "sigmoid"

    def forward(self, x, out):
        return _sigmoid(x, out)

    def backward(self, x, y, g):
        t = np.subtract(1.0, y, self.scratch(y))
        t *= y
        g *= t
        return g


class Tanh(Activation):
    backward_uses_input = False
    name = "tanh"

    def forward(self, x, out):
        return np.tanh(x, out)

    def backward(self, x, y, g):
        return _tanh_backward(y, self.scratch(y), g)

    def bound_backward(self, x, y):
        return functools.partial(_tanh_backward, y, np.empty_like(y))


def _tanh_backward(y: np.ndarray, t: np.ndarray, g: np.ndarray) -> np.ndarray:
    """g ⊙ (1 − y²) into g, with `t` (shaped like y) for 1 − y²."""
    np.multiply(y, y, t)
    np.subtract(1.0, t, t)
    np.multiply(g, t, g)
    return g


def zeros(shape: tuple[int, ...], dtype) -> np.ndarray:
    """A read-only array of zeros of this shape: a view of one shared buffer, grown when needed.

    np.maximum(x, 0.0) runs NumPy's slow scalar-broadcast loop (NumPy 2.4 here: 49 µs for 512×256 float32,
    139 µs for 64×13×13×32); against an array of zeros it takes the vectorised one (13–18 µs, 50 µs).
    """
    dtype = np.dtype(dtype)
    size = math.prod(shape)
    flat = _ZEROS.get(dtype)
    if flat is None or flat.size < size:
        flat = np.zeros(max(size, 1 << 16), dtype)
        flat.flags.writeable = False
        _ZEROS[dtype] = flat  # (views of a replaced buffer stay valid: it lives while they do)
    return flat[:size].reshape(shape)


_ZEROS: dict[np.dtype, np.ndarray] = {}


class ReLU(Activation):
    backward_uses_input = False
    name = "relu"

    def forward(self, x, out):
        return np.maximum(x, zeros(x.shape, x.dtype), out=out)

    def backward(self, x, y, g):
        return _relu_backward(y, self.scratch(y, np.bool_), g)

    def bound_forward(self, x, out):
        return functools.partial(np.maximum, x, zeros(x.shape, x.dtype), out=out)

    def bound_backward(self, x, y):
        return functools.partial(_relu_backward, y, np.empty(y.shape, np.bool_))


def _relu_backward(y: np.ndarray, mask: np.ndarray, g: np.ndarray) -> np.ndarray:
    """g ⊙ [y > 0] into g: y > 0 exactly where x > 0, and multiplying by the boolean mask is one pass."""
    np.multiply(g, np.greater(y, 0.0, mask), g)
    return g


class LeakyReLU(Activation):
    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01):
        self.slope = float(negative_slope)

    def forward(self, x, out):
        np.multiply(x, self.slope, out)
        return np.maximum(x, out, out=out)  # valid for 0 <= slope <= 1 (the registry's range)

    def backward(self, x, y, g):
        slope = np.where(x > 0, 1.0, self.slope).astype(g.dtype, copy=False)
        g *= slope
        return g


class ELU(Activation):
    name = "elu"

    def __init__(self, alpha: float = 1.0):
        self.alpha = float(alpha)

    def forward(self, x, out):
        neg = np.minimum(x, 0.0)
        np.expm1(neg, neg)
        neg *= self.alpha
        np.maximum(x, 0.0, out=out)
        out += neg
        return out

    def backward(self, x, y, g):
        # for x <= 0: d/dx α(e^x − 1) = α·e^x = y + α
        d = np.where(x > 0, 1.0, y + self.alpha).astype(g.dtype, copy=False)
        g *= d
        return g


# Softmax rows of up to this many classes take the transposed path (Softmax._forward_short_rows)
_SHORT_ROW = 64


class Softmax(Activation):
    """Softmax over the last axis, shifted by the row maximum so exp never overflows."""

    name = "softmax"
    backward_uses_input = False
    elementwise = False

    def forward(self, x, out):
        if x.ndim == 2 and x.shape[1] <= _SHORT_ROW:
            return self._forward_short_rows(x, out)
        # ufunc reductions directly: the ndarray.max/sum wrappers cost more than the work for small batches
        np.subtract(x, np.maximum.reduce(x, -1, keepdims=True), out)
        np.exp(out, out)
        out /= np.add.reduce(out, -1, keepdims=True)
        return out

    def _forward_short_rows(self, x, out):
        """A batch of rows of a few classes: NumPy reduces a short last axis one row at a time (23 µs for the
        maximum of 512 rows of 10), so the maximum is taken over a transposed copy, one element-wise pass
        per class (4.5 µs; a maximum is the same in any order). The sum keeps NumPy's own order along the
        row, so the probabilities stay bit for bit those of the exported predictor's softmax."""
        n, c = x.shape
        t = self.scratch_shaped((c, n), x.dtype)
        np.copyto(t, x.T)
        row_max = np.maximum.reduce(t, 0)
        np.subtract(x, row_max[:, None], out)
        np.exp(out, out)
        out /= np.add.reduce(out, -1, keepdims=True)
        return out

    def bound_forward(self, x, out):
        """Two classes (the Playground's) take one element-wise call per column instead of broadcasting over
        rows of two (0.23 against 0.75 µs a call for 10 rows) and a reduction (0.84 µs): the same operations
        on the same values, so the same bits (a sum of two is a + b in any order). Others: forward."""
        if x.ndim == 2 and x.shape[1] == 2:
            return _two_class_softmax(x, out)
        return super().bound_forward(x, out)

    def backward(self, x, y, g):
        # Jacobian-vector product: y ⊙ (g − Σ g·y)
        s = np.einsum("...i,...i->...", g, y)[..., None]
        g -= s
        g *= y
        return g


def _two_class_softmax(x: np.ndarray, out: np.ndarray):
    """Softmax.forward for n × 2 arrays, column by column (see Softmax.bound_forward)."""
    x0, x1, y0, y1 = x[:, 0], x[:, 1], out[:, 0], out[:, 1]
    row_max, total = np.empty_like(x0), np.empty_like(x0)

    def forward():
        np.maximum(x0, x1, out=row_max)
        np.subtract(x0, row_max, y0)
        np.subtract(x1, row_max, y1)
        np.exp(out, out)
        np.add(y0, y1, total)
        np.divide(y0, total, y0)
        np.divide(y1, total, y1)
        return out

    return forward


_GELU_C = math.sqrt(2.0 / math.pi)


class GELU(Activation):
    """Tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))."""

    name = "gelu"

    def _inner_tanh(self, x):
        t = x * x
        t *= 0.044715
        t += 1.0
        t *= x
        t *= _GELU_C
        return np.tanh(t, t)

    def forward(self, x, out):
        t = self._inner_tanh(x)
        t += 1.0
        np.multiply(x, t, out)
        out *= 0.5
        return out

    def backward(self, x, y, g):
        t = self._inner_tanh(x)
        # d/dx = 0.5·(1+t) + 0.5·x·(1−t²)·√(2/π)·(1 + 3·0.044715·x²)
        inner = x * x
        inner *= 3 * 0.044715
        inner += 1.0
        inner *= _GELU_C
        inner *= x
        inner *= 1.0 - t * t
        inner += 1.0 + t
        inner *= 0.5
        g *= inner
        return g


class SiLU(Activation):
    name = "silu"

    def forward(self, x, out):
        _sigmoid(x, out)
        out *= x
        return out

    def backward(self, x, y, g):
        s = _sigmoid(x, self.scratch(x))
        # d/dx x·s(x) = s + x·s·(1 − s) = s·(1 + x − y)
        d = x - y
        d += 1.0
        d *= s
        g *= d
        return g


class Softplus(Activation):
    name = "softplus"

    def forward(self, x, out):
        # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large |x|
        t = np.abs(x)
        np.negative(t, t)
        np.exp(t, t)
        np.log1p(t, t)
        np.maximum(x, 0.0, out=out)
        out += t
        return out

    def backward(self, x, y, g):
        g *= _sigmoid(x, np.empty_like(x))
        return g


_CLASSES: dict[str, type[Activation]] = {
    c.name: c for c in (Linear, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Softmax, GELU, SiLU, Softplus)
}
assert set(_CLASSES) == set(ACTIVATIONS), "activations.py and the registry must list the same names"


def get_activation(name: str, params: dict | None = None, where: str = "activation") -> Activation:
    """The activation called `name`, with its parameters checked against the registry."""
    cls = _CLASSES.get(name)
    if cls is None:
        raise ParamError(f'unknown activation "{name}"; known: {", ".join(_CLASSES)}', where)
    checked = coerce_activation_params(name, params or {}, f"{where}_params")
    spec_names = {p.name for p in ACTIVATIONS[name].params}
    return cls(**{k: v for k, v in checked.items() if k in spec_names})
