"""Turn a project's `data.source` into a raw table (before cleaning)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from designer.data.catalogue import BUILTIN_DATASETS
from designer.data.chunked import Progress
from designer.data.generated import generate
from designer.data.images import read_image_folder
from designer.data.reader import read_csv, read_npz
from designer.errors import DataError
from designer.resources import resource


def resolve_path(path: str | Path, base_dir: str | Path | None) -> Path:
    """Relative paths are relative to the project's folder (spec "Data")."""
    p = Path(path).expanduser()
    if not p.is_absolute() and base_dir is not None:
        p = Path(base_dir) / p
    return p


@lru_cache(maxsize=8)
def _builtin_file(file: str) -> pd.DataFrame:
    df, _info = read_csv(resource("datasets", file), delimiter=",", header=True, encoding="utf-8")
    return df


def load_table_with_info(source: dict, base_dir: str | Path | None = None, *,
                         progress: Progress | None = None) -> tuple[pd.DataFrame, dict]:
    """The raw DataFrame plus what is known about where it came from (`name`, detected CSV settings …).
    `progress(fraction)` follows a CSV file's parsing and may raise LoadCancelled (see chunked.py)."""
    if not isinstance(source, dict):
        raise DataError("data.source must be an object with a 'kind'")
    kind = source.get("kind", "builtin")
    if kind == "builtin":
        name = source.get("name")
        info = BUILTIN_DATASETS.get(name)
        if info is None:
            raise DataError(f"unknown builtin dataset '{name}' (known: {', '.join(BUILTIN_DATASETS)})")
        if info.generated:
            df = generate(name, source.get("samples"), source.get("noise"), source.get("seed"))
        else:
            df = _builtin_file(info.file).copy()
        return df, {"name": name, "kind": "builtin", "image_shape": info.image_shape}
    if kind in ("csv", "npz"):
        if not source.get("path"):
            raise DataError(f"data.source of kind '{kind}' needs a 'path'")
        path = resolve_path(source["path"], base_dir)
        if kind == "csv":
            df, csv_info = read_csv(path, delimiter=source.get("delimiter"), header=source.get("header"),
                                    encoding=source.get("encoding"), na_values=source.get("na_values"),
                                    progress=progress)
            return df, {"name": path.name, "kind": "csv", "csv": csv_info.to_dict(), "image_shape": None}
        x_name, y_name = source.get("x", "x"), source.get("y", "y")
        df, shape = read_npz(path, x_name, y_name)
        return df, {"name": path.name, "kind": "npz", "image_shape": shape if len(shape) > 1 else None,
                    "target": y_name}
    if kind == "images":
        if not source.get("path"):
            raise DataError("data.source of kind 'images' needs a 'path' (the folder with one sub-folder per class)")
        return read_image_folder(resolve_path(source["path"], base_dir), source)
    raise DataError(f"unknown data source kind '{kind}' (use builtin, csv, npz or images)")


def load_table(source: dict, base_dir: str | Path | None = None) -> pd.DataFrame:
    """The raw table a data source describes (contract in docs/architecture.md)."""
    return load_table_with_info(source, base_dir)[0]
