"""Convolution and max pooling on channels-last (NHWC) images, vectorised over the batch.

Conv2D builds an im2col matrix (one row per output pixel, columns ordered kh, kw, cin like the kernel) with
one strided copy per kernel offset, then does a single GEMM. Backward is the transpose: dW and dx each take
one GEMM, and col2im accumulates the kh·kw offsets back into the padded input. Padding follows Keras/TF
"same": total = max((out − 1)·s + k − in, 0), the odd pixel going to the bottom/right.
"""

from __future__ import annotations

import numpy as np

from designer.engine.layer_base import Layer


def pair(v) -> tuple[int, int]:
    """An int_or_pair parameter as (height, width)."""
    if isinstance(v, (list, tuple)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def same_padding(size: int, k: int, s: int) -> tuple[int, int, int]:
    """Output size and (before, after) padding for one spatial axis with TF "same" semantics."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2, total - total // 2


def spatial_plan(size: int, k: int, s: int, padding: str) -> tuple[int, int, int]:
    """(output size, pad before, pad after) for one axis."""
    if padding == "same":
        return same_padding(size, k, s)
    return (size - k) // s + 1, 0, 0


def window(offset: int, stride: int, count: int) -> slice:
    """The input rows/columns seen by kernel offset `offset` across all `count` output positions."""
    return slice(offset, offset + stride * (count - 1) + 1, stride)


class Conv2D(Layer):
    type_name = "Conv2D"

    def build(self, input_shapes, rng):
        super().build(input_shapes, rng)
        h, w, cin = self.input_shapes[0]
        cfg = self.config
        self.kh, self.kw = pair(cfg.get("kernel_size", 3))
        self.sh, self.sw = pair(cfg.get("strides", 1))
        padding = cfg.get("padding", "valid")
        self.filters = int(cfg["filters"])
        self.oh, self.pt, self.pb = spatial_plan(h, self.kh, self.sh, padding)
        self.ow, self.pl, self.pr = spatial_plan(w, self.kw, self.sw, padding)
        self.cin = cin
        self.output_shape = (self.oh, self.ow, self.filters)
        fan_in = self.kh * self.kw * cin
        fan_out = self.kh * self.kw * self.filters
        shape = (self.kh, self.kw, cin, self.filters)
        self.params["kernel"] = init_array(
            cfg.get("kernel_initializer", "glorot_uniform"), shape, fan_in, fan_out, rng, self.dtype
        )
        if cfg.get("use_bias", True):
            self.params["bias"] = np.zeros(self.filters, dtype=self.dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.activation = make_activation(cfg.get("activation", "linear"), cfg.get("activation_params") or {})
        self._cols = None  # im2col buffer, reused while the batch size stays the same
        self._xp = None  # padded-input buffer ("same" padding only)

    # -------------------------------------------------------------------------------------------------
    def _padded(self, x: np.ndarray) -> np.ndarray:
        if not (self.pt or self.pb or self.pl or self.pr):
            return x
        n, h, w, c = x.shape
        shape = (n, h + self.pt + self.pb, w + self.pl + self.pr, c)
        if self._xp is None or self._xp.shape != shape or self._xp.dtype != x.dtype:
            self._xp = np.zeros(shape, dtype=x.dtype)  # borders stay zero; only the centre is rewritten
        self._xp[:, self.pt : self.pt + h, self.pl : self.pl + w, :] = x
        return self._xp

    def forward(self, inputs, training):
        x = inputs[0]
        n = x.shape[0]
        xp = self._padded(x)
        shape = (n, self.oh, self.ow, self.kh, self.kw, self.cin)
        if self._cols is None or self._cols.shape != shape or self._cols.dtype != x.dtype:
            self._cols = np.empty(shape, dtype=x.dtype)
        cols = self._cols
        for i in range(self.kh):
            rows = window(i, self.sh, self.oh)
            for j in range(self.kw):
                cols[:, :, :, i, j, :] = xp[:, rows, window(j, self.sw, self.ow), :]
        cols2 = cols.reshape(n * self.oh * self.ow, -1)
        z = cols2 @ self.params["kernel"].reshape(-1, self.filters)
        if "bias" in self.params:
            z += self.params["bias"]
        z = z.reshape(n, self.oh, self.ow, self.filters)
        self._n = n
        return self.activation.forward(z)

    def backward(self, grad_out):
        n = self._n
        dz = self.activation.backward(grad_out).reshape(-1, self.filters)
        cols2 = self._cols.reshape(dz.shape[0], -1)
        kernel2 = self.params["kernel"].reshape(-1, self.filters)
        np.matmul(cols2.T, dz, out=self.grads["kernel"].reshape(-1, self.filters))
        if "bias" in self.params:
            np.sum(dz, axis=0, out=self.grads["bias"])
        dcols = (dz @ kernel2.T).reshape(n, self.oh, self.ow, self.kh, self.kw, self.cin)
        h, w, _ = self.input_shapes[0]
        dxp = np.zeros((n, h + self.pt + self.pb, w + self.pl + self.pr, self.cin), dtype=dz.dtype)
        for i in range(self.kh):
            rows = window(i, self.sh, self.oh)
            for j in range(self.kw):
                dxp[:, rows, window(j, self.sw, self.ow), :] += dcols[:, :, :, i, j, :]
        return [dxp[:, self.pt : self.pt + h, self.pl : self.pl + w, :]]


class MaxPooling2D(Layer):
    """Max over each window; the gradient goes to one winner per window (the first maximum in row-major
    window order, like TF/PyTorch). "same" padding pads with −inf so padding never wins."""

    type_name = "MaxPooling2D"

    def build(self, input_shapes, rng):
        super().build(input_shapes, rng)
        h, w, c = self.input_shapes[0]
        cfg = self.config
        self.ph, self.pw = pair(cfg.get("pool_size", 2))
        strides = cfg.get("strides")
        self.sh, self.sw = pair(strides) if strides is not None else (self.ph, self.pw)
        padding = cfg.get("padding", "valid")
        self.oh, self.pt, self.pb = spatial_plan(h, self.ph, self.sh, padding)
        self.ow, self.pl, self.pr = spatial_plan(w, self.pw, self.sw, padding)
        self.output_shape = (self.oh, self.ow, c)

    def _padded(self, x: np.ndarray) -> np.ndarray:
        if not (self.pt or self.pb or self.pl or self.pr):
            return x
        return np.pad(x, ((0, 0), (self.pt, self.pb), (self.pl, self.pr), (0, 0)), constant_values=-np.inf)

    def forward(self, inputs, training):
        x = inputs[0]
        xp = self._padded(x)
        out = None
        arg = None
        # Strictly-greater comparison keeps the first maximum: one winner per window, even on ties.
        for k in range(self.ph * self.pw):
            i, j = divmod(k, self.pw)
            v = xp[:, window(i, self.sh, self.oh), window(j, self.sw, self.ow), :]
            if out is None:
                out = v.copy()
                arg = np.zeros(out.shape, dtype=np.int16 if self.ph * self.pw < 32_000 else np.int32)
                continue
            better = v > out
            np.copyto(out, v, where=better)
            arg[better] = k
        self._arg = arg
        self._x_shape = x.shape
        return out

    def backward(self, grad_out):
        n, h, w, c = self._x_shape
        dxp = np.zeros((n, h + self.pt + self.pb, w + self.pl + self.pr, c), dtype=grad_out.dtype)
        for k in range(self.ph * self.pw):
            i, j = divmod(k, self.pw)
            hit = self._arg == k
            dxp[:, window(i, self.sh, self.oh), window(j, self.sw, self.ow), :] += np.where(hit, grad_out, 0)
        return [dxp[:, self.pt : self.pt + h, self.pl : self.pl + w, :]]


# -----------------------------------------------------------------------------------------------------
# Activation and initialiser hooks. The engine's own modules are used when they exist; these local
# fallbacks keep the layer usable (and tested) on its own.


class _LocalActivation:
    """forward(z) → a, backward(grad_a) → grad_z for the element-wise activations and softmax (last axis)."""

    def __init__(self, name: str, params: dict):
        self.name = name
        self.params = params

    def forward(self, z):
        n = self.name
        self._z = z
        if n == "linear":
            a = z
        elif n == "relu":
            a = np.maximum(z, 0)
        elif n == "sigmoid":
            a = 1 / (1 + np.exp(-z))
        elif n == "tanh":
            a = np.tanh(z)
        elif n == "leaky_relu":
            a = np.where(z > 0, z, z * z.dtype.type(self.params.get("negative_slope", 0.01)))
        elif n == "elu":
            alpha = z.dtype.type(self.params.get("alpha", 1.0))
            a = np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))
        elif n == "softmax":
            e = np.exp(z - z.max(axis=-1, keepdims=True))
            a = e / e.sum(axis=-1, keepdims=True)
        elif n == "softplus":
            a = np.logaddexp(0, z).astype(z.dtype, copy=False)
        elif n == "silu":
            a = z / (1 + np.exp(-z))
        elif n == "gelu":
            c = z.dtype.type(np.sqrt(2 / np.pi))
            a = 0.5 * z * (1 + np.tanh(c * (z + 0.044715 * z**3)))
        else:
            raise ValueError(f"unknown activation {n}")
        self._a = a
        return a

    def backward(self, g):
        n, z, a = self.name, self._z, self._a
        if n == "linear":
            return g
        if n == "relu":
            return g * (z > 0)
        if n == "sigmoid":
            return g * a * (1 - a)
        if n == "tanh":
            return g * (1 - a * a)
        if n == "leaky_relu":
            return np.where(z > 0, g, g * z.dtype.type(self.params.get("negative_slope", 0.01)))
        if n == "elu":
            return np.where(z > 0, g, g * (a + z.dtype.type(self.params.get("alpha", 1.0))))
        if n == "softmax":
            return a * (g - (g * a).sum(axis=-1, keepdims=True))
        if n == "softplus":
            return g / (1 + np.exp(-z))
        if n == "silu":
            s = 1 / (1 + np.exp(-z))
            return g * (s + z * s * (1 - s))
        if n == "gelu":
            c = z.dtype.type(np.sqrt(2 / np.pi))
            t = np.tanh(c * (z + 0.044715 * z**3))
            return g * (0.5 * (1 + t) + 0.5 * z * (1 - t * t) * c * (1 + 3 * 0.044715 * z * z))
        raise ValueError(f"unknown activation {n}")


def make_activation(name: str, params: dict):
    return _LocalActivation(name, params)


def init_array(name: str, shape, fan_in: int, fan_out: int, rng: np.random.Generator, dtype) -> np.ndarray:
    """Keras initialisers (truncated normals cut at 2σ with Keras' 0.8796 std correction)."""

    def truncated(std):
        std = std / 0.87962566103423978
        v = rng.standard_normal(shape)
        bad = np.abs(v) > 2
        while bad.any():
            v[bad] = rng.standard_normal(int(bad.sum()))
            bad = np.abs(v) > 2
        return v * std

    if name == "glorot_uniform":
        lim = np.sqrt(6 / (fan_in + fan_out))
        v = rng.uniform(-lim, lim, shape)
    elif name == "glorot_normal":
        v = truncated(np.sqrt(2 / (fan_in + fan_out)))
    elif name == "he_uniform":
        lim = np.sqrt(6 / fan_in)
        v = rng.uniform(-lim, lim, shape)
    elif name == "he_normal":
        v = truncated(np.sqrt(2 / fan_in))
    elif name == "lecun_normal":
        v = truncated(np.sqrt(1 / fan_in))
    elif name == "random_uniform":
        v = rng.uniform(-0.05, 0.05, shape)
    elif name == "random_normal":
        v = rng.normal(0, 0.05, shape)
    elif name == "zeros":
        v = np.zeros(shape)
    elif name == "ones":
        v = np.ones(shape)
    else:
        raise ValueError(f"unknown initializer {name}")
    return np.asarray(v, dtype=dtype)
