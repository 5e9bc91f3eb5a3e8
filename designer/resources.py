"""Where the shipped files live: `resources/` beside the package in a checkout, or inside a bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller one-folder bundle
    if bundle:
        candidates.append(Path(bundle) / "resources")
    candidates.append(Path(__file__).resolve().parent.parent / "resources")
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[-1]


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def examples_dir() -> Path:
    """Example projects: `examples/` in a checkout, `examples` inside a bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle and (Path(bundle) / "examples").is_dir():
        return Path(bundle) / "examples"
    return Path(__file__).resolve().parent.parent / "examples"
