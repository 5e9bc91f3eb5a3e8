"""The core layers: Input, Dense, Activation, Dropout, Flatten, Add, Concatenate.

Speed habits (see /work/shared/notes/engine-performance.md): every layer keeps its output and gradient
buffers per batch size and writes into them with positional `out` arguments, so a training step allocates
almost nothing. Consequences the network relies on:
  - forward never modifies its inputs; its returned array is only valid until the next forward;
  - backward may overwrite the gradient it is given (the network hands each layer a gradient it owns);
  - a layer with `need_input_grad = False` may return None instead of its input gradient (the network
    sets it on layers with nothing trainable upstream, e.g. the first Dense).
"""

from __future__ import annotations

import numpy as np

from designer.engine.activations import get_activation
from designer.engine.initializers import initialize
from designer.engine.layer_base import Layer

_sum_rows = np.add.reduce

# Buffers are kept for a few batch sizes (training batch, the smaller last batch, prediction chunks).
_MAX_CACHED_SIZES = 4


class BufferedLayer(Layer):
    """A layer with per-batch-size scratch arrays."""

    need_input_grad = True

    def __init__(self, node_id: str, params: dict, dtype=np.float32):
        super().__init__(node_id, params, dtype)
        self._buffers: dict[tuple, np.ndarray] = {}
        #: True while a layer works on a batch it should not keep buffers for (inference chunks of up to
        #: 1024 rows: a conv layer's im2col matrix for them can be 100+ MB)
        self.transient = False

    def buffer(self, name: str, shape: tuple[int, ...], dtype=None, fill=None) -> np.ndarray:
        """The scratch array `name` of this shape; `fill` initialises a new one (zero borders, ones columns
        that the layer never overwrites afterwards)."""
        key = (name, shape)
        arr = None if self.transient else self._buffers.get(key)
        if arr is None and self.transient:
            arr = np.empty(shape, dtype or self.dtype)
            if fill is not None:
                arr.fill(fill)
        elif arr is None:
            if len(self._buffers) > 4 * _MAX_CACHED_SIZES:
                self._buffers.clear()
            arr = self._buffers[key] = np.empty(shape, dtype or self.dtype)
            if fill is not None:
                arr.fill(fill)
        return arr


class Input(Layer):
    type_name = "Input"

    def build(self, input_shapes, rng):
        super().build(input_shapes, rng)
        self.output_shape = tuple(self.config["shape"])

    def forward(self, inputs, training):
        return inputs[0]

    def backward(self, grad_out):
        return [grad_out]


class Dense(BufferedLayer):
    """y = activation(x·W + b). The activation lives inside the layer so a softmax/sigmoid output can
    take the fused loss gradient (`skip_activation_backward`, set by the network)."""

    type_name = "Dense"

    def __init__(self, node_id: str, params: dict, dtype=np.float32):
        super().__init__(node_id, params, dtype)
        self.units = int(params["units"])
        self.use_bias = bool(params.get("use_bias", True))
        self.activation = get_activation(
            params.get("activation", "linear"), params.get("activation_params"), f"{node_id}.activation"
        )
        self.skip_activation_backward = False
        self._n = -1
        self.wb: np.ndarray | None = None

    def build(self, input_shapes, rng):
        super().build(input_shapes, rng)
        (n_in,) = self.input_shapes[0]
        kernel = initialize(self.config.get("kernel_initializer", "glorot_uniform"), (n_in, self.units), rng,
                            self.dtype)  # fmt: skip
        # kernel and bias are views of one (n_in [+ 1]) × units matrix, the bias its last row: a caller with a
        # column of ones after its input does the affine map, and gets both gradients, in one product
        # (designer.engine.step's Dense chain plan), and updates both in one subtraction
        wb = np.zeros((n_in + int(self.use_bias), self.units), dtype=self.dtype)
        wb[:n_in] = kernel
        if self.use_bias:
            wb[n_in] = initialize(self.config.get("bias_initializer", "zeros"), (self.units,), rng, self.dtype)
        self.output_shape = (self.units,)
        self.place(wb, np.zeros_like(wb))

    def place(self, wb: np.ndarray, gwb: np.ndarray) -> None:
        """Keep the combined weights in `wb` and their gradient in `gwb` (copying the current weights over):
        a training plan may lay several layers' matrices side by side in one array to update them at once."""
        if getattr(self, "wb", None) is not None and self.wb is not wb:
            np.copyto(wb, self.wb)
        self.wb, self.gwb = wb, gwb
        n_in = self.input_shapes[0][0]
        self.params["kernel"], self.grads["kernel"] = wb[:n_in], gwb[:n_in]
        if self.use_bias:
            self.params["bias"], self.grads["bias"] = wb[n_in], gwb[n_in]
        self._kernel = self.params["kernel"]
        self._bias = self.params.get("bias")
        self._gkernel = self.grads["kernel"]
        self._gbias = self.grads.get("bias")

    def share_weights(self, other: Dense) -> None:
        """Train `other`'s weight arrays from now on, with gradients of its own (a replica for a batch shard)."""
        self.wb = None  # place() must not copy this layer's initial values over them
        self.place(other.wb, np.zeros_like(other.gwb))

    def _select(self, n: int) -> None:
        self._n = n
        self._z = self.buffer("z", (n, self.units))
        self._y = self._z if self.activation.name == "linear" else self.buffer("y", (n, self.units))
        self._gx = self.buffer("gx", (n, *self.input_shapes[0]))

    def forward(self, inputs, training):
        x = inputs[0]
        if x.shape[0] != self._n:
            self._select(x.shape[0])
        z = np.matmul(x, self._kernel, self._z)
        if self._bias is not None:
            z += self._bias
        self._x = x
        self._out = self.activation.forward(z, self._y)
        return self._out

    def backward(self, grad_out):
        g = grad_out
        if not self.skip_activation_backward:
            g = self.activation.backward(self._z, self._out, g)
        x = self._x
        np.matmul(x.T, g, self._gkernel)
        if self._gbias is not None:
            _sum_rows(g, 0, None, self._gbias)  # the ufunc directly: np.sum's Python wrapper costs µs
        if not self.need_input_grad:
            return [None]
        return [np.matmul(g, self._kernel.T, self._gx)]


