"""A training step split over the batch: each core runs the whole network on its own share of the images.

With BLAS on several threads, each product of a convolutional network is split over the cores, but the
element-wise passes between them (im2col copies, pooling, col2im, activations) run on one thread, and half of
every product's output has to come back from the other core's cache first: on 2 cores a two-block conv net
stepped only 1.2× faster than on one. Here the batch is cut into shards of whole samples instead; a replica
of the network (the same weight arrays, its own buffers and gradients) runs forward and backward on each
shard in its own thread with BLAS on one thread, so every pass runs in parallel on data in its own core's
cache. The shards' gradients are then summed into the network's and the optimizer steps once.

Only networks whose layers treat every sample on its own are split (no batch statistics, no random masks),
and only when each shard has enough arithmetic to pay for handing it to a thread. The sum over the batch
runs in another order than in one product, so results agree with the unsplit step to float32 rounding.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

# Layers that compute each sample on its own, without randomness: the only ones a split batch cannot change
SPLITTABLE = frozenset({"Input", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Activation"})
# At least this many multiply-adds (the forward products of Conv2D and Dense layers) per shard. Each shard's
# NumPy calls take turns at the interpreter lock, and on this 2-core VM every turn costs a thread wake-up
# (a shard of the two-block 28×28 net, 78M, runs 1.25× longer beside the other than alone): the two-block
# net, batch 64, steps 1.17× faster split (4.7 against 5.5 ms), one 28×28 conv block (4M a shard) not faster.
MIN_SHARD_MACS = 16_000_000
# Split only up to this many BLAS threads (one shard each); with more, keep BLAS's own threading. Measured on 2
# cores only: each added shard also queues at the interpreter lock, so more shards may not pay.
MAX_SHARDS = 2

_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def _executor(workers: int) -> ThreadPoolExecutor:
    """One process-wide pool of helper threads (the caller's thread runs the first shard itself)."""
    global _pool, _pool_size
    if _pool is None or _pool_size < workers:
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool, _pool_size = ThreadPoolExecutor(workers, thread_name_prefix="engine-shard"), workers
    return _pool


def forward_macs_per_sample(net) -> int:
    """Multiply-adds of one sample's forward products (Conv2D and Dense layers)."""
    total = 0
    for layer in net.layers.values():
        kernel = layer.params.get("kernel")
        if kernel is None:
            continue
        if layer.type_name == "Conv2D":
            total += layer.oh * layer.ow * kernel.size
        else:
            total += kernel.size
    return total


def splittable(net) -> bool:
    """Whether a shard of the batch gives the same per-sample results as the whole batch, and there is a
    convolution (Dense-only networks keep their own plan and BLAS thread choice)."""
    types = {layer.type_name for layer in net.layers.values()}
    return types <= SPLITTABLE and "Conv2D" in types


class ShardedStep:
    """Splits the training steps of one network (see the module docstring)."""

    def __init__(self, net):
        self.net = net
        self.macs = forward_macs_per_sample(net)
        self._replicas: list = []
        self._losses: dict[int, tuple] = {}
        self._outputs: dict[int, np.ndarray] = {}  # batch size → the whole batch's output

    def shard_count(self, rows: int, threads: int) -> int:
        """How many shards a batch of `rows` samples is cut into with `threads` BLAS threads (1: not split)."""
        if threads > MAX_SHARDS:
            return 1
        by_work = (rows * self.macs) // MIN_SHARD_MACS
        return max(1, min(threads, by_work, rows))

    def _replica(self, k: int):
        """The k-th replica (k ≥ 1): built once, sharing the network's weight arrays."""
        while len(self._replicas) < k:
            self._replicas.append(replicate(self.net))
        return self._replicas[k - 1]

    def _loss_for(self, k: int, loss):
        """The k-th shard's own copy of `loss` (a loss keeps its last batch and scratch arrays), kept while
        the caller passes the same loss object."""
        kept = self._losses.get(k)
        if kept is None or kept[0] is not loss:
            kept = self._losses[k] = (loss, _fresh_loss(loss))
        return kept[1]

    def step(self, shards: int, x, y_enc, loss, l1: float, l2: float, lr: float | None) -> float:
        """The gradients of one step over the whole batch, computed in `shards` parts, in the network's grads
        (times lr for plain SGD, like the unsplit step); returns the batch loss. NumPy's BLAS must be on one
        thread (the caller sets it) and the caller applies the update."""
        net = self.net
        n = x.shape[0]
        bounds = [n * i // shards for i in range(shards + 1)]
        scale = 1.0 if lr is None else lr
        nets = [net] + [self._replica(k) for k in range(1, shards)]
        losses = [loss] + [self._loss_for(k, loss) for k in range(1, shards)]

        def run(k: int) -> float:
            a, b = bounds[k], bounds[k + 1]
            return shard_gradients(nets[k], x[a:b], y_enc[a:b], losses[k], scale * (b - a) / n)

        pool = _executor(shards - 1)
        futures = [pool.submit(run, k) for k in range(1, shards)]
        try:
            first = run(0)
        finally:
            wait(futures)  # no shard may still be running when this step returns or raises
        values = [first] + [f.result() for f in futures]
        value = sum(v * (bounds[k + 1] - bounds[k]) for k, v in enumerate(values)) / n
        self._gather_activations(nets, x, bounds, math.isfinite(value))
        for k in range(1, shards):  # in a fixed order: the same batch always gives the same sums
            for (layer, name), (other, _) in zip(net._param_index, nets[k]._param_index):
                layer.grads[name] += other.grads[name]
        net._grad_scale = scale
        if l1 or l2:
            value += net._add_penalty(l1, l2, scale)
        return value

    def _gather_activations(self, nets: list, x, bounds: list[int], finite: bool) -> None:
        """What the trainer reads from `net.activations` after a step, for the whole batch: the input and the
        output (training accuracy). The layers between keep the first shard's values, unless the loss is not
        finite: then each holds every shard's values, flattened, where the trainer looks for the first layer
        that produced NaN/Inf."""
        net = self.net
        acts = net.activations
        out = acts[net.output_id]
        whole = self._outputs.get(x.shape[0])
        if whole is None or whole.shape[1:] != out.shape[1:]:
            whole = self._outputs[x.shape[0]] = np.empty((x.shape[0], *out.shape[1:]), out.dtype)
            if len(self._outputs) > 4:  # batch sizes come and go (the last batch of an epoch)
                self._outputs = {x.shape[0]: whole}
        for k, shard in enumerate(nets):
            whole[bounds[k] : bounds[k + 1]] = shard.activations[net.output_id]
        if not finite:
            for nid in net.order:
                if nid not in (net.input_id, net.output_id) and nid in acts:
                    acts[nid] = np.concatenate([shard.activations[nid].reshape(-1) for shard in nets])
        acts[net.input_id] = x
        acts[net.output_id] = whole


def shard_gradients(net, x, y_enc, loss, scale: float) -> float:
    """Forward and backward of one shard: the layers' grads hold `scale` × the gradient of the shard's mean
    loss (the caller passes lr × shard / batch, so the shards' grads add up to the batch's); returns the
    shard's mean loss."""
    pred = net._forward(x, True, fuse=True)
    value = loss.forward(pred, y_enc)
    if net.fused_with(loss):
        net._backward(loss.backward_fused(scale), True)
    else:
        g = loss.backward()
        g *= scale
        net._backward(g, False)
    return value


def _fresh_loss(loss):
    """A loss object of the same kind and settings for another shard, without the arrays it works in (its
    last batch, gradient and scratch buffers: two shards writing one buffer would mix their values)."""
    other = object.__new__(type(loss))
    other.__dict__.update({k: v for k, v in loss.__dict__.items() if not isinstance(v, np.ndarray)})
    other.pred = other.y = other._grad = None
    return other


def replicate(net):
    """A network of the same layers whose weights are the network's own arrays (their gradients and
    buffers its own)."""
    from designer.engine.factory import make_layer
    from designer.engine.network import Network

    rng = np.random.default_rng(0)  # the initial values are replaced by the shared arrays below
    layers = {}
    for nid, layer in net.layers.items():
        copy = make_layer(nid, layer.type_name, layer.config, net.dtype)
        copy.build(layer.input_shapes, rng)
        copy.output_shape = layer.output_shape
        if layer.params:
            copy.share_weights(layer)
        layers[nid] = copy
    return Network(layers, net.sources, net.dtype, net.output_id)
