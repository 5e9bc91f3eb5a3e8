"""Weights trained elsewhere, brought home: read a weights file (the project's `.npz` format, as exports and
the exported train.py write it, or a train.py checkpoint `.pt`) and check every array against the network
the project describes, by name and shape, before anything changes.

    weights = read_trained_weights(path, expected)    # expected: {"<node>/<name>": shape}
The file is never executed: `.npz` loads with allow_pickle=False, `.pt` with torch's weights_only loader
(tensors and plain values only); sizes are checked against the network before arrays are read.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np

from designer.errors import ProjectError

CHECKPOINT_FORMAT = "nn-designer-torch-checkpoint"  # what the exported train.py writes
_SLACK = 1 << 16  # bytes of headers per array member beyond its data


def expected_weights(project, base_dir) -> dict[str, tuple[int, ...]]:
    """{"<node id>/<name>": shape} of every array the project's network holds."""
    from designer.engine.network import Network
    from designer.pipeline import resolve_input_shape

    shape = resolve_input_shape(project, base_dir)
    net = Network.from_graph(project.graph, input_shape=shape, seed=0)
    return {key: tuple(arr.shape) for key, arr in net.get_weights().items()}


def _list(keys, limit=4) -> str:
    keys = sorted(keys)
    return ", ".join(keys[:limit]) + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def _read_npz(path: Path, expected: dict) -> dict[str, np.ndarray]:
    budget = sum(4 * math.prod(s) + _SLACK for s in expected.values())
    try:
        with zipfile.ZipFile(path) as zf:
            declared = sum(info.file_size for info in zf.infolist())
        if declared > budget:
            raise ProjectError(f"{path.name}: the arrays take {declared:,} bytes, far more than this network's "
                               f"weights ({budget:,}): not weights of this project")
        with np.load(path, allow_pickle=False) as z:
            return {key: z[key] for key in z.files}
    except ProjectError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ProjectError(f"cannot read the weights file {path}: {exc}") from None


def _read_checkpoint(path: Path, expected: dict) -> dict[str, np.ndarray]:
    """The project-format arrays an exported train.py's checkpoint carries beside its torch state."""
    try:
        import torch
    except ImportError:
        raise ProjectError(f"{path.name} is a PyTorch checkpoint: reading it needs torch (pip install torch), or "
                           "use the trained_weights.npz that train.py writes beside it") from None
    budget = sum(8 * math.prod(s) + _SLACK for s in expected.values()) + (1 << 20)
    if path.stat().st_size > 4 * budget:  # the optimizer's state may triple it
        raise ProjectError(f"{path.name} is far larger than this network's weights: not a checkpoint of this project")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 — torch raises many kinds (pickle, zip, runtime) for a bad file
        raise ProjectError(f"cannot read the checkpoint {path}: {str(exc).splitlines()[0][:200]}") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise ProjectError(f"{path.name} is not a checkpoint written by an exported train.py")
    weights = ckpt.get("weights")
    if not isinstance(weights, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                                for k, v in weights.items()):
        raise ProjectError(f"{path.name}: the checkpoint holds no weights in the project's format")
    return {key: t.detach().to(torch.float32).numpy() for key, t in weights.items()}


def read_trained_weights(path, expected: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """float32 arrays for exactly the names in `expected`, each of its shape, all finite; ProjectError naming
    the first problem otherwise."""
    path = Path(path)
    if not path.is_file():
        raise ProjectError(f"the weights file {path} does not exist")
    with open(path, "rb") as f:
        magic = f.read(4)
    if path.suffix.lower() in (".pt", ".pth") or (magic[:2] == b"PK" and path.suffix.lower() != ".npz"
                                                  and _is_torch_zip(path)):
        arrays = _read_checkpoint(path, expected)
    elif magic[:2] == b"PK":
        arrays = _read_npz(path, expected)
    else:
        raise ProjectError(f"{path.name} is neither a weights .npz nor a train.py checkpoint (.pt)")
    unknown = set(arrays) - set(expected)
    if unknown:
        raise ProjectError(f"{path.name} holds arrays this network has no place for: {_list(unknown)} "
                           "(weights of another network, or layers renamed since the export?)")
    missing = set(expected) - set(arrays)
    if missing:
        raise ProjectError(f"{path.name} lacks {_list(missing)}, which this network needs")
    out = {}
    for key, shape in expected.items():
        arr = arrays[key]
        if arr.dtype.kind not in "fiu":
            raise ProjectError(f"{path.name}: {key} holds {arr.dtype} values, not numbers")
        if tuple(arr.shape) != tuple(shape):
            raise ProjectError(f"{path.name}: {key} has shape {list(arr.shape)}, but this network needs "
                               f"{list(shape)}")
        arr = arr.astype(np.float32)
        if not np.isfinite(arr).all():
            raise ProjectError(f"{path.name}: {key} holds NaN or infinite values")
        out[key] = arr
    return out


def _is_torch_zip(path: Path) -> bool:
    """torch.save files are zip archives too; theirs hold a data.pkl, an npz holds .npy members."""
    try:
        with zipfile.ZipFile(path) as zf:
            return any(name.endswith("data.pkl") for name in zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
