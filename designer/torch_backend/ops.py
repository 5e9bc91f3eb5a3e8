"""The engine's activations and losses in torch, with the NumPy engine's exact conventions
(designer/engine/activations.py, designer/engine/losses.py): Keras's clipping of probabilities to
[1e-7, 1 − 1e-7] in the loss value, and — where the output's softmax/sigmoid pairs with cross-entropy — the
NumPy engine's fused gradient (p − y)/n, which ignores the clip. Autograd does the rest.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from designer.engine.losses import EPSILON

_LOG_LO = math.log(EPSILON)  # log of the clipped lower bound
_LOG_HI = math.log1p(-EPSILON)  # log of the clipped upper bound


def activation(name: str, params: dict | None, x: torch.Tensor) -> torch.Tensor:
    params = params or {}
    if name == "linear":
        return x
    if name == "relu":
        return torch.relu(x)
    if name == "sigmoid":
        return torch.sigmoid(x)
    if name == "tanh":
        return torch.tanh(x)
    if name == "softmax":
        return torch.softmax(x, dim=-1)
    if name == "leaky_relu":
        return F.leaky_relu(x, float(params.get("negative_slope", 0.01)))
    if name == "elu":
        return F.elu(x, float(params.get("alpha", 1.0)))
    if name == "gelu":
        return F.gelu(x, approximate="tanh")  # the engine's (and Keras's default) tanh approximation
    if name == "silu":
        return F.silu(x)
    if name == "softplus":
        return F.softplus(x)
    raise ValueError(f"no torch activation for {name!r}")  # the registry and this table list the same names


def _clip_value_only(t: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    """t clipped in value, with the unclipped gradient (the NumPy engine's fused gradient ignores the clip)."""
    return t + (t.clamp(lo, hi) - t).detach()


FUSED = {"categorical_crossentropy": "softmax", "binary_crossentropy": "sigmoid"}


def loss_from_logits(loss, act_name: str, act_params: dict | None, z: torch.Tensor, y: torch.Tensor):
    """(loss value with graph, prediction) for the output's pre-activation z. `loss` is the engine's Loss
    object (name and parameters)."""
    name = loss.name
    if FUSED.get(name) == act_name:
        if name == "categorical_crossentropy":
            logp = _clip_value_only(torch.log_softmax(z, dim=-1), _LOG_LO, _LOG_HI)
            value = -(y * logp).sum() / (z.numel() // z.shape[-1])
            return value, torch.softmax(z.detach(), dim=-1)
        log_p = _clip_value_only(F.logsigmoid(z), _LOG_LO, _LOG_HI)
        log_q = _clip_value_only(F.logsigmoid(-z), _LOG_LO, _LOG_HI)
        value = -(y * log_p + (1.0 - y) * log_q).sum() / z.numel()
        return value, torch.sigmoid(z.detach())
    pred = activation(act_name, act_params, z)
    return loss_value(loss, pred, y), pred.detach()


def loss_value(loss, pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The engine's loss of predictions (not logits), averaged as the engine averages it."""
    name = loss.name
    if name == "categorical_crossentropy":
        return -(y * torch.log(pred.clamp(EPSILON, 1.0 - EPSILON))).sum() / (pred.numel() // pred.shape[-1])
    if name == "binary_crossentropy":
        p = pred.clamp(EPSILON, 1.0 - EPSILON)
        return -(y * torch.log(p) + (1.0 - y) * torch.log1p(-p)).sum() / pred.numel()
    if name == "hinge":
        return torch.relu(1.0 - y * pred).sum() / pred.numel()
    if name == "mean_absolute_error":
        return (pred - y).abs().sum() / pred.numel()
    if name == "mean_squared_error":
        e = pred - y
        return (e * e).sum() / pred.numel()
    if name == "huber":
        return F.huber_loss(pred, y, reduction="sum", delta=float(loss.delta)) / pred.numel()
    raise ValueError(f"no torch loss for {name!r}")
