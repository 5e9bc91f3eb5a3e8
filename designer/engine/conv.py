"""Convolution and max pooling on channels-last (NHWC) images, vectorised over the batch.

Conv2D builds an im2col matrix (one row per output pixel, columns ordered kh, kw, cin like the kernel) with
one strided copy per kernel offset, then does a single GEMM. Backward is the transpose: dW and dx each take
one GEMM, and col2im accumulates the kh·kw offsets back into the padded input. Padding follows Keras/TF
"same": total = max((out − 1)·s + k − in, 0), the odd pixel going to the bottom/right.
"""

from __future__ import annotations

import numpy as np

from designer.engine.activations import get_activation
from designer.engine.initializers import initialize
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
    #: set by the network: False when nothing trainable lies upstream, so dx (a GEMM + col2im) is skipped
    need_input_grad = True
    #: set by the network when the loss hands over the gradient of the pre-activation (fused softmax/CE)
    skip_activation_backward = False

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
        shape = (self.kh, self.kw, cin, self.filters)
        self.params["kernel"] = initialize(cfg.get("kernel_initializer", "glorot_uniform"), shape, rng, self.dtype)
        if cfg.get("use_bias", True):
            self.params["bias"] = np.zeros(self.filters, dtype=self.dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.activation = get_activation(cfg.get("activation", "linear"), cfg.get("activation_params"), self.id)
        self._cols = None  # im2col buffer, reused while the batch size stays the same
        self._xp = None  # channels-first, padded copy of the input

    # -------------------------------------------------------------------------------------------------
    # Layout: the im2col matrix is stored transposed, (kh, kw, cin) × (n, oh, ow), from a channels-first
    # padded copy of the input. Each kernel offset then copies whole (n, oh, ow) planes — long contiguous
    # rows even with one input channel — where the pixel-major NHWC layout writes runs of cin values.
    def _channels_first_padded(self, x: np.ndarray) -> np.ndarray:
        n, h, w, c = x.shape
        shape = (c, n, h + self.pt + self.pb, w + self.pl + self.pr)
        if self._xp is None or self._xp.shape != shape or self._xp.dtype != x.dtype:
            self._xp = np.zeros(shape, dtype=x.dtype)  # borders stay zero; only the centre is rewritten
        np.copyto(self._xp[:, :, self.pt : self.pt + h, self.pl : self.pl + w], x.transpose(3, 0, 1, 2))
        return self._xp

    def forward(self, inputs, training):
        x = inputs[0]
        n = x.shape[0]
        xp = self._channels_first_padded(x)
        shape = (self.kh, self.kw, self.cin, n, self.oh, self.ow)
        if self._cols is None or self._cols.shape != shape or self._cols.dtype != x.dtype:
            self._cols = np.empty(shape, dtype=x.dtype)
        cols = self._cols
        for i in range(self.kh):
            rows = window(i, self.sh, self.oh)
            for j in range(self.kw):
                cols[i, j] = xp[:, :, rows, window(j, self.sw, self.ow)]
        cols_t = cols.reshape(-1, n * self.oh * self.ow)
        # (pixels × K)·(K × filters): BLAS reads the transposed view directly, no copy
        z = cols_t.T @ self.params["kernel"].reshape(-1, self.filters)
        if "bias" in self.params:
            z += self.params["bias"]
        z = z.reshape(n, self.oh, self.ow, self.filters)
        self._n = n
        self._z = z
        # a fresh output each call: the network keeps layer outputs (histograms, predict batches)
        self._a = self.activation.forward(z, np.empty_like(z))
        return self._a

    def backward(self, grad_out):
        n = self._n
        if self.skip_activation_backward:
            dz = grad_out.reshape(-1, self.filters)
        else:
            dz = self.activation.backward(self._z, self._a, grad_out).reshape(-1, self.filters)
        cols_t = self._cols.reshape(-1, dz.shape[0])
        kernel2 = self.params["kernel"].reshape(-1, self.filters)
        np.matmul(cols_t, dz, out=self.grads["kernel"].reshape(-1, self.filters))
        if "bias" in self.params:
            np.sum(dz, axis=0, out=self.grads["bias"])
        if not self.need_input_grad:
            return [None]
        # col2im: the transposed im2col gradient, accumulated back plane by plane into a channels-first image
        dcols = (kernel2 @ dz.T).reshape(self.kh, self.kw, self.cin, n, self.oh, self.ow)
        h, w, _ = self.input_shapes[0]
        dxp = np.zeros((self.cin, n, h + self.pt + self.pb, w + self.pl + self.pr), dtype=dz.dtype)
        for i in range(self.kh):
            rows = window(i, self.sh, self.oh)
            for j in range(self.kw):
                dxp[:, :, rows, window(j, self.sw, self.ow)] += dcols[i, j]
        dx = dxp[:, :, self.pt : self.pt + h, self.pl : self.pl + w].transpose(1, 2, 3, 0)
        return [np.ascontiguousarray(dx)]


class MaxPooling2D(Layer):
    """Max over each window; the gradient goes to one winner per window (the first maximum in row-major
    window order, like TF/PyTorch). "same" padding pads with −inf so padding never wins."""

    type_name = "MaxPooling2D"
    need_input_grad = True

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
        for i in range(self.ph):
            rows = window(i, self.sh, self.oh)
            for j in range(self.pw):
                v = xp[:, rows, window(j, self.sw, self.ow), :]
                out = v.copy() if out is None else np.maximum(out, v, out=out)
        # The winners are found again in backward (cheap comparisons): a masked copy per window offset
        # here would cost ~10× the max itself.
        self._xp_cache = xp
        self._out = out
        self._x_shape = x.shape
        return out

    def backward(self, grad_out):
        if not self.need_input_grad:
            return [None]
        n, h, w, c = self._x_shape
        dxp = np.zeros((n, h + self.pt + self.pb, w + self.pl + self.pr, c), dtype=grad_out.dtype)
        taken = np.zeros(grad_out.shape, dtype=bool)  # windows whose winner is already assigned
        hit = np.empty(grad_out.shape, dtype=bool)
        for i in range(self.ph):
            rows = window(i, self.sh, self.oh)
            for j in range(self.pw):
                cols = window(j, self.sw, self.ow)
                # first maximum in row-major window order wins: one winner per window, even on ties
                np.equal(self._xp_cache[:, rows, cols, :], self._out, out=hit)
                hit &= ~taken
                taken |= hit
                dxp[:, rows, cols, :] += np.multiply(grad_out, hit)
        return [dxp[:, self.pt : self.pt + h, self.pl : self.pl + w, :]]
