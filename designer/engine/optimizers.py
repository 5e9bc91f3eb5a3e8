"""Optimizers with Keras 3's exact update rules, updating float32 parameters in place.

    opt = make_optimizer({"type": "adam", "learning_rate": 0.01})
    opt.step(params, grads)      # lists of arrays, aligned; params change in place
    opt.learning_rate = 0.005    # takes effect at the next step
    opt.iterations               # steps taken so far

State (moments, accumulators) is created on the first step and kept per position in the list, so the
caller must pass the same parameters in the same order every step (Network.parameters() does).
Hyper-parameters are plain Python floats: NumPy keeps float32 arrays float32 when mixed with them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from designer.engine.registry import OPTIMIZERS, coerce_choice_params
from designer.errors import ParamError


class Optimizer:
    name = ""

    def __init__(self, learning_rate: float = 0.01, **hyper: Any):
        self.learning_rate = float(learning_rate)
        for key, value in hyper.items():
            setattr(self, key, value)
        self.iterations = 0
        self._slots: list[dict[str, np.ndarray]] | None = None
        self._tmp: list[np.ndarray] = []  # one scratch buffer per parameter: no allocation per step

    # ------------------------------------------------------------------ public
    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        if len(params) != len(grads):
            raise ValueError(f"{len(params)} parameters but {len(grads)} gradients")
        if self._slots is None or len(self._slots) != len(params):
            self._slots = [self._new_slots(p) for p in params]
            self._tmp = [np.empty_like(p) for p in params]
        self.iterations += 1
        for i, (w, g) in enumerate(zip(params, grads)):
            self._update(w, g, self._slots[i], self._tmp[i])

    def set_param(self, name: str, value: Any) -> None:
        """Change one hyper-parameter (validated against the registry) before the next step."""
        spec = {p.name: p for p in OPTIMIZERS[self.name].params}.get(name)
        if spec is None:
            raise ParamError(f'{self.name} has no parameter "{name}"; it has {", ".join(self.param_names())}',
                             "training.optimizer")
        try:
            value = spec.coerce(value)
        except ParamError as err:
            raise ParamError(err.message, f"training.optimizer.{name}") from None
        setattr(self, name, value)

    def param_names(self) -> list[str]:
        return [p.name for p in OPTIMIZERS[self.name].params]

    def get_config(self) -> dict:
        return {"type": self.name, **{n: getattr(self, n) for n in self.param_names()}}

    def reset(self) -> None:
        """Forget moments and the step count (a fresh start on new weights)."""
        self._slots = None
        self.iterations = 0

    # ------------------------------------------------------------------ per optimizer
    def _new_slots(self, w: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def _update(self, w: np.ndarray, g: np.ndarray, slots: dict[str, np.ndarray], tmp: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """m = momentum·m − lr·g; w += m (nesterov: w += momentum·m − lr·g); without momentum w −= lr·g."""

    name = "sgd"
    momentum: float = 0.0
    nesterov: bool = False

    def _new_slots(self, w):
        return {"m": np.zeros_like(w)}

    def _update(self, w, g, slots, tmp):
        lr = self.learning_rate
        if self.momentum == 0.0:
            np.multiply(g, lr, tmp)
            w -= tmp
            return
        m = slots["m"]
        np.multiply(g, lr, tmp)  # tmp = lr·g
        m *= self.momentum
        m -= tmp
        if self.nesterov:
            w -= tmp
            np.multiply(m, self.momentum, tmp)
            w += tmp
        else:
            w += m


class Adam(Optimizer):
    """m += (g − m)(1 − β1); v += (g² − v)(1 − β2); w −= lr·√(1 − β2ᵗ)/(1 − β1ᵗ) · m / (√v + ε)."""

    name = "adam"
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7

    def _new_slots(self, w):
        return {"m": np.zeros_like(w), "v": np.zeros_like(w)}

    def _update(self, w, g, slots, tmp):
        t = self.iterations
        alpha = self.learning_rate * math.sqrt(1.0 - self.beta_2**t) / (1.0 - self.beta_1**t)
        m, v = slots["m"], slots["v"]
        np.subtract(g, m, tmp)
        tmp *= 1.0 - self.beta_1
        m += tmp
        np.square(g, tmp)
        tmp -= v
        tmp *= 1.0 - self.beta_2
        v += tmp
        np.sqrt(v, tmp)
        tmp += self.epsilon
        np.divide(m, tmp, tmp)
        tmp *= alpha
        w -= tmp


class AdamW(Adam):
    """Adam after Keras's decoupled weight decay w −= w·wd·lr, applied to every parameter first."""

    name = "adamw"
    weight_decay: float = 0.004

    def _update(self, w, g, slots, tmp):
        if self.weight_decay:
            np.multiply(w, self.weight_decay * self.learning_rate, tmp)
            w -= tmp
        super()._update(w, g, slots, tmp)


class RMSprop(Optimizer):
    """v = ρ·v + (1 − ρ)·g²; w −= lr·g / √(v + ε)."""

    name = "rmsprop"
    rho: float = 0.9
    epsilon: float = 1e-7

    def _new_slots(self, w):
        return {"v": np.zeros_like(w)}

    def _update(self, w, g, slots, tmp):
        v = slots["v"]
        v *= self.rho
        np.square(g, tmp)
        tmp *= 1.0 - self.rho
        v += tmp
        np.add(v, self.epsilon, tmp)
        np.sqrt(tmp, tmp)
        np.divide(g, tmp, tmp)
        tmp *= self.learning_rate
        w -= tmp


class Adagrad(Optimizer):
    """acc starts at initial_accumulator_value; acc += g²; w −= lr·g / √(acc + ε)."""

    name = "adagrad"
    initial_accumulator_value: float = 0.1
    epsilon: float = 1e-7

    def _new_slots(self, w):
        return {"acc": np.full_like(w, self.initial_accumulator_value)}

    def _update(self, w, g, slots, tmp):
        acc = slots["acc"]
        np.square(g, tmp)
        acc += tmp
        np.add(acc, self.epsilon, tmp)
        np.sqrt(tmp, tmp)
        np.divide(g, tmp, tmp)
        tmp *= self.learning_rate
        w -= tmp


_CLASSES: dict[str, type[Optimizer]] = {c.name: c for c in (SGD, Adam, AdamW, RMSprop, Adagrad)}
assert set(_CLASSES) == set(OPTIMIZERS), "optimizers.py and the registry must list the same names"


def make_optimizer(cfg: dict | str) -> Optimizer:
    """The optimizer a project's `training.optimizer` section describes (ParamError when it is invalid)."""
    if isinstance(cfg, str):
        cfg = {"type": cfg}
    if not isinstance(cfg, dict):
        raise ParamError(f"must be an object with a type, got {cfg!r}", "training.optimizer")
    kind = cfg.get("type")
    cls = _CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ParamError(f'must be one of {", ".join(_CLASSES)}, got {kind!r}', "training.optimizer.type")
    params = {k: v for k, v in cfg.items() if k != "type"}
    checked = coerce_choice_params(OPTIMIZERS, kind, params, "training.optimizer")
    known = {p.name for p in OPTIMIZERS[kind].params}
    return cls(**{k: v for k, v in checked.items() if k in known})
