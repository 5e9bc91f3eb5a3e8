"""A Network whose arithmetic runs in PyTorch, behind the NumPy Network's interface, so the Trainer (batches,
schedules, early stopping, NaN guard, events, histograms and norms), the probes and everything after a run
work on it unchanged.

It wraps the NumPy Network built from the same graph (`host`): same layers, same initial weights, same
weight names. On the CPU the torch parameters *are* the host's arrays (torch.from_numpy shares memory), so
snapshots, `set_weights` and `get_weights` need no copies; on a GPU the parameters live on the device and
the host's arrays are refreshed when someone reads them. Tensors keep the engine's channels-last layout;
convolutions and pools see them through a permuted view.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import numpy as np
import torch

from designer.engine.factory import load_hook
from designer.engine.network import TargetUnits, locked
from designer.engine.registry import layer_type
from designer.errors import TrainingError
from designer.torch_backend import ops
from designer.torch_backend.device import resolve_device
from designer.torch_backend.optimizers import TorchOptimizerState


def torch_ops(type_names) -> dict:
    """Each type's op (its LayerType's `torch` hook, see designer.torch_backend.layers), or TrainingError
    naming the types that have none."""
    found, missing = {}, []
    for name in sorted(set(type_names)):
        try:
            found[name] = load_hook(layer_type(name).torch)
        except (ImportError, AttributeError):
            found[name] = None
        if found[name] is None:
            missing.append(name)
    if missing:
        raise TrainingError(f"the PyTorch engine has no {', '.join(missing)} layers: train this network "
                            "on the NumPy engine")
    return found


class _HostActivations(Mapping):
    """The last forward's outputs per node, as NumPy arrays on demand (the trainer reads one per batch)."""

    def __init__(self, tensors: dict[str, torch.Tensor] | None = None):
        self._tensors = tensors or {}
        self._host: dict[str, np.ndarray] = {}

    def __getitem__(self, nid):
        arr = self._host.get(nid)
        if arr is None:
            arr = self._host[nid] = self._tensors[nid].detach().to("cpu").numpy()
        return arr

    def __iter__(self):
        return iter(self._tensors)

    def __len__(self):
        return len(self._tensors)


class _DeviceLayer:
    """A host layer whose saved arrays are read from (and written to) the device's tensors."""

    def __init__(self, layer, tensors: dict[str, torch.Tensor]):
        self._layer = layer
        self._tensors = tensors

    def weight_arrays(self) -> dict[str, np.ndarray]:
        arrays = self._layer.weight_arrays()
        for name, t in self._tensors.items():
            np.copyto(arrays[name], t.detach().to("cpu").numpy())
        return arrays

    def __getattr__(self, name):
        return getattr(self._layer, name)


