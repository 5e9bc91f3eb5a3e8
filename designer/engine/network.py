"""A Network compiled from the user's Graph: forward in topological order, backward in reverse.

Any DAG with one Input and one output works; where a tensor fans out to several layers, the gradients
coming back are summed. The hot path (`train_batch`) is a flat list of precomputed steps over layers that
write into their own buffers, so small networks pay few NumPy calls and large ones allocate almost nothing.

How a training step runs beyond the maths (plain SGD folded into the gradients, the BLAS thread count for
small Dense batches) is the job of `step_strategy` (designer.engine.step).

The running methods take a lock, so a window may call `predict` while the trainer's thread trains: the
call waits for the current step. Arrays returned by `forward` and `predict` are new; `activations` holds
the layers' own buffers from the last forward pass of any kind (train_batch, forward, predict's last chunk).
"""

from __future__ import annotations

import functools
import math
import threading

import numpy as np

from designer.engine import conv_pool_kernels
from designer.engine.factory import make_layer
from designer.engine.layer_base import Layer
from designer.engine.losses import Loss
from designer.engine.registry import LAYER_TYPES
from designer.engine.step import StepStrategy
from designer.errors import GraphError, TrainingError


def _raise_first_problem(graph, analysis) -> None:
    """Raise the typed exception the analysis' first error carries (CycleError, ShapeError, ParamError …)."""
    raise next(p for p in analysis.problems if p.severity == "error").exception()


def locked(method):
    """The method runs holding `self._lock` (both engines' networks: a window's predict waits for the step)."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return run


class TargetUnits:
    """What every engine's network answers the same way on top of its own `predict_raw`: outputs in the
    regression target's own units when `target_scaling` is set."""

    target_scaling: tuple[np.ndarray, np.ndarray] | None
    dtype: np.dtype

    @locked
    def predict(self, x, batch_size: int = 1024) -> np.ndarray:
        """Outputs in inference mode (dropout off, moving statistics), computed in chunks; in the target's own
        units when `target_scaling` is set."""
        out = self.predict_raw(x, batch_size)
        if self.target_scaling is not None:
            mean, scale = self.target_scaling
            out = (out * scale.astype(self.dtype) + mean.astype(self.dtype)).astype(self.dtype, copy=False)
        return out


