"""The repository's example projects, for tests that train one (no Qt here: core tests use it too)."""

from __future__ import annotations

from pathlib import Path

from designer.project.io import load_project

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def quick_spiral(epochs: int):
    """examples/spiral.nnproj (2 inputs → Dense 8 tanh → Dense 8 tanh → softmax), made quick: 200 points,
    batches of 20."""
    project = load_project(EXAMPLES / "spiral.nnproj")
    project.data["source"]["samples"] = 200
    project.training["epochs"] = epochs
    project.training["batch_size"] = 20
    return project
