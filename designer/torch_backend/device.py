"""Which torch device a run uses: "auto" takes CUDA, then MPS, then the CPU; an explicit choice that is not
present is refused with one clear line."""

from __future__ import annotations

import torch

from designer.errors import TrainingError


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def present_devices() -> list[str]:
    """The devices this machine offers torch, best first ("cpu" always)."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    if mps_available():
        found.append("mps")
    return [*found, "cpu"]


def resolve_device(name: str | None) -> torch.device:
    name = (name or "auto").lower()
    if name == "auto":
        return torch.device(present_devices()[0])
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            raise TrainingError("training.device is cuda, but torch sees no CUDA GPU here: choose auto or cpu")
        return torch.device("cuda")
    if name == "mps":
        if not mps_available():
            raise TrainingError("training.device is mps, but torch sees no Apple GPU (MPS) here: choose auto or cpu")
        return torch.device("mps")
    raise TrainingError(f"training.device must be auto, cpu, cuda or mps, got {name!r}")
