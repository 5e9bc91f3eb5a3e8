"""Convolution and max pooling on channels-last (NHWC) images, vectorised over the batch.

Conv2D is one GEMM per direction. The im2col matrix (one row per output pixel, columns ordered kh, kw, cin
like the kernel, plus a column of ones when there is a bias) is filled by a single copy from a strided
window view of the input; the forward product then adds the bias too, and the kernel-gradient product
yields the bias gradient (the ones column sums the rows). The input gradient is one GEMM into a column
buffer, and col2im adds its kh·kw offsets back into the (padded) image. Every buffer is kept per batch
size; an activation whose derivative needs only its output (relu, tanh, sigmoid, softmax, linear) is
applied in place on the product. Padding follows Keras/TF "same": total = max((out − 1)·s + k − in, 0), the
odd pixel going to the bottom/right.

With few input channels (the first layer of an image network) the rows of the NHWC im2col matrix would be
built from runs of cin·kw values; there the matrix is stored transposed, (kh, kw, cin) × (n, oh, ow), from
a channels-first copy of the input, so the copy runs over whole rows of output pixels instead.

MaxPooling2D with strides equal to the pool size and no padding (the usual case) reshapes the image into
its windows and reduces along the window's columns, then its rows; the gradient retraces the same two
steps. Other strides and padding take one strided pass per window offset.

When such a pool is a conv's only reader, the conv orders its output
pixels by window offset while training (`pool_blocks`): the im2col rows run (pool row, pool column, n, oh/ph,
ow/pw) instead of (n, oh, ow), so the GEMM writes one contiguous block per window offset. Pooling is then an
element-wise maximum of ph·pw contiguous blocks and its gradient lands straight in the conv's layout, instead
of passes over 32-value runs strided through the image (2.5× fewer microseconds for a 26×26×32 batch). The
GEMMs do not care in which order the pixels come, and pixels no window covers (the last row and column of an
odd size) are left out of them: nothing reads those outputs and their gradient is exactly 0. Inference keeps
the natural order and computes every pixel.

With numba installed, a training step runs an image network's first conv (relu, read by such a pool alone)
and that pool as one compiled kernel pair instead (designer.engine.conv_pool_kernels; Conv2D.fused_run):
the pooled values come out of the conv's loop directly and the conv's full output never exists.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numpy.lib.stride_tricks import as_strided

from designer.engine import conv_pool_kernels
from designer.engine.activations import get_activation
from designer.engine.initializers import initialize
from designer.engine.layers import BufferedLayer

# Below this many contiguous values per im2col row run (cin·kw), build the transposed, plane-wise im2col.
_PLANE_RUN = 16
# From this many values per pool window-offset block, a first conv's kernel gradient is taken block by block
# from the pool's gradient (Conv2D.kernel_gradient_through)
_ROUTED_BLOCK_MIN = 1 << 15
# From this many values in a blocked NHWC im2col matrix, the forward copies and multiplies it block by block
# (Conv2D._forward_by_block); below it everything stays in cache anyway and the extra calls would cost
_CHUNKED_MIN = 1 << 18
_DIRECT_PLANES = True  # False: the planes im2col always reads a channels-first copy of the batch (tests)


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


class Conv2D(BufferedLayer):
    type_name = "Conv2D"
    #: set by the network: False when nothing trainable lies upstream, so dx (a GEMM + col2im) is skipped
    need_input_grad = True
    #: set by the network when the loss hands over the gradient of the pre-activation (fused softmax/CE)
    skip_activation_backward = False
    #: set by the network when the pool reading this layer applies its relu after pooling while training
    #: (MaxPooling2D.upstream_deferred): the training output is then the pre-activation
    defer_activation = False
    #: set by the network to the reading pool's (ph, pw) when its windows tile this layer's output: while
    #: training, the output is (ph, pw, n, oh//ph, ow//pw, filters), one contiguous block per window offset
    #: (a trailing row or column that no window covers is neither computed nor given a gradient)
    pool_blocks: tuple[int, int] | None = None
    #: set by the network when this conv and its pool may train through one compiled kernel
    #: (designer.engine.conv_pool_kernels): the shape it is compiled for; None: the NumPy path only
    fused_shape: conv_pool_kernels.ConvPoolShape | None = None
    #: set by the network for each forward: this forward and its backward run the compiled kernels
    fused_run = False

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
        self.padded = bool(self.pt or self.pb or self.pl or self.pr)
        self.output_shape = (self.oh, self.ow, self.filters)
        shape = (self.kh, self.kw, cin, self.filters)
        k = self.kh * self.kw * cin
        self.use_bias = bool(cfg.get("use_bias", True))
        # kernel and bias are views of one (k [+ 1]) × filters matrix: the GEMMs handle both at once
        rows = k + int(self.use_bias)
        self._wb = np.zeros((rows, self.filters), dtype=self.dtype)
        self._gwb = np.zeros_like(self._wb)
        kernel = initialize(cfg.get("kernel_initializer", "glorot_uniform"), shape, rng, self.dtype)
        self._wb[:k] = kernel.reshape(k, self.filters)
        self.params["kernel"] = self._wb[:k].reshape(shape)
        self.grads["kernel"] = self._gwb[:k].reshape(shape)
        if self.use_bias:
            self.params["bias"] = self._wb[k]
            self.grads["bias"] = self._gwb[k]
        self._k = k
        self.activation = get_activation(cfg.get("activation", "linear"), cfg.get("activation_params"), self.id)
        self._planes = cin * self.kw < _PLANE_RUN
        self._blocked = False  # the pixel order of the current buffers (see pool_blocks)
        self._n = -1
        self._col2im_kept: tuple | None = None  # _col2im_views: the views, with the buffers they belong to
        self._kernels: conv_pool_kernels.ConvPoolKernels | None = None  # None: not (yet) available
        self._first_asked_at: float | None = None  # when a training step first asked for them
        self._fused_state: tuple = ()  # the last compiled forward's (input, pooled, winners), for its gradient

    def share_weights(self, other: Conv2D) -> None:
        """Train `other`'s weight arrays from now on, with gradients of its own (a replica for a batch shard)."""
        self._wb = other._wb
        self.params["kernel"] = self._wb[: self._k].reshape(self.kh, self.kw, self.cin, self.filters)
        if self.use_bias:
            self.params["bias"] = self._wb[self._k]

    # ------------------------------------------------------------------ buffers per batch size
    def _select(self, n: int, training: bool) -> None:
        h, w, cin = self.input_shapes[0]
        hp, wp = h + self.pt + self.pb, w + self.pl + self.pr
        self._n = n
        self._blocked = training and self.pool_blocks is not None
        pixel_shape, _ = self._pixel_axes(n, 0, 0, 0)
        pixels = math.prod(pixel_shape)
        rows = self._wb.shape[0]
        one = 1.0 if self.use_bias else None  # the ones row/column is written once, at allocation
        if self._planes:
            # channels-first padded input (borders stay zero) and the transposed im2col matrix
            self._xp = self.buffer("xp", (cin, n, hp, wp), fill=0.0)
            self._cols = self.buffer("cols_t", (rows, pixels), fill=one)
            shape, strides = self._pixel_axes(n, *self._xp.strides[1:])
            self._cols_k = self._cols[: self._k].reshape(self.kh, self.kw, cin, *shape)
            s0, _, s2, s3 = self._xp.strides
            self._win = as_strided(self._xp, (self.kh, self.kw, cin, *shape), (s2, s3, s0, *strides))
        else:
            self._xp = self.buffer("xp", (n, hp, wp, cin), fill=0.0) if self.padded else None
            self._cols = self.buffer("cols", (pixels, rows), fill=one)
            shape, _ = self._pixel_axes(n, 0, 0, 0)
            self._cols_k = self._cols[:, : self._k].reshape(*shape, self.kh, self.kw, cin)
            self._win = None if self._xp is None else self._windows(self._xp)
        self._z = self.buffer("z", (pixels, self.filters))
        in_place = not self.activation.backward_uses_input
        self._y = self._z if in_place else self.buffer("y", (pixels, self.filters))
        self._out = self._y.reshape(*shape, self.filters)

    def _pixel_axes(self, n: int, s_n: int, s_h: int, s_w: int, natural: bool = False) -> tuple[tuple, tuple]:
        """Shape and strides of the output-pixel axes over an image with batch/row/column strides s_n, s_h,
        s_w (the top-left input value of each pixel's window): (n, oh, ow), or grouped by pool window offset
        (ph, pw, n, oh//ph, ow//pw) while `_blocked` — or, with `natural`, the pixels computed then in
        natural order (n, oh//ph·ph, ow//pw·pw)."""
        rs, cs = s_h * self.sh, s_w * self.sw
        if not self._blocked:
            return (n, self.oh, self.ow), (s_n, rs, cs)
        if natural:
            ph, pw = self.pool_blocks
            return (n, self.oh // ph * ph, self.ow // pw * pw), (s_n, rs, cs)
        # a last row/column the pool does not cover is not computed: nothing reads it, its gradient is 0
        ph, pw = self.pool_blocks
        return (ph, pw, n, self.oh // ph, self.ow // pw), (rs, cs, s_n, rs * ph, cs * pw)

    def _plane_windows(self, x: np.ndarray) -> np.ndarray:
        """(kh, kw, cin, pixel axes…) view of an unpadded, C-contiguous NHWC batch: the transposed im2col read
        straight from the caller's array, without its channels-first copy (for one input channel that copy is
        the batch itself, moved: ≈ 0.5 % of a step of the 28×28 one-block net)."""
        s_n, s_h, s_w, s_c = x.strides
        shape, strides = self._pixel_axes(x.shape[0], s_n, s_h, s_w)
        return np.ndarray((self.kh, self.kw, self.cin, *shape), x.dtype, x, 0, (s_h, s_w, s_c, *strides))

    def _windows(self, xp: np.ndarray) -> np.ndarray:
        """(pixel axes…, kh, kw, cin) view of the NHWC image: each output pixel's receptive field."""
        s0, s1, s2, s3 = xp.strides
        shape, strides = self._pixel_axes(xp.shape[0], s0, s1, s2)
        return as_strided(xp, (*shape, self.kh, self.kw, self.cin), (*strides, s1, s2, s3))

    # ------------------------------------------------------------------ forward
    def forward(self, inputs, training):
        x = inputs[0]
        if training and self.fused_run:
            return self._forward_fused(x)
        if not training:  # inference (predict chunks, histograms): buffers for this call only
            self.transient = True
            self._select(x.shape[0], False)
            self.transient = False
            self._n = -1  # the next training batch takes its kept buffers again
        elif x.shape[0] != self._n:
            self._select(x.shape[0], True)
        h, w = x.shape[1], x.shape[2]
        if self._planes:
            direct = _DIRECT_PLANES and not self.padded and x.flags.c_contiguous and x.size
            win = self._plane_windows(x) if direct else None
            if win is None:
                np.copyto(self._xp[:, :, self.pt : self.pt + h, self.pl : self.pl + w], x.transpose(3, 0, 1, 2))
                win = self._win
            np.copyto(self._cols_k, win)
            z = np.matmul(self._cols.T, self._wb, self._z)  # BLAS reads the transposed view directly
        else:
            if self._xp is not None:
                np.copyto(self._xp[:, self.pt : self.pt + h, self.pl : self.pl + w, :], x)
                win = self._win
            else:
                win = self._windows(x)
            if self._blocked and self._cols.size >= _CHUNKED_MIN:
                z = self._forward_by_block(win)
            else:
                np.copyto(self._cols_k, win)
                z = np.matmul(self._cols, self._wb, self._z)
        if not (training and self.defer_activation):
            self.activation.forward(z, self._y)
        return self._out

    def _forward_by_block(self, win: np.ndarray) -> np.ndarray:
        """The blocked forward one window offset at a time: each block's im2col rows are copied and at once
        multiplied while they are still in cache, instead of one copy of the whole matrix (7 MB for
        13×13×32 → 64) that the product then reads back. Every output row is the same dot product either
        way (the same BLAS kernel over the same K), so the rows come out as in one product."""
        cols_k, cols, wb, z = self._cols_k, self._cols, self._wb, self._z
        ph, pw = self.pool_blocks
        q = z.shape[0] // (ph * pw)
        for k in range(ph * pw):
            a, b = divmod(k, pw)
            np.copyto(cols_k[a, b], win[a, b])
            np.matmul(cols[k * q : (k + 1) * q], wb, z[k * q : (k + 1) * q])
        return z

    # ------------------------------------------------------------------ with the pool, compiled
    def fused_kernels(self, wait: bool = False) -> conv_pool_kernels.ConvPoolKernels | None:
        """The compiled conv + pool kernels for this layer, or None when there are none or (unless `wait` or
        conv_pool_kernels.WAIT) while they are not built: the build starts once this layer has asked for them
        for BUILD_AFTER_S (a short run stays on NumPy)."""
        if self._kernels is not None:
            return self._kernels
        wait = wait or conv_pool_kernels.WAIT
        if not wait:
            self._kernels = conv_pool_kernels.built(self.fused_shape)
            if self._kernels is not None:
                return self._kernels
            now = time.perf_counter()
            if self._first_asked_at is None:
                self._first_asked_at = now
            if now - self._first_asked_at < conv_pool_kernels.BUILD_AFTER_S:
                return None
        self._kernels = conv_pool_kernels.kernels_for(self.fused_shape, wait)
        return self._kernels

    def _forward_fused(self, x: np.ndarray) -> np.ndarray:
        """The pooled pre-activation (n, oh//ph, ow//pw, filters) of the conv and its pool in one compiled pass;
        the pool applies the relu (MaxPooling2D.forward). The winners are kept for the kernel gradient."""
        n, h, w = x.shape[:3]
        if self.padded:
            hp, wp = h + self.pt + self.pb, w + self.pl + self.pr
            xp = self.buffer("xp_fused", (n, hp, wp, self.cin), fill=0.0)  # the borders stay zero
            xp[:, self.pt : self.pt + h, self.pl : self.pl + w, :] = x
            x = xp
        else:
            x = np.ascontiguousarray(x)
        ph, pw = self.pool_blocks
        pooled = self.buffer("pooled", (n, self.oh // ph, self.ow // pw, self.filters))
        winner = self.buffer("winner", pooled.shape, np.uint8)
        bias = self._wb[self._k] if self.use_bias else self.buffer("no_bias", (self.filters,), fill=0.0)
        self._kernels.forward(x, self._wb[: self._k], bias, pooled, winner)
        self._fused_state = (x, pooled, winner)
        return pooled

    def _kernel_gradient_fused(self, grad_out: np.ndarray) -> None:
        x, pooled, winner = self._fused_state
        bias_grad = self._gwb[self._k] if self.use_bias else self.buffer("no_bias_grad", (self.filters,))
        g = np.ascontiguousarray(grad_out)
        self._kernels.kernel_gradient(x, g, pooled, winner, self._gwb[: self._k], bias_grad)

    # ------------------------------------------------------------------ backward
    def backward(self, grad_out):
        pixels = self._z.shape[0]
        g = grad_out.reshape(pixels, self.filters)
        if not self.skip_activation_backward:
            g = self.activation.backward(self._z, self._y, g)
        # kernel and bias gradient in one product (the ones row/column of im2col sums the bias gradient)
        if self._planes:
            np.matmul(self._cols, g, self._gwb)
        else:
            # gᵀ·cols, then transposed into place (18k values): BLAS runs this orientation ≈ 10% faster
            # than colsᵀ·g for the long, thin product of the second conv (6400 × 289 × 64)
            gwb_t = np.matmul(g.T, self._cols, self.buffer("gwb_t", self._gwb.shape[::-1]))
            np.copyto(self._gwb, gwb_t.T)
        if not self.need_input_grad:
            return [None]
        kernel = self._wb[: self._k]
        if self._blocked:
            # back to the natural pixel order (one copy of g, runs of `filters` values) so that col2im adds
            # runs of a whole output row (ow·cin values) instead of cin: 1.6 → 1.1 ms at 13×13×32 → 64
            ph, pw = self.pool_blocks
            _, _, n, oh, ow = self._pixel_axes(self._n, 0, 0, 0)[0]
            natural = self.buffer("g_natural", (n, oh, ph, ow, pw, self.filters))
            np.copyto(natural, g.reshape(ph, pw, n, oh, ow, self.filters).transpose(2, 3, 0, 4, 1, 5))
            g = natural.reshape(pixels, self.filters)
        if self._planes:
            return [self._col2im_planes(np.matmul(kernel, g.T, self.buffer("dcols_t", (self._k, pixels))))]
        return [self._input_gradient(g, kernel)]

    def takes_pool_gradient(self, pool: MaxPooling2D) -> bool:
        """Whether the network should hand the gradient of `pool` (this layer's only reader) straight to
        `kernel_gradient_through`: no input gradient wanted, the blocked order, and blocks large enough for
        the saved memory traffic to pay for the extra calls (8×8 digits: 9k values a block, 15% slower) — or
        the compiled kernels ran the forward."""
        if self.fused_run:
            return True
        return not self.need_input_grad and pool._from_blocks and pool._y.size >= _ROUTED_BLOCK_MIN

    def kernel_gradient_through(self, pool: MaxPooling2D, grad_out: np.ndarray) -> None:
        """Kernel and bias gradient straight from the gradient of the pool that reads this layer's blocked
        output, when no input gradient is wanted (the first conv of a network): the pool routes one window
        offset's block at a time into a buffer that stays in cache, and that block's product with its im2col
        rows is added up here, instead of the pool writing the whole (ph·pw times larger) gradient of the conv
        output to memory for one product to read back. After a compiled forward, the compiled kernel gradient."""
        if self.fused_run:
            self._kernel_gradient_fused(grad_out)
            return
        filters, gwb = self.filters, self._gwb
        part = self.buffer("gwb_part", gwb.shape if self._planes else gwb.shape[::-1])
        total = gwb if self._planes else self.buffer("gwb_t", gwb.shape[::-1])
        for k, dz in pool.routed_blocks(grad_out, self.buffer("dz_block", pool._y.shape)):
            q = dz.size // filters
            dz = dz.reshape(q, filters)
            if not self.skip_activation_backward:  # the pool did not take the activation's derivative
                rows = slice(k * q, (k + 1) * q)
                dz = self.activation.backward(self._z[rows], self._y[rows], dz)
            if self._planes:
                np.matmul(self._cols[:, k * q : (k + 1) * q], dz, total if k == 0 else part)
            else:
                np.matmul(dz.T, self._cols[k * q : (k + 1) * q], total if k == 0 else part)
            if k:
                total += part
        if not self._planes:
            np.copyto(gwb, total.T)

    def _input_gradient(self, g: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        """col2im of g·kernelᵀ, one kernel offset at a time: each offset's product (pixels × cin) goes into
        one buffer that stays in cache and is added straight into the (padded) NHWC input gradient, instead
        of one batched product whose kh·kw images (7 MB for 13×13×32 → 64) are read back from memory."""
        dxp, part, image, offset_views, rest = self._col2im_views(g.shape[0])
        per_offset = kernel.reshape(self.kh * self.kw, self.cin, self.filters)
        if rest is not None:
            # offset (0, 0) covers the top-left block of output pixels: assign it, zero the rest, add the others
            np.matmul(g, per_offset[0].T, part)
            np.copyto(offset_views[0], image)
            for block in rest:
                block.fill(0.0)
            first = 1
        else:
            dxp.fill(0.0)
            first = 0
        for k in range(first, self.kh * self.kw):
            np.matmul(g, per_offset[k].T, part)
            np.add(offset_views[k], image, offset_views[k])
        h, w = self.input_shapes[0][:2]
        if self.padded:
            return dxp[:, self.pt : self.pt + h, self.pl : self.pl + w, :]
        return dxp

    def _col2im_views(self, pixels: int) -> tuple:
        """The input gradient's buffers and, per kernel offset, the view of the input positions it saw, made
        once per buffer: making them is Python work (as_strided ≈ 6 µs a view), which in a split batch holds
        the interpreter lock while the other shard waits for it. Also the blocks that offset (0, 0) does not
        cover with stride 1 (zeroed each time), or None."""
        n = self._n
        h, w, cin = self.input_shapes[0]
        dxp = self.buffer("dxp", (n, h + self.pt + self.pb, w + self.pl + self.pr, cin))
        part = self.buffer("dcols", (pixels, cin))
        kept = self._col2im_kept
        if kept is not None and kept[0] is dxp and kept[1] is part:
            return kept
        s0, s1, s2, s3 = dxp.strides
        shape, strides = self._pixel_axes(n, s0, s1, s2, natural=True)
        views = [as_strided(dxp[:, i:, j:, :], (*shape, cin), (*strides, s3))
                 for i, j in (divmod(k, self.kw) for k in range(self.kh * self.kw))]  # fmt: skip
        oh, ow = shape[1], shape[2]
        rest = (dxp[:, oh:], dxp[:, :oh, ow:]) if self.sh == self.sw == 1 else None
        self._col2im_kept = (dxp, part, part.reshape(*shape, cin), views, rest)
        return self._col2im_kept

    def _col2im_planes(self, dcols_t: np.ndarray) -> np.ndarray:
        """col2im for the transposed layout: accumulate plane by plane, then back to NHWC."""
        n = self._n
        h, w, cin = self.input_shapes[0]
        dxp = self.buffer("dxp_t", (cin, n, h + self.pt + self.pb, w + self.pl + self.pr))
        s0, s1, s2, s3 = dxp.strides
        shape, strides = self._pixel_axes(n, s1, s2, s3, natural=True)
        planes = dcols_t.reshape(self.kh, self.kw, cin, *shape)
        dxp.fill(0.0)
        for i in range(self.kh):
            for j in range(self.kw):
                view = as_strided(dxp[:, :, i:, j:], (cin, *shape), (s0, *strides))
                view += planes[i, j]
        dx = self.buffer("dx", (n, h, w, cin))
        np.copyto(dx, dxp[:, :, self.pt : self.pt + h, self.pl : self.pl + w].transpose(1, 2, 3, 0))
        return dx


class MaxPooling2D(BufferedLayer):
    """Max over each window; the gradient goes to one winner per window (the first maximum in row-major
    window order, like TF/PyTorch). "same" padding pads with −inf so padding never wins."""

    type_name = "MaxPooling2D"
    need_input_grad = True
    #: set by the network when this pool is the only reader of a Conv2D whose element-wise activation's
    #: derivative depends on its output alone: the winner's output is the pooled value, so that derivative
    #: is applied here on the pooled gradient (a quarter of the values for 2×2) and the conv skips it
    upstream_activation = None
    #: while training, also apply that activation here, after pooling (set for relu only: max and relu
    #: commute exactly, and a tie in relu values that is not one in the inputs has zero gradient)
    upstream_deferred = False
    #: set by the network when the conv below writes its training output grouped by window offset
    #: (Conv2D.pool_blocks): pooling is then a maximum over ph·pw contiguous blocks
    blocked_input = False
    #: set by the network for each forward: the conv below pooled in its compiled kernel (Conv2D.fused_run), so
    #: the input is already the pooled pre-activation
    fused_run = False

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
        # windows that tile the image (stride = pool size, nothing padded): pooling by reshape
        self._tiled = (self.sh, self.sw) == (self.ph, self.pw) and not (self.pt or self.pb or self.pl or self.pr)

    def forward(self, inputs, training):
        x = inputs[0]
        self._x = x
        if training and self.fused_run:  # the relu deferred to after the pool (a condition of fused_run)
            self._y = x
            self._act = self.upstream_activation.forward(x, self.buffer("act", x.shape))
            return self._act
        if not self._tiled:
            return self._forward_strided(x)
        self.transient = not training  # keep buffers for training batches only
        self._from_blocks = training and self.blocked_input
        out = self._forward_blocks(x) if self._from_blocks else self._forward_tiled(x)
        self.transient = False
        self._act = out  # the output the upstream activation's derivative is taken at
        if training and self.upstream_deferred:
            self._act = self.upstream_activation.forward(out, self.buffer("act", out.shape))
        return self._act

    def backward(self, grad_out):
        if not self.need_input_grad:
            return [None]
        if self._tiled:
            return [self._backward_blocks(grad_out) if self._from_blocks else self._backward_tiled(grad_out)]
        return [self._backward_strided(grad_out)]

    # ------------------------------------------------------------------ tiled windows (reshape)
    def _blocks(self, x: np.ndarray) -> np.ndarray:
        """(n, oh, ph, ow, pw, c) view of the part of x the windows cover (a trailing row/column may not be)."""
        n, c = x.shape[0], x.shape[3]
        covered = x[:, : self.oh * self.ph, : self.ow * self.pw, :]
        return covered.reshape(n, self.oh, self.ph, self.ow, self.pw, c)

    def _forward_tiled(self, x):
        n, c = x.shape[0], x.shape[3]
        v = self._blocks(x)
        # first the max along each window row (over pw), then over the rows (ph)
        if self.pw == 1:
            rows = v[:, :, :, :, 0, :]
        else:
            rows = self.buffer("rows", (n, self.oh, self.ph, self.ow, c))
            _max_of([v[:, :, :, :, j, :] for j in range(self.pw)], rows)
        out = self.buffer("y", (n, self.oh, self.ow, c))
        _max_of([rows[:, :, i] for i in range(self.ph)], out)
        self._rows, self._y = rows, out
        return out

    def _backward_tiled(self, grad_out):
        x, rows, out = self._x, self._rows, self._y
        if self.upstream_activation is not None:
            grad_out = self.upstream_activation.backward(self._act, self._act, grad_out)
        n, h, w, c = x.shape
        dx = self.buffer("dx", (n, h, w, c))
        if h != self.oh * self.ph or w != self.ow * self.pw:
            dx.fill(0.0)  # the uncovered trailing row/column gets no gradient
        if self.pw == 1:
            grows = self._blocks(dx)[:, :, :, :, 0, :]
        else:
            grows = self.buffer("grows", (n, self.oh, self.ph, self.ow, c))
        # which row of each window holds the winner, then which column of that row
        _route_to_first_max([rows[:, :, i] for i in range(self.ph)], out, grad_out,
                            [grows[:, :, i] for i in range(self.ph)], self.buffer("hit", out.shape, np.bool_))
        if self.pw > 1:
            v, dv = self._blocks(x), self._blocks(dx)
            hit = self.buffer("hit", rows.shape, np.bool_)
            _route_to_first_max([v[:, :, :, :, j, :] for j in range(self.pw)], rows, grows,
                                [dv[:, :, :, :, j, :] for j in range(self.pw)], hit)
        return dx

    # ------------------------------------------------------------------ the conv's window-offset blocks
    def _forward_blocks(self, x: np.ndarray) -> np.ndarray:
        """x: (ph, pw, n, oh, ow, c) from a Conv2D with pool_blocks; the maximum over the ph·pw blocks."""
        blocks = x.reshape(self.ph * self.pw, *x.shape[2:])
        self._x_blocks = blocks
        out = self.buffer("y", blocks.shape[1:])
        _max_of(list(blocks), out)
        self._y = out
        return out

    def routed_blocks(self, grad_out, buf):
        """The blocked backward one window offset at a time: yields (k, gradient of block k), each in `buf`
        but the last (then in grad_out, which this overwrites); the same values as `_backward_blocks`."""
        blocks, out = self._x_blocks, self._y
        if self.upstream_activation is not None:
            grad_out = self.upstream_activation.backward(self._act, self._act, grad_out)
        hit = self.buffer("hit", out.shape, np.bool_)
        last = len(blocks) - 1
        for k in range(last):
            np.equal(blocks[k], out, hit)
            np.multiply(grad_out, hit, buf)
            np.subtract(grad_out, buf, grad_out)  # what later blocks may still take (0 once taken)
            yield k, buf
        yield last, grad_out

    def _backward_blocks(self, grad_out):
        blocks, out = self._x_blocks, self._y
        if self.upstream_activation is not None:
            grad_out = self.upstream_activation.backward(self._act, self._act, grad_out)
        dx = self.buffer("dx_blocks", blocks.shape)
        # blocks run in row-major window order, so the first equal block is the first maximum, as above
        _route_to_first_max(list(blocks), out, grad_out, list(dx), self.buffer("hit", out.shape, np.bool_))
        return dx.reshape(self.ph, self.pw, *out.shape)

    # ------------------------------------------------------------------ general strides and padding
    def _padded(self, x: np.ndarray) -> np.ndarray:
        if not (self.pt or self.pb or self.pl or self.pr):
            return x
        return np.pad(x, ((0, 0), (self.pt, self.pb), (self.pl, self.pr), (0, 0)), constant_values=-np.inf)

    def _forward_strided(self, x):
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
        self._y = out
        return out

    def _backward_strided(self, grad_out):
        n, h, w, c = self._x.shape
        dxp = np.zeros((n, h + self.pt + self.pb, w + self.pl + self.pr, c), dtype=grad_out.dtype)
        taken = np.zeros(grad_out.shape, dtype=bool)  # windows whose winner is already assigned
        hit = np.empty(grad_out.shape, dtype=bool)
        for i in range(self.ph):
            rows = window(i, self.sh, self.oh)
            for j in range(self.pw):
                cols = window(j, self.sw, self.ow)
                # first maximum in row-major window order wins: one winner per window, even on ties
                np.equal(self._xp_cache[:, rows, cols, :], self._y, out=hit)
                hit &= ~taken
                taken |= hit
                dxp[:, rows, cols, :] += np.multiply(grad_out, hit)
        return dxp[:, self.pt : self.pt + h, self.pl : self.pl + w, :]


def _max_of(parts: list[np.ndarray], out: np.ndarray) -> np.ndarray:
    """Element-wise maximum of `parts` (same shapes) into `out`."""
    if len(parts) == 1:
        return np.copyto(out, parts[0]) or out
    np.maximum(parts[0], parts[1], out=out)
    for p in parts[2:]:
        np.maximum(out, p, out=out)
    return out


def _route_to_first_max(parts, best, grad, outs, hit) -> None:
    """outs[k] = grad where parts[k] is the first of `parts` equal to `best`, else 0.

    `grad` (owned by the caller, may be overwritten) carries what is not yet assigned: once a part has
    taken it, the rest is grad − grad = 0 exactly, so later ties receive nothing.
    """
    last = len(parts) - 1
    rest = grad
    for k in range(last):
        np.equal(parts[k], best, hit)
        np.multiply(rest, hit, outs[k])
        if k < last - 1:
            np.subtract(rest, outs[k], rest)
    if last == 0:
        np.copyto(outs[0], rest)
    else:
        np.subtract(rest, outs[last - 1], outs[last])
