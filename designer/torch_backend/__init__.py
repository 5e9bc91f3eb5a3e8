"""The optional PyTorch engine: the same graph, losses, optimizers (Keras 3 update rules) and training loop
as the NumPy engine, with the arithmetic done by PyTorch on the CPU, a CUDA GPU or Apple's MPS.

Nothing here imports torch at module level: `available()` asks importlib whether it is installed, and the
modules that need it (`network`, `ops`, `optimizers`, `device`) are imported only when a run chooses the
torch engine. A NumPy run never loads torch (tests/torch_backend/test_no_torch_import.py).
"""

from __future__ import annotations

import importlib.util

ENGINES = ("numpy", "torch")
DEVICES = ("auto", "cpu", "cuda", "mps")


def available() -> bool:
    """True when `import torch` would succeed (without importing it)."""
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False
