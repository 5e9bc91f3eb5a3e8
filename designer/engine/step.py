"""How a Network runs one training step: the maths is the network's (forward, backward, penalty); the
choices here are only about speed and never change the result beyond float32 rounding.

- Plain SGD (no momentum) folds the learning rate into the output gradient, so every gradient comes out
  already multiplied by lr and the update is one subtraction per array (Network.gradients() undoes the
  scale). Any other optimizer gets the true gradients through its `step`.
- A chain of Dense layers trained with plain SGD runs a precomputed plan (DenseChainPlan): per batch size
  its own buffers, the bias folded into each product through a row or column of ones beside the previous
  layer's output (small batches hold activations feature-major, so each passes over contiguous memory),
  so forward, weight gradient and update are one call per layer. Activations and the loss run
  in their bound forms (views and buffers made once per batch size). For the tiny networks of the
  Playground, where a step is mostly Python and NumPy call overhead, that halves the step.
- Small batches of Dense-only networks, and convolutional networks that are not split (below), run each step
  on one BLAS thread or the caller's count, whichever BlasThreadChooser measured faster; the results agree
  to float32 rounding (sums run in another order).
- Convolutional networks with several BLAS threads and enough arithmetic per step split the batch into one
  shard per thread (designer.engine.shards): each core runs every pass on its own samples, with BLAS on one
  thread, and the shards' gradients are summed; again the same step to float32 rounding.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import statistics
import time

import numpy as np

from designer.engine.shards import ShardedStep, forward_macs_per_sample, splittable

# Training steps of Dense-only networks with at most this many rows choose between one BLAS thread and the
# caller's count by measuring both (BlasThreadChooser). Larger batches keep the caller's count: there two
# threads win by 1.2× (128 rows) to 1.5× (512 rows) on a quiet machine, and a wrong choice would cost that.
ONE_THREAD_MAX_ROWS = 64
# Dense plans for batches up to this many rows hold the hidden layers' activations feature-major (see
# DenseChainPlan): contiguous element-wise passes, which is what counts while a step is mostly call overhead
# (2-8-8-2, 10 rows: 13.1 against 14.4 µs a step; 784-256-128-10, 32 rows: 178 against 189 µs). Larger
# batches keep them sample-major: there BLAS runs that layout's product orientations as fast or faster
# (512 rows: 1.45 against 1.52 ms; 128 rows: within the noise, either way).
FEATURE_MAJOR_MAX_ROWS = 64
# Below this many multiply-adds in the largest product OpenBLAS uses one thread anyway: nothing to choose.
_THREADED_MIN_MACS = 1 << 18
# Convolutional networks that are not split choose too, at any batch size: on the 2-vCPU VM the 28×28 conv
# block (Conv 16 → Pool → Dense 10, batch 64) stepped in 1.0 ms on two threads in some processes and in
# 2.1–2.3 ms in others (both threads busy the whole time; 6 of 13 processes), against a steady 1.1 ms on one.


class BlasThreadChooser:
    """Per batch size, whether a training step runs faster on one BLAS thread than on the caller's count.

    With two threads the second core's cache ends up holding half of each weight and weight gradient, and the
    SGD update pass pulls them back (150 µs against 20 µs for a 784×256 kernel); on one thread the products
    take up to 1.5× longer. Which wins at 32 rows depends on the machine's state more than on the sizes
    (measured on a 2-core VM, 784-256-128-10 MLP: a one-thread step 0.95–1.15× as fast as a two-thread one
    on a quiet machine, where two threads vary from run to run, and 1.1–2.4× with the second core busy), so
    it is measured on the real steps: alternating blocks of steps each way, then the faster way until the
    next measurement `retune_steps` steps later — or sooner, when `block` steps in a row take `SLOWDOWN` times
    the chosen way's measured median: the machine changed (a 28×28 conv step measured at 1.2 ms on two
    threads went on at 2.0–2.3 ms until the next measurement, against 1.1 ms on one).
    """

    SLOWDOWN = 1.5

    def __init__(self, block: int = 4, rounds: int = 3, retune_steps: int = 1000):
        self.block, self.rounds, self.retune_steps = block, rounds, retune_steps
        self._trial_steps = 2 * block * rounds
        self._runs: dict[int, _ThreadTrial] = {}  # per batch size

    def one_thread(self, rows: int) -> bool:
        run = self._runs.get(rows)
        if run is None:
            if len(self._runs) > 8:  # batch sizes come and go (the last batch of an epoch is smaller)
                self._runs.clear()
            run = self._runs[rows] = _ThreadTrial()
        if run.step < self._trial_steps:  # measuring: a block on one thread, a block on the caller's count, …
            return (run.step // self.block) % 2 == 0
        return run.one_thread

    def chosen(self, rows: int) -> bool | None:
        """The last measured choice for this batch size (True: one thread), None before the first one."""
        run = self._runs.get(rows)
        if run is None or (run.step < self._trial_steps and run.reference is None):
            return None
        return run.one_thread

    def record(self, rows: int, one_thread: bool, seconds: float) -> None:
        run = self._runs.get(rows)
        if run is None:
            return
        step = run.step
        if step < self._trial_steps:
            if step % self.block:  # a block's first step pays for the switch and warms the caches: not counted
                (run.ones if one_thread else run.callers).append(seconds)
            if step == self._trial_steps - 1:
                if run.ones and run.callers:  # (a caller that did not follow the schedule: choice as it was)
                    one, caller = statistics.median(run.ones), statistics.median(run.callers)
                    run.one_thread, run.reference = one < caller, min(one, caller)
                run.ones, run.callers = [], []
        elif run.reference is not None and seconds > self.SLOWDOWN * run.reference:
            run.slow_in_a_row += 1
            if run.slow_in_a_row >= self.block:  # measure again from the next step
                run.step, run.slow_in_a_row = 0, 0
                return
        else:
            run.slow_in_a_row = 0
        run.step = step + 1 if step + 1 < self.retune_steps else 0


@dataclasses.dataclass(slots=True)
class _ThreadTrial:
    """BlasThreadChooser's state for one batch size."""

    step: int = 0  # steps since the last measurement began (below the trial's length: measuring)
    one_thread: bool = False  # the choice
    ones: list[float] = dataclasses.field(default_factory=list)  # the trial's step times on one thread
    callers: list[float] = dataclasses.field(default_factory=list)  # … and on the caller's count
    reference: float | None = None  # the chosen way's median at the last measurement; None: never measured
    slow_in_a_row: int = 0  # steps since then at more than SLOWDOWN × reference, in a row