class Activation(BufferedLayer):
    type_name = "Activation"

    def __init__(self, node_id: str, params: dict, dtype=np.float32):
        super().__init__(node_id, params, dtype)
        self.activation = get_activation(
            params.get("activation", "relu"), params.get("activation_params"), f"{node_id}.activation"
        )
        self.skip_activation_backward = False

    def build(self, input_shapes, rng):
        super().build(input_shapes, rng)
        self.output_shape = self.input_shapes[0]

    def forward(self, inputs, training):
        x = inputs[0]
        self._x = x
        self._out = self.activation.forward(x, self.buffer("y", x.shape))
        return self._out

    def backward(self, grad_out):
        if self.skip_activation_backward:
            return [grad_out]
        return [self.activation.backward(self._x, self._out, grad_out)]


class Dropout(BufferedLayer):
    """Inverted dropout: while training, keep each value with probability 1 − rate and scale it by
    1/(1 − rate), so inference is the identity. The mask comes from a generator spawned from the network's
    seeded one; tests may pin `fixed_mask` (already scaled) to make the layer deterministic."""

    type_name = "Dropout"

    def __init__(self, node_id: str, params: dict, dtype=np.float32):
        super().__init__(node_id, params, dtype)
        self.rate = float(params.get("rate", 0.5))
        self.rng = np.random.default_rng(0)
        self.fixed_mask: np.ndarray | None = None
        self._mask: np.ndarray | None = None

    def build(self, input_shapes, rng):
        super().build(input_shapes, rng)
        self.output_shape = self.input_shapes[0]
        self.rng = rng.spawn(1)[0]

    def _draw_mask(self, shape) -> np.ndarray:
        u = self.rng.random(shape, dtype=self.dtype, out=self.buffer("u", shape))
        keep = np.greater_equal(u, self.rate, self.buffer("keep", shape, np.bool_))
        return np.multiply(keep, 1.0 / (1.0 - self.rate), self.buffer("mask", shape))

    def forward(self, inputs, training):
        x = inputs[0]
        if not training or self.rate == 0.0:
            self._mask = None
            return x
        mask = self.fixed_mask if self.fixed_mask is not None else self._draw_mask(x.shape)
        self._mask = mask
        return np.multiply(x, mask, self.buffer("y", x.shape))

    def backward(self, grad_out):
        if self._mask is not None:
            grad_out *= self._mask
        return [grad_out]


class Flatten(Layer):
    type_name = "Flatten"

    def build(self, input_shapes, rng):
        super().build(input_shapes, rng)
        self.output_shape = (int(np.prod(self.input_shapes[0])),)

    def forward(self, inputs, training):
        x = inputs[0]
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out):
        return [grad_out.reshape((grad_out.shape[0], *self.input_shapes[0]))]


class Add(BufferedLayer):
    type_name = "Add"

    def build(self, input_shapes, rng):
        super().build(input_shapes, rng)
        self.output_shape = self.input_shapes[0]

    def forward(self, inputs, training):
        out = np.add(inputs[0], inputs[1], self.buffer("y", inputs[0].shape))
        for x in inputs[2:]:
            out += x
        return out

    def backward(self, grad_out):
        # every input receives the same gradient; copies keep each one owned by a single consumer
        return [grad_out] + [grad_out.copy() for _ in self.input_shapes[1:]]


class Concatenate(BufferedLayer):
    type_name = "Concatenate"

    def build(self, input_shapes, rng):
        super().build(input_shapes, rng)
        rank = len(self.input_shapes[0])
        self.axis = int(self.config.get("axis", -1)) % rank  # without the batch axis
        sizes = [s[self.axis] for s in self.input_shapes]
        self._splits = np.cumsum(sizes)[:-1].tolist()
        out = list(self.input_shapes[0])
        out[self.axis] = sum(sizes)
        self.output_shape = tuple(out)

    def forward(self, inputs, training):
        n = inputs[0].shape[0]
        out = self.buffer("y", (n, *self.output_shape))
        return np.concatenate(inputs, axis=self.axis + 1, out=out)

    def backward(self, grad_out):
        # disjoint views: each input owns its own part of the gradient
        return np.split(grad_out, self._splits, axis=self.axis + 1)


CORE_LAYERS: dict[str, type[Layer]] = {
    c.type_name: c for c in (Input, Dense, Activation, Dropout, Flatten, Add, Concatenate)
}
