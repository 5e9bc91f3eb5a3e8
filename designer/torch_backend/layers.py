"""Each layer type's arithmetic in torch: one function a type, which its LayerType names as its `torch` hook
("designer.torch_backend.layers:dense"), so the torch network never branches on a layer's type.

An op is `fn(layer, w, xs, training, generator) -> tensor`: the built host layer (its config and the sizes
it worked out), its tensors by array name, the input tensors, the mode, and the random generator (dropout).
It returns the layer's output before its activation; the network applies the activation of any type that
has an `activation` parameter. Tensors are channels-last, as in the NumPy engine; convolutions and pools
see them through a permuted view.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F


def _padded(layer, x: torch.Tensor, value: float = 0.0) -> torch.Tensor:
    """x channels-first, with the host layer's 'same' padding (top, bottom, left, right) applied."""
    xc = x.permute(0, 3, 1, 2)
    if layer.pt or layer.pb or layer.pl or layer.pr:
        xc = F.pad(xc, (layer.pl, layer.pr, layer.pt, layer.pb), value=value)
    return xc


def dense(layer, w, xs, training, generator):
    z = xs[0] @ w["kernel"]
    return z + w["bias"] if "bias" in w else z


def conv2d(layer, w, xs, training, generator):
    z = F.conv2d(_padded(layer, xs[0]), w["kernel"].permute(3, 2, 0, 1), w.get("bias"), stride=(layer.sh, layer.sw))
    return z.permute(0, 2, 3, 1)


def max_pool2d(layer, w, xs, training, generator):
    xc = _padded(layer, xs[0], value=-math.inf)
    return F.max_pool2d(xc, (layer.ph, layer.pw), (layer.sh, layer.sw)).permute(0, 2, 3, 1)


def identity(layer, w, xs, training, generator):
    return xs[0]


def flatten(layer, w, xs, training, generator):
    return xs[0].reshape(xs[0].shape[0], -1)


def add(layer, w, xs, training, generator):
    out = xs[0] + xs[1]
    for extra in xs[2:]:
        out = out + extra
    return out


def concatenate(layer, w, xs, training, generator):
    return torch.cat(xs, dim=layer.axis + 1)


def dropout(layer, w, xs, training, generator):
    x = xs[0]
    if not training or layer.rate == 0.0:
        return x
    if layer.fixed_mask is not None:  # the tests' deterministic mask, as the NumPy layer takes it
        mask = torch.from_numpy(np.asarray(layer.fixed_mask, np.float32)).to(x.device)
    else:
        keep = torch.rand(x.shape, generator=generator, device=x.device) >= layer.rate
        mask = keep.to(x.dtype) * (1.0 / (1.0 - layer.rate))
    return x * mask


def batch_norm(layer, w, xs, training, generator):
    """Keras's batch normalisation over the last axis (see designer.engine.normalization)."""
    x = xs[0]
    axes = tuple(range(x.ndim - 1))
    if training:
        mean = x.mean(dim=axes)
        centred = x - mean
        var = (centred * centred).mean(dim=axes)  # biased, as Keras (and the NumPy engine)
        m = layer.momentum
        with torch.no_grad():
            w["moving_mean"].mul_(m).add_(mean.detach() * (1 - m))
            w["moving_variance"].mul_(m).add_(var.detach() * (1 - m))
    else:
        mean, var = w["moving_mean"], w["moving_variance"]
        centred = x - mean
    xhat = centred * torch.rsqrt(var + layer.epsilon)
    return xhat * w["gamma"] + w["beta"]