class Network(TargetUnits):
    def __init__(
        self, layers: dict[str, Layer], sources: dict[str, list[str]], dtype=np.float32, output_id: str | None = None
    ):
        self.layers = layers
        self.order = list(layers)
        self.sources = sources
        self.dtype = np.dtype(dtype)
        inputs = [nid for nid, layer in layers.items() if layer.type_name == "Input"]
        self.input_id = inputs[0]
        # with a single sink, the last node in topological order is the output
        self.output_id = output_id or self.order[-1]
        self.input_shape: tuple[int, ...] = tuple(layers[self.input_id].output_shape)
        self.output_shape: tuple[int, ...] = tuple(layers[self.output_id].output_shape)
        self.activations: dict[str, np.ndarray] = {}
        # the forward plan skips the Input node, whose "output" is the batch itself
        self._plan = [(nid, layers[nid], sources[nid]) for nid in self.order if nid != self.input_id]
        self._reverse_plan = self._plan[::-1]
        self._param_index = [(layer, name) for layer in layers.values() for name in layer.params]
        self._kernel_index = [(layer, name) for layer, name in self._param_index if name == "kernel"]
        out_layer = layers[self.output_id]
        # the output activation the fused softmax/sigmoid + cross-entropy gradient can replace
        self._fusable = (
            out_layer.activation.name
            if hasattr(out_layer, "skip_activation_backward") and hasattr(out_layer, "activation")
            else None
        )
        self._input_grad_mode: bool | None = None
        self._set_input_grad_mode(False)
        self._grad_scale = 1.0  # layers' grads hold scale·gradient after a fused plain-SGD step
        self._lock = threading.RLock()
        # A standardised regression target (data.target_scaling): the layers work in standard units and
        # `predict` answers in the target's own, y = out * target_scale + target_mean. None: outputs as they are.
        self.target_scaling: tuple[np.ndarray, np.ndarray] | None = None
        self._fuse_pooled_activations()
        self.step_strategy = StepStrategy(self)

    def _fuse_pooled_activations(self) -> None:
        """Where a tiled MaxPooling2D is the only reader of a Conv2D whose activation derivative depends on
        the output alone (relu, tanh, sigmoid), the pool applies that derivative to its pooled gradient: the
        winner's output is the pooled value and every other position gets no gradient, so the result is the
        same, from a quarter of the values (2×2), and the conv skips its full-size pass. A relu moves after
        the pool while training (forward too); inference runs every layer as declared."""
        readers: dict[str, list[str]] = {nid: [] for nid in self.layers}
        for nid, srcs in self.sources.items():
            for s in srcs:
                readers[s].append(nid)
        self._pool_into_conv: dict[str, Layer] = {}
        for nid, pool in self.layers.items():
            if pool.type_name != "MaxPooling2D" or not getattr(pool, "_tiled", False):
                continue
            src = self.sources[nid][0]
            conv = self.layers[src]
            act = getattr(conv, "activation", None)
            if conv.type_name != "Conv2D" or readers[src] != [nid] or src == self.output_id or act is None:
                continue
            if conv.oh >= pool.ph and conv.ow >= pool.pw:
                # the windows tile the conv's output (but maybe a last row/column): one block per window offset
                conv.pool_blocks = (pool.ph, pool.pw)
                pool.blocked_input = True
                self._pool_into_conv[nid] = conv
            if act.backward_uses_input or not act.elementwise or act.name == "linear":
                continue
            conv.skip_activation_backward = True
            pool.upstream_activation = act
            # relu also moves after the pool while training: one pass over a quarter of the values
            conv.defer_activation = pool.upstream_deferred = act.name == "relu"
            if conv.defer_activation and conv.pool_blocks is not None:
                # conv, relu and pool may train as one compiled kernel (designer.engine.conv_pool_kernels)
                conv.fused_shape = conv_pool_kernels.shape_of(conv.kh, conv.kw, conv.cin, (conv.sh, conv.sw),
                                                              conv.pool_blocks, self.dtype)

    def _compiled_pairs(self):
        """(pool, conv) of each pair whose conv has a compiled kernel shape (Conv2D.fused_shape)."""
        for nid, conv in self._pool_into_conv.items():
            if conv.fused_shape is not None:
                yield self.layers[nid], conv

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_graph(cls, graph, input_shape=None, seed: int | None = 0, dtype=np.float32) -> Network:
        """Compile `graph` (raises ShapeError/GraphError/ParamError naming the first problem).

        The same seed gives the same initial weights and the same dropout masks.
        """
        shape = tuple(int(d) for d in input_shape) if input_shape is not None else None
        analysis = graph.analyze(shape)
        if not analysis.ok:
            _raise_first_problem(graph, analysis)
        if not graph.nodes:
            raise GraphError("the network is empty: add an Input layer")
        order = graph.topological_order()
        rng = np.random.default_rng(seed)
        layers: dict[str, Layer] = {}
        sources: dict[str, list[str]] = {}
        for nid in order:
            node = graph.nodes[nid]
            params = LAYER_TYPES[node.type].coerce_params(node.params, f"{nid}.params")
            if node.type == "Input":
                params["shape"] = list(analysis.shapes[nid])
            layer = make_layer(nid, node.type, params, dtype)
            srcs = graph.inputs_of(nid)
            layer.build([analysis.shapes[s] for s in srcs], rng)
            layer.output_shape = tuple(analysis.shapes[nid])  # the registry's shape rule is the reference
            layers[nid] = layer
            sources[nid] = srcs
        outputs = [nid for nid in graph.output_nodes() if graph.nodes[nid].type != "Input"] or order[-1:]
        return cls(layers, sources, dtype, outputs[0])

    def _set_input_grad_mode(self, wanted: bool) -> None:
        """Tell each layer whether its input gradient is needed: only if something trainable lies upstream
        (or the caller asked for the gradient w.r.t. the network input)."""
        if wanted == self._input_grad_mode:
            return
        trainable_upstream: dict[str, bool] = {self.input_id: wanted}
        for nid, layer, srcs in self._plan:
            needed = any(trainable_upstream[s] for s in srcs)
            layer.need_input_grad = needed
            trainable_upstream[nid] = needed or bool(layer.params)
        self._input_grad_mode = wanted

    # ------------------------------------------------------------------ running
    def _as_batch(self, x) -> np.ndarray:
        x = np.asarray(x)
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        if x.shape[1:] != self.input_shape:
            if x.ndim >= 1 and math.prod(x.shape[1:]) == math.prod(self.input_shape):
                # flat rows feed a shaped Input in C order (an 8×8 image stored as 64 columns)
                return x.reshape((x.shape[0], *self.input_shape))
            raise TrainingError(
                f"the data has shape {list(x.shape[1:])} per sample but the network's input is {list(self.input_shape)}"
            )
        return x

    def wait_for_compiled_kernels(self) -> None:
        """Wait until the compiled conv + pool kernels this network can train with are built (or known to be
        unavailable): what a benchmark of the steady state does first."""
        for _, conv in self._compiled_pairs():
            conv.fused_kernels(wait=True)

    def _forward(self, x: np.ndarray, training: bool, fuse: bool = False) -> np.ndarray:
        """`fuse`: a training step's forward (no input gradient will be asked for), so a first conv and its pool
        may run their compiled kernels, which keep nothing an input gradient would need."""
        for pool, conv in self._compiled_pairs():
            conv.fused_run = pool.fused_run = (
                fuse and training and not conv.need_input_grad and conv.pool_blocks is not None
                and conv.defer_activation and conv.fused_kernels() is not None
            )
        acts = self.activations
        acts[self.input_id] = x
        for nid, layer, srcs in self._plan:
            acts[nid] = layer.forward([acts[s] for s in srcs], training)
        return acts[self.output_id]

    def _backward(self, grad: np.ndarray, fused: bool) -> np.ndarray | None:
        if self._fusable is not None:
            self.layers[self.output_id].skip_activation_backward = fused
        pending: dict[str, np.ndarray] = {self.output_id: grad}
        for nid, layer, srcs in self._reverse_plan:
            g = pending.pop(nid, None)
            if g is None:
                continue
            conv = self._pool_into_conv.get(nid)
            if conv is not None and conv.takes_pool_gradient(layer):
                conv.kernel_gradient_through(layer, g)  # the pool's and the conv's backward in one go
                continue
            for s, gi in zip(srcs, layer.backward(g)):
                if gi is None:
                    continue
                prev = pending.get(s)
                # a new array, not +=: both addends may be buffers their layers still own
                pending[s] = gi if prev is None else prev + gi
        return pending.get(self.input_id)

    @locked
    def forward(self, x, training: bool = False) -> np.ndarray:
        """Output for a batch x (batch, *input_shape), as a new array."""
        return self._forward(self._as_batch(x), training).copy()

    @locked
    def backward(self, grad_out, input_grad: bool = False) -> np.ndarray | None:
        """Back-propagate dL/d(output) of the last forward; fills every layer's `grads`.

        Returns dL/d(input) when `input_grad` is true, else None.
        """
        g = np.array(grad_out, dtype=self.dtype, copy=True)
        self._grad_scale = 1.0
        self._set_input_grad_mode(input_grad)
        try:
            gx = self._backward(g, fused=False)
        finally:
            self._set_input_grad_mode(False)
        return gx if input_grad else None

    def fused_with(self, loss: Loss) -> bool:
        """True when the output activation and the loss pair into the gradient (pred − y) / n."""
        return self._fusable is not None and loss.fused_activation == self._fusable

    @locked
    def train_batch(self, x, y_enc, loss: Loss, optimizer, l1: float = 0.0, l2: float = 0.0) -> float:
        """One optimisation step on a batch; returns the batch loss (with the L1/L2 penalty)."""
        return self.step_strategy.run(self._as_batch(x), y_enc, loss, optimizer, l1, l2)

    def _add_penalty(self, l1: float, l2: float, scale: float = 1.0) -> float:
        """Add the L1/L2 kernel penalty's gradient (times `scale`) to the kernels' gradients; return its value."""
        total = 0.0
        for layer, name in self._kernel_index:
            w, g = layer.params[name], layer.grads[name]
            if l1:
                total += l1 * float(np.abs(w).sum())
                g += (l1 * scale) * np.sign(w)
            if l2:
                total += l2 * float(np.vdot(w, w))
                g += (2.0 * l2 * scale) * w
        return total

    def penalty(self, l1: float = 0.0, l2: float = 0.0) -> float:
        """The L1/L2 penalty of the current kernels (what train_batch adds to the loss)."""
        total = 0.0
        for layer, name in self._kernel_index:
            w = layer.params[name]
            total += l1 * float(np.abs(w).sum()) + l2 * float(np.vdot(w, w))
        return total

    def set_target_scaling(self, mean, scale) -> None:
        """Un-scale `predict`'s outputs by y = out * scale + mean (None, None: no un-scaling)."""
        if mean is None or scale is None:
            self.target_scaling = None
            return
        n = int(np.prod(self.output_shape))
        self.target_scaling = (np.asarray(mean, np.float64).reshape(n), np.asarray(scale, np.float64).reshape(n))

    @locked
    def predict_raw(self, x, batch_size: int = 1024) -> np.ndarray:
        """The output layer's values in inference mode, without the target's un-scaling."""
        x = self._as_batch(x)
        out = np.empty((x.shape[0], *self.output_shape), dtype=self.dtype)
        for start in range(0, x.shape[0], batch_size):
            stop = start + batch_size
            out[start:stop] = self._forward(x[start:stop], False)
        return out

    @locked
    def loss_value(self, x, y_enc, loss: Loss, batch_size: int = 1024) -> float:
        """Mean loss over a data set in inference mode (without the L1/L2 penalty)."""
        x = self._as_batch(x)
        n = x.shape[0]
        if n == 0:
            return float("nan")
        total = 0.0
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            pred = self._forward(x[start:stop], False)
            total += loss.forward(pred, y_enc[start:stop]) * (stop - start)
        return total / n

    # ------------------------------------------------------------------ weights
    def parameters(self) -> list[tuple[str, np.ndarray]]:
        """Trainable arrays (live, updated in place), keyed "<node id>/<name>"."""
        return [(f"{layer.id}/{name}", layer.params[name]) for layer, name in self._param_index]

    def gradients(self) -> list[tuple[str, np.ndarray]]:
        """Gradients of the last backward, aligned with parameters()."""
        scale = self._grad_scale
        return [
            (f"{layer.id}/{name}", layer.grads[name] if scale == 1.0 else layer.grads[name] / scale)
            for layer, name in self._param_index
        ]

    def get_weights(self) -> dict[str, np.ndarray]:
        """Copies of every saved array (trainable and state such as moving means), float32."""
        return {
            f"{nid}/{name}": np.array(arr, dtype=np.float32)
            for nid, layer in self.layers.items()
            for name, arr in layer.weight_arrays().items()
        }

    @locked
    def set_weights(self, weights: dict) -> list[str]:
        """Copy matching arrays in place; return a warning for each one that is skipped.

        Arrays whose shape no longer fits keep their fresh initial values; names that match no layer are
        ignored. Both are reported so the user knows which layers start afresh.
        """
        warnings: list[str] = []
        targets = {
            f"{nid}/{name}": arr for nid, layer in self.layers.items() for name, arr in layer.weight_arrays().items()
        }
        for key, value in weights.items():
            target = targets.get(key)
            if target is None:
                warnings.append(f"{key}: no layer uses these saved weights any more; ignored")
                continue
            arr = np.asarray(value)
            if arr.shape != target.shape:
                warnings.append(
                    f"{key}: saved shape {list(arr.shape)} does not fit {list(target.shape)}; re-initialised"
                )
                continue
            if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)):
                warnings.append(f"{key}: saved values are not finite numbers; re-initialised")
                continue
            np.copyto(target, arr, casting="unsafe")
        return warnings

    def summary(self) -> list[tuple[str, str, tuple[int, ...], int]]:
        """(node id, type, output shape, trainable parameter count) per layer, in order."""
        return [
            (nid, layer.type_name, tuple(layer.output_shape), sum(int(a.size) for a in layer.params.values()))
            for nid, layer in self.layers.items()
        ]
