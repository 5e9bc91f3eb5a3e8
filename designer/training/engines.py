"""Which engine does a run's arithmetic: the NumPy engine (built in, the default) or the optional PyTorch
one (`training.engine: "torch"`, `training.device`). torch is imported only when it is chosen."""

from __future__ import annotations

from designer import torch_backend
from designer.errors import TrainingError


def engine_name(settings: dict) -> str:
    name = (settings or {}).get("engine") or "numpy"
    if name not in torch_backend.ENGINES:
        raise TrainingError(f"training.engine must be numpy or torch, got {name!r}")
    return name


def for_run(network, settings: dict, warnings: list[str], strict: bool = False):
    """`network` itself for the NumPy engine, or a TorchNetwork over it (same weights) for torch. A project
    asking for torch where torch is not installed trains on NumPy, with a notice in `warnings` (`strict`: it is
    refused instead)."""
    if engine_name(settings) == "numpy":
        return network
    if not torch_backend.available():
        if strict:
            raise TrainingError("the PyTorch engine needs torch, which is not installed here: pip install torch "
                                "(or train with --engine numpy)")
        warnings.append("this project trains on the PyTorch engine, but torch is not installed here: "
                        "training on the NumPy engine instead")
        return network
    from designer.torch_backend.network import TorchNetwork

    return TorchNetwork(network, device=settings.get("device") or "auto", seed=settings.get("seed"))


def describe(network) -> str:
    """"numpy", or "torch (cpu)" / "torch (cuda)" … for messages and the run's record."""
    device = getattr(network, "device", None)
    return f"torch ({device.type})" if device is not None else "numpy"