@functools.cache
def _numpy_blas():
    """threadpoolctl's controllers for the BLAS NumPy uses (empty when there is none to control)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # a declared dependency, but the engine must run without it
        return ()
    libs = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
    # never touch another library's pool (PyTorch's MKL in the benchmark process), if we can tell them apart
    mine = [lib for lib in libs if "numpy" in str(lib.filepath)]
    return tuple(mine or libs)


@contextlib.contextmanager
def _blas_on_one_thread():
    """NumPy's BLAS on one thread inside the block, the caller's thread count again after it."""
    libs = _numpy_blas()
    before = [lib.get_num_threads() or 1 for lib in libs]  # None: the library cannot say
    for lib, count in zip(libs, before):
        if count != 1:
            lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, count in zip(libs, before):
            if count != 1:
                lib.set_num_threads(count)


def plain_sgd_rate(optimizer) -> float | None:
    """The learning rate when `optimizer` is SGD without momentum (w −= lr·g), else None."""
    if getattr(optimizer, "name", None) == "sgd" and not getattr(optimizer, "momentum", 1.0):
        lr = float(optimizer.learning_rate)
        return lr if lr > 0.0 else None
    return None


class StepStrategy:
    """One optimisation step of `net` (Network.train_batch calls `run` with the batch already checked)."""

    def __init__(self, net):
        self.net = net
        self.chooser = BlasThreadChooser()
        self.plan = DenseChainPlan.for_network(net)
        # the largest Dense kernel, when only Dense layers train (their GEMMs have one row per sample);
        # 0 otherwise, which keeps the BLAS thread count as it is (convolutions have many rows per sample)
        index = net._param_index
        dense_only = all(layer.type_name == "Dense" for layer, _ in index)
        kernels = [layer.params[name].size for layer, name in index if name == "kernel"]
        self._dense_kernel_size = max(kernels, default=0) if dense_only else 0
        has_conv = any(layer.type_name == "Conv2D" for layer in net.layers.values())
        self._conv_macs = forward_macs_per_sample(net) if has_conv else 0  # per sample, all forward products
        # conv networks on several BLAS threads: the batch split over the cores (designer.engine.shards)
        self.shards = ShardedStep(net) if splittable(net) else None

    def run(self, x, y_enc, loss, optimizer, l1: float = 0.0, l2: float = 0.0) -> float:
        n = x.shape[0]
        if self.shards is not None and _numpy_blas():
            shards = self.shards.shard_count(n, max(lib.get_num_threads() or 1 for lib in _numpy_blas()))
            if shards > 1:
                return self._sharded_step(shards, x, y_enc, loss, optimizer, l1, l2)
        if not self._chooses_threads(n):
            return self.step(x, y_enc, loss, optimizer, l1, l2)
        chooser = self.chooser
        one_thread = chooser.one_thread(n)
        start = time.perf_counter()
        if one_thread:
            value = self._step_on_one_thread(x, y_enc, loss, optimizer, l1, l2)
        else:
            value = self.step(x, y_enc, loss, optimizer, l1, l2)
        chooser.record(n, one_thread, time.perf_counter() - start)
        return value

    def _chooses_threads(self, n: int) -> bool:
        """Whether a step of `n` rows runs on the BLAS thread count BlasThreadChooser measures faster."""
        if not _numpy_blas():
            return False
        if self._conv_macs:
            return n * self._conv_macs >= _THREADED_MIN_MACS
        return n <= ONE_THREAD_MAX_ROWS and n * self._dense_kernel_size >= _THREADED_MIN_MACS

    def _step_on_one_thread(self, x, y_enc, loss, optimizer, l1, l2) -> float:
        """`step` with NumPy's BLAS on one thread, then the caller's thread count again (≈1 µs a switch)."""
        with _blas_on_one_thread():
            return self.step(x, y_enc, loss, optimizer, l1, l2)

    def _sharded_step(self, shards: int, x, y_enc, loss, optimizer, l1, l2) -> float:
        """`step` with the batch split into `shards` parts, each on its own thread with BLAS on one."""
        lr = plain_sgd_rate(optimizer)
        with _blas_on_one_thread():
            value = self.shards.step(shards, x, y_enc, loss, l1, l2, lr)
        self._update(optimizer, lr)
        return value

    def step(self, x, y_enc, loss, optimizer, l1, l2) -> float:
        net = self.net
        lr = plain_sgd_rate(optimizer)
        if self.plan is not None and lr is not None and not (l1 or l2):
            value = self.plan.step(x, y_enc, loss, lr)
            net._grad_scale = lr
            optimizer.iterations = getattr(optimizer, "iterations", 0) + 1
            return value
        pred = net._forward(x, True, fuse=True)
        value = loss.forward(pred, y_enc)
        scale = 1.0 if lr is None else lr
        if net.fused_with(loss):
            net._backward(loss.backward_fused(scale), True)
        else:
            g = loss.backward()
            if lr is not None:
                g *= scale
            net._backward(g, False)
        net._grad_scale = scale
        if l1 or l2:
            value += net._add_penalty(l1, l2, scale)
        self._update(optimizer, lr)
        return value

    def _update(self, optimizer, lr: float | None) -> None:
        """The optimizer's step on the layers' grads (for plain SGD they already hold lr × gradient)."""
        net = self.net
        if lr is None:
            params = [layer.params[name] for layer, name in net._param_index]
            grads = [layer.grads[name] for layer, name in net._param_index]
            optimizer.step(params, grads)
        else:
            for layer, name in net._param_index:
                w = layer.params[name]
                np.subtract(w, layer.grads[name], w)
            optimizer.iterations = getattr(optimizer, "iterations", 0) + 1


class DenseChainPlan:
    """A plain-SGD training step for Input → Dense → … → Dense, with buffers per batch size.

    Each layer's input sits in a buffer with one more row or column, of ones (set once), so the product with
    [W; b] adds the bias and [a, 1]ᵀ·g yields kernel and bias gradient together. For small batches
    (FEATURE_MAJOR_MAX_ROWS) the hidden activations are held feature-major, (features + 1) × n: each product
    Wᵀ·[a; 1] goes straight into the first rows of the next layer's input, where an activation whose
    derivative needs only its output (tanh, relu, sigmoid, softmax, linear) is applied in place, over
    contiguous memory. Larger batches hold them sample-major, n × (features + 1): the product gets a buffer
    of its own (BLAS writes only contiguous arrays) and the activation writes into a strided view beside the
    ones column (for a tanh over 10×8: 0.7 against 0.23 µs contiguous; at 512 rows the products dominate).
    The output layer is always sample-major, n × classes, as the loss and the trainer read it. All layers'
    matrices live side by side in one array (Dense.place), so the update is a single subtraction. The maths
    is the layers' own (their activation objects, the loss object, in their bound forms made once per batch
    size); only the bookkeeping differs from the general path, and the results agree with it to float32
    rounding. What the network exposes is sample-major as everywhere else (`activations` holds transposed
    views of feature-major buffers).
    """

    def __init__(self, net, layers):
        self.net = net
        self.layers = layers  # [(node id, Dense layer)] from the input to the output
        # all layers' weights in one array and their gradients in another: the update is one subtraction
        sizes = [layer.wb.size for _, layer in layers]
        self._weights = np.empty(sum(sizes), dtype=net.dtype)
        self._grads = np.zeros_like(self._weights)
        start = 0
        for size, (_nid, layer) in zip(sizes, layers):
            shape = layer.wb.shape
            layer.place(self._weights[start : start + size].reshape(shape),
                        self._grads[start : start + size].reshape(shape))  # fmt: skip
            start += size
        self._fusable = net._fusable
        self._by_rows: dict[int, tuple] = {}

    @classmethod
    def for_network(cls, net) -> DenseChainPlan | None:
        layers, prev = [], net.input_id
        for nid, layer, srcs in net._plan:
            if layer.type_name != "Dense" or list(srcs) != [prev] or not hasattr(layer, "wb"):
                return None
            layers.append((nid, layer))
            prev = nid
        return cls(net, layers) if layers and prev == net.output_id else None

    def _prepare(self, n: int) -> tuple:
        """For n rows: (where the batch goes, forward ops, backward ops, activations, the output activation's
        backward, the output, loss calls per loss object)."""
        if len(self._by_rows) > 4:  # batch sizes come and go (the last batch of an epoch)
            self._by_rows.clear()
        dtype = self.net.dtype
        layers = [layer for _, layer in self.layers]
        last = len(layers) - 1
        feature_major = n <= FEATURE_MAJOR_MAX_ROWS
        # per layer: its input, with a row (feature-major) or column (sample-major) of ones for the bias
        shapes = [(layer.input_shapes[0][0] + int(layer.use_bias), n) for layer in layers]
        ins = [np.ones(shape if feature_major else shape[::-1], dtype=dtype) for shape in shapes]
        forward, backward, acts = [], [], {}
        zs, ys = [], []
        for k, layer in enumerate(layers):
            act = layer.activation
            if k < last and feature_major:  # units × n, in the next layer's input: in place where it can
                y = ins[k + 1][: layer.units]
                z = np.empty_like(y) if act.backward_uses_input else y
                activate = None if act.name == "linear" else _bound_forward(act, z, y)
                forward.append((layer.wb.T.dot, ins[k], z, activate))  # Wᵀ·[a; 1]
                acts[self.layers[k][0]] = y.T
            else:  # n × units: [a, 1]·W (the output always: the loss and the trainer read it so)
                if k < last:  # a strided view beside the ones column: BLAS writes the product apart
                    y, z = ins[k + 1][:, : layer.units], np.empty((n, layer.units), dtype=dtype)
                else:
                    y = np.empty((n, layer.units), dtype=dtype)
                    z = np.empty_like(y) if act.backward_uses_input else y
                if act.name != "linear":
                    activate = act.bound_forward(z, y)
                else:
                    activate = None if z is y else functools.partial(np.copyto, y, z)
                forward.append((ins[k].T.dot if feature_major else ins[k].dot, layer.wb, z, activate))
                acts[self.layers[k][0]] = y
            zs.append(z)
            ys.append(y)
        for k in range(last, -1, -1):
            layer = layers[k]
            # [a; 1]·g with g n × units: kernel and bias gradient, (inputs + 1) × units
            kernel_gradient = ins[k].dot if feature_major else ins[k].T.dot
            below = None
            if k:
                below = _gradient_below(layers[k - 1].activation, layer, zs[k - 1], ys[k - 1], n, feature_major)
            backward.append((kernel_gradient, layer.gwb, below))
        width = layers[0].input_shapes[0][0]
        data = ins[0][:width].T if feature_major else ins[0][:, :width]  # where the batch is copied
        out_backward = layers[-1].activation.bound_backward(zs[-1], ys[-1])  # when the loss is not fused
        prepared = self._by_rows[n] = (data, forward, backward, acts, out_backward, ys[-1], {})
        return prepared

    def _loss_calls(self, losses: dict, loss, pred: np.ndarray) -> tuple:
        """`loss`'s forward and fused backward bound to this batch size's prediction buffer (None for the
        backward when this network's output and the loss do not fuse), kept per loss object."""
        calls = losses.get(id(loss))
        if calls is None or calls[0] is not loss:
            if len(losses) > 2:  # a new loss object per run (or per step) must not pile up here
                losses.clear()
            fused = loss.fused_activation is not None and loss.fused_activation == self._fusable
            calls = losses[id(loss)] = (loss, loss.bound_forward(pred),
                                        loss.bound_backward_fused(pred) if fused else None)  # fmt: skip
        return calls

    def step(self, x, y_enc, loss, lr: float) -> float:
        prepared = self._by_rows.get(x.shape[0]) or self._prepare(x.shape[0])
        data, forward, backward, acts, out_backward, pred, losses = prepared
        # products by ndarray.dot bound to the arrays above: the same BLAS call as np.dot without its
        # Python-level dispatch (0.26 against 0.43 µs for a 10×3 by 3×8 product; the matmul ufunc takes 0.8)
        np.copyto(data, x)
        for product, inputs, z, activate in forward:
            product(inputs, z)
            if activate is not None:
                activate()
        net_acts = self.net.activations
        net_acts[self.net.input_id] = x
        net_acts.update(acts)
        _, loss_forward, loss_backward_fused = self._loss_calls(losses, loss, pred)
        value = loss_forward(y_enc)
        if loss_backward_fused is not None:
            g = loss_backward_fused(lr)
        else:
            g = loss.backward()
            g *= lr
            g = out_backward(g)
        for kernel_gradient, gwb, below in backward:
            kernel_gradient(g, gwb)
            if below is None:
                break
            g = below(g)
        np.subtract(self._weights, self._grads, self._weights)
        return value


def _gradient_below(act, layer, z: np.ndarray, y: np.ndarray, n: int, feature_major: bool):
    """g (n × layer's units) → the gradient of the pre-activation of the layer below (n × its units); `act`,
    z and y are that layer's."""
    inputs = layer.input_shapes[0][0]
    gx = np.empty((inputs, n) if feature_major else (n, inputs), z.dtype)
    kernel = layer.params["kernel"]
    if feature_major:
        input_gradient, activation_backward = kernel.dot, _bound_backward(act, z, y)  # W·gᵀ: inputs × n
        return lambda g: activation_backward(input_gradient(g.T, gx)).T
    # relu's derivative from z, not y: z > 0 exactly where relu(z) > 0 (NaN included), and z is contiguous
    # while y is a view beside the ones column (the mask of 512×256 values takes 9 µs instead of 21)
    activation_backward = act.bound_backward(z, z if act.name == "relu" else y)
    kernel_t = kernel.T
    return lambda g: activation_backward(g.dot(kernel_t, gx))  # g·Wᵀ: n × inputs


def _bound_forward(act, z: np.ndarray, y: np.ndarray):
    """`act` over feature-major z into y: element-wise ones as they are, others (softmax, along the
    classes) on the sample-major transposed views."""
    return act.bound_forward(z, y) if act.elementwise else act.bound_forward(z.T, y.T)


def _bound_backward(act, z: np.ndarray, y: np.ndarray):
    """`act`'s backward for feature-major z and y, as a call of a feature-major gradient."""
    if act.elementwise:
        return act.bound_backward(z, y)
    sample_major = act.bound_backward(z.T, y.T)
    return lambda g: sample_major(g.T).T
