"""Keras 3 update rules on torch tensors — the same rules, in the same order of operations, as
designer/engine/optimizers.py, whose optimizer object stays the source of the hyper-parameters: the
trainer's schedules and the window's live edits (learning rate, momentum …) change that object, and every
step reads it. State (moments, accumulators) lives on the device beside the weights.
"""

from __future__ import annotations

import math

import torch


class TorchOptimizerState:
    """Per-parameter slots for one engine optimizer, created at the first step."""

    def __init__(self):
        self.slots: list[dict[str, torch.Tensor]] | None = None

    @torch.no_grad()
    def step(self, optimizer, params: list[torch.Tensor], grads: list[torch.Tensor]) -> None:
        kind = optimizer.name
        if self.slots is None or len(self.slots) != len(params):
            self.slots = [self._new_slots(kind, optimizer, p) for p in params]
        optimizer.iterations += 1
        update = _UPDATES[kind]
        for w, g, slots in zip(params, grads, self.slots):
            update(optimizer, w, g, slots)

    @staticmethod
    def _new_slots(kind: str, optimizer, w: torch.Tensor) -> dict[str, torch.Tensor]:
        if kind == "sgd":
            return {"m": torch.zeros_like(w)}
        if kind in ("adam", "adamw"):
            return {"m": torch.zeros_like(w), "v": torch.zeros_like(w)}
        if kind == "rmsprop":
            return {"v": torch.zeros_like(w)}
        if kind == "adagrad":
            return {"acc": torch.full_like(w, float(optimizer.initial_accumulator_value))}
        raise ValueError(f"no torch update rule for {kind!r}")


def _sgd(opt, w, g, slots):
    lr = float(opt.learning_rate)
    if opt.momentum == 0.0:
        w.sub_(g * lr)
        return
    m = slots["m"]
    tmp = g * lr
    m.mul_(float(opt.momentum)).sub_(tmp)
    if opt.nesterov:
        w.sub_(tmp).add_(m * float(opt.momentum))
    else:
        w.add_(m)


def _adam(opt, w, g, slots):
    t = opt.iterations
    b1, b2 = float(opt.beta_1), float(opt.beta_2)
    alpha = float(opt.learning_rate) * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)
    m, v = slots["m"], slots["v"]
    m.add_((g - m) * (1.0 - b1))
    v.add_((g * g - v) * (1.0 - b2))
    w.sub_(m / (v.sqrt() + float(opt.epsilon)) * alpha)


def _adamw(opt, w, g, slots):
    if opt.weight_decay:
        w.sub_(w * (float(opt.weight_decay) * float(opt.learning_rate)))
    _adam(opt, w, g, slots)


def _rmsprop(opt, w, g, slots):
    rho = float(opt.rho)
    v = slots["v"]
    v.mul_(rho).add_(g * g * (1.0 - rho))
    w.sub_(g / (v + float(opt.epsilon)).sqrt() * float(opt.learning_rate))


def _adagrad(opt, w, g, slots):
    acc = slots["acc"]
    acc.add_(g * g)
    w.sub_(g / (acc + float(opt.epsilon)).sqrt() * float(opt.learning_rate))


_UPDATES = {"sgd": _sgd, "adam": _adam, "adamw": _adamw, "rmsprop": _rmsprop, "adagrad": _adagrad}