class TorchNetwork(TargetUnits):
    engine = "torch"

    def __init__(self, host, device: str | torch.device | None = "auto", seed: int | None = 0):
        self.host = host
        self.device = device if isinstance(device, torch.device) else resolve_device(device)
        self.dtype = host.dtype
        self.order, self.sources = host.order, host.sources
        self.input_id, self.output_id = host.input_id, host.output_id
        self.input_shape, self.output_shape = host.input_shape, host.output_shape
        self._ops = torch_ops(layer.type_name for layer in host.layers.values())
        self._shared = self.device.type == "cpu"  # torch tensors share the host arrays' memory
        self.tensors: dict[str, dict[str, torch.Tensor]] = {}
        for nid, layer in host.layers.items():
            own = {}
            for name, arr in layer.weight_arrays().items():
                t = torch.from_numpy(arr) if self._shared else torch.tensor(arr, device=self.device)
                if name in layer.params:
                    t.requires_grad_(True)
                own[name] = t
            self.tensors[nid] = own
        self.layers = host.layers if self._shared else {
            nid: _DeviceLayer(layer, self.tensors[nid]) for nid, layer in host.layers.items()}
        self._param_index = [(layer.id, name) for layer, name in host._param_index]
        self._params = [self.tensors[nid][name] for nid, name in self._param_index]
        self._kernels = [self.tensors[nid][name] for nid, name in self._param_index if name == "kernel"]
        self._plan = host._plan  # (node id, host layer, source ids) in order, the Input left out
        self._optimizer_state = TorchOptimizerState()
        self._optimizer_seen = None
        self._generator = torch.Generator(device=self.device)
        self._generator.manual_seed(int(seed) if seed is not None else int(torch.seed()))
        self.activations: Mapping = _HostActivations()
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ target scaling (the host keeps it)
    @property
    def target_scaling(self):
        return self.host.target_scaling

    def set_target_scaling(self, mean, scale) -> None:
        self.host.set_target_scaling(mean, scale)

    # ------------------------------------------------------------------ the layers in torch
    def _tensor(self, x) -> torch.Tensor:
        x = self.host._as_batch(x)  # float32, shaped like the Input (flat rows reshaped)
        t = torch.from_numpy(np.ascontiguousarray(x))
        return t if self._shared else t.to(self.device, non_blocking=True)

    def _layer(self, nid, layer, xs, training):
        """(output, pre-activation, activation name, its params) of one layer; the last three are None for a
        type without an activation parameter."""
        z = self._ops[layer.type_name](layer, self.tensors[nid], xs, training, self._generator)
        if "activation" not in layer.config:
            return z, None, None, None
        act, act_params = layer.config["activation"], layer.config.get("activation_params")
        if not act or act == "linear":
            return z, z, "linear", None
        return ops.activation(act, act_params, z), z, act, act_params

    def _run(self, x: torch.Tensor, training: bool):
        """Every node's output, and the output node's (pre-activation, activation, params)."""
        outs = {self.input_id: x}
        head = None
        for nid, layer, srcs in self._plan:
            y, z, act, act_params = self._layer(nid, layer, [outs[s] for s in srcs], training)
            outs[nid] = y
            if nid == self.output_id:
                head = (z, act, act_params) if z is not None else (y, "linear", None)
        return outs, head

    # ------------------------------------------------------------------ training
    def _penalty(self, l1: float, l2: float) -> torch.Tensor:
        total = 0.0
        for k in self._kernels:
            if l1:
                total = total + l1 * k.abs().sum()
            if l2:
                total = total + l2 * (k * k).sum()
        return total

    @locked
    def train_batch(self, x, y_enc, loss, optimizer, l1: float = 0.0, l2: float = 0.0) -> float:
        """One optimisation step (the engine optimizer's hyper-parameters, Keras 3 rules); the batch loss."""
        xt = self._tensor(x)
        yt = torch.from_numpy(np.ascontiguousarray(y_enc, dtype=np.float32))
        if not self._shared:
            yt = yt.to(self.device, non_blocking=True)
        if optimizer is not self._optimizer_seen or (optimizer.iterations == 0 and self._optimizer_state.slots):
            self._optimizer_state = TorchOptimizerState()  # a new optimizer (or a reset one) starts afresh
            self._optimizer_seen = optimizer
        for p in self._params:
            p.grad = None
        outs, (z, act, act_params) = self._run(xt, True)
        value, pred = ops.loss_from_logits(loss, act, act_params, z.reshape(yt.shape), yt)
        if l1 or l2:
            value = value + self._penalty(l1, l2)
        value.backward()
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in self._params]
        self._optimizer_state.step(optimizer, self._params, grads)
        outs[self.output_id] = pred.reshape(outs[self.output_id].shape)
        self.activations = _HostActivations(outs)
        return float(value.detach())

    def fused_with(self, loss) -> bool:
        head = self.host.layers[self.output_id].config.get("activation")
        return ops.FUSED.get(loss.name) == head

    # ------------------------------------------------------------------ inference
    @locked
    def forward(self, x, training: bool = False) -> np.ndarray:
        with torch.no_grad():
            outs, _ = self._run(self._tensor(x), training)
        self.activations = _HostActivations(outs)
        return self.activations[self.output_id].copy()

    @locked
    def predict_raw(self, x, batch_size: int = 1024) -> np.ndarray:
        x = self.host._as_batch(x)
        out = np.empty((x.shape[0], *self.output_shape), dtype=self.dtype)
        with torch.no_grad():
            for start in range(0, x.shape[0], batch_size):
                outs, _ = self._run(self._tensor(x[start:start + batch_size]), False)
                out[start:start + batch_size] = outs[self.output_id].to("cpu").numpy()
        return out

    @locked
    def loss_value(self, x, y_enc, loss, batch_size: int = 1024) -> float:
        pred = self.predict_raw(x, batch_size)
        n = pred.shape[0]
        if n == 0:
            return float("nan")
        return float(loss.forward(pred.reshape(np.shape(y_enc)), y_enc))

    def penalty(self, l1: float = 0.0, l2: float = 0.0) -> float:
        with torch.no_grad():
            return float(self._penalty(l1, l2))

    @locked
    def backward(self, grad_out, input_grad: bool = False):
        """The NumPy engine's backward on these weights (gradient checks and saliency maps)."""
        return self.host_network().backward(grad_out, input_grad)

    # ------------------------------------------------------------------ weights
    def host_network(self):
        """The NumPy network with this network's current weights."""
        if not self._shared:
            for layer in self.layers.values():
                layer.weight_arrays()  # refreshes the host arrays from the device
        return self.host

    def parameters(self) -> list[tuple[str, np.ndarray]]:
        return self.host_network().parameters()

    def gradients(self) -> list[tuple[str, np.ndarray]]:
        out = []
        for (nid, name), p in zip(self._param_index, self._params):
            g = p.grad
            out.append((f"{nid}/{name}", np.zeros(tuple(p.shape), np.float32) if g is None else
                        g.detach().to("cpu").numpy()))
        return out

    def get_weights(self) -> dict[str, np.ndarray]:
        return self.host_network().get_weights()

    @locked
    def set_weights(self, weights: dict) -> list[str]:
        warnings = self.host_network().set_weights(weights)
        if not self._shared:
            with torch.no_grad():
                for nid, layer in self.host.layers.items():
                    for name, arr in layer.weight_arrays().items():
                        self.tensors[nid][name].copy_(torch.from_numpy(arr))
        return warnings

    def summary(self):
        return self.host.summary()
