"""Memory a training run needs, estimated before it starts and compared with what the machine has free.

A network inside the documented size limits can still need more memory than the computer has (one measured
case: 7.1 GB); without a check that ends in a MemoryError deep in NumPy. The estimate counts what the engine
really holds, in float32: weights, their gradients, the optimizer's state, the NaN guard's two weight
snapshots, one batch's activations with their gradients and cached inputs (plus the im2col matrix of each
convolution), and the prepared data with its shuffled copy.
"""

from __future__ import annotations

import math
import os
import re
import sys

from designer.errors import TrainingError

FLOAT = 4  # bytes per float32
ENV_LIMIT = "NN_DESIGNER_MEMORY_LIMIT"  # optional cap (bytes, or with K/M/G), also lower than the free memory
OPTIMIZER_SLOTS = {"sgd": 1, "adam": 2, "adamw": 2, "rmsprop": 1, "adagrad": 1}  # state arrays per weight
PREDICT_CHUNK = 1024  # rows per chunk when the validation split is predicted


def estimate(network, n_rows: int, n_val_rows: int, batch_size: int, optimizer_type: str) -> dict[str, int]:
    """Bytes per part: weights (with gradients, optimizer state, snapshots), activations, data; and total."""
    params = sum(int(a.size) for _, a in network.parameters())
    weights = params * FLOAT * (2 + OPTIMIZER_SLOTS.get(optimizer_type, 2) + 2)
    per_sample = 0
    for layer in network.layers.values():
        out = math.prod(layer.output_shape) if layer.output_shape else 0
        per_sample += 3 * out  # output, its gradient, what backward caches (inputs, masks)
        if hasattr(layer, "cin") and hasattr(layer, "kh"):  # Conv2D's im2col: kh·kw·c_in per output pixel
            per_sample += 2 * math.prod(layer.output_shape[:-1]) * layer.kh * layer.kw * layer.cin
    batch = max(1, min(batch_size, n_rows))
    activations = per_sample * FLOAT * max(batch, min(PREDICT_CHUNK, n_val_rows))
    width = math.prod(network.input_shape) + math.prod(network.output_shape)
    data = (2 * n_rows + n_val_rows) * width * FLOAT
    parts = {"weights": weights, "activations": activations, "data": data}
    parts["total"] = sum(parts.values())
    return parts


def available_bytes() -> int | None:
    """Memory free for a new allocation now (None when the platform will not say), capped by ENV_LIMIT."""
    free = _free_memory()
    limit = _env_limit()
    if limit is not None:
        free = limit if free is None else min(free, limit)
    return free


def _env_limit() -> int | None:
    """Bytes from ENV_LIMIT: a number with an optional K, M, G or T (binary), and an optional B: 4G, 512MB, 3 GB."""
    text = os.environ.get(ENV_LIMIT, "").strip().upper()
    if not text:
        return None
    match = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)\s*([KMGT]?)B?", text)
    if match is None:
        raise TrainingError(f"{ENV_LIMIT} must be a size such as 4G or 512M, got {text!r}")
    scale = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[match.group(2)]
    return int(float(match.group(1)) * scale)


def _free_memory() -> int | None:
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/meminfo", encoding="ascii") as f:
                for line in f:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            return None
        return None
    if sys.platform == "win32":
        import ctypes

        class _Status(ctypes.Structure):
            _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                        ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
                        ("ullTotalPageFile", ctypes.c_ulonglong), ("ullAvailPageFile", ctypes.c_ulonglong),
                        ("ullTotalVirtual", ctypes.c_ulonglong), ("ullAvailVirtual", ctypes.c_ulonglong),
                        ("ullAvailExtendedVirtual", ctypes.c_ulonglong)]

        status = _Status()
        status.dwLength = ctypes.sizeof(_Status)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            return int(status.ullAvailPhys)
        return None
    try:  # macOS and other POSIX: physical memory (macOS frees its caches on demand)
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def size_text(n: int) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{max(n, 0) / 1e3:.0f} kB"


def check_memory(network, n_rows: int, n_val_rows: int, batch_size: int, optimizer_type: str,
                 available: int | None = None) -> dict[str, int]:
    """The estimate, or TrainingError with it and a way out when it does not fit in `available` bytes
    (default: what the machine has free now)."""
    parts = estimate(network, n_rows, n_val_rows, batch_size, optimizer_type)
    free = available_bytes() if available is None else available
    if free is not None and parts["total"] > free:
        biggest = max(("weights", "activations", "data"), key=parts.get)
        advice = {"activations": f"a smaller batch size (now {batch_size}) or fewer units/filters",
                  "weights": "fewer units or filters (the weights alone are too big)",
                  "data": "fewer rows or columns"}[biggest]
        raise TrainingError(
            f"training needs about {size_text(parts['total'])} of memory (weights and optimizer state "
            f"{size_text(parts['weights'])}, one batch's activations {size_text(parts['activations'])}, data "
            f"{size_text(parts['data'])}) but only {size_text(free)} is free: use {advice}")
    return parts
