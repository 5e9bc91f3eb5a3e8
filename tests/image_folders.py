"""Real image folders for tests: the shipped 8×8 digits written as PNG, JPEG and BMP files with Pillow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from designer.resources import resource

FORMATS = ("png", "jpg", "bmp")


def digit_images(classes=("0", "1", "2"), per_class: int = 30) -> dict[str, np.ndarray]:
    """{class: uint8 images (n, 8, 8)} from resources/datasets/digits.csv (values 0–16)."""
    data = np.loadtxt(resource("datasets", "digits.csv"), delimiter=",", skiprows=1)
    x, y = data[:, :-1], data[:, -1].astype(int)
    out = {}
    for c in classes:
        rows = x[y == int(c)][:per_class]
        out[c] = np.clip(rows * (255.0 / 16.0), 0, 255).astype(np.uint8).reshape(-1, 8, 8)
    return out


def make_digit_folder(root: Path, classes=("0", "1", "2"), per_class: int = 30, side: int = 16,
                      rgb: bool = False) -> Path:
    """root/<class>/<i>.<png|jpg|bmp>: each digit upscaled to side×side (JPEG for every third file)."""
    root.mkdir(parents=True, exist_ok=True)
    for c, images in digit_images(classes, per_class).items():
        (root / c).mkdir(exist_ok=True)
        for i, img in enumerate(images):
            im = Image.fromarray(img, "L").resize((side, side), Image.Resampling.NEAREST)
            if rgb:
                im = im.convert("RGB")
            im.save(root / c / f"{c}_{i:03d}.{FORMATS[i % 3]}")
    return root


def image_project(folder: Path, out: Path, side: int = 16, color: str = "grayscale", augment: dict | None = None,
                  epochs: int = 3) -> Path:
    """The digits CNN example retargeted at `folder` (path relative to `out`), Input side×side, saved to `out`."""
    import os

    from designer.project.io import load_project, save_project

    examples = Path(__file__).resolve().parents[1] / "examples"
    out.parent.mkdir(parents=True, exist_ok=True)
    project = load_project(examples / "digits_cnn.nnproj")
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir())
    source = {"kind": "images", "path": os.path.relpath(folder, out.parent), "size": [side, side], "color": color}
    if augment:
        source["augment"] = augment
    project.data.update({"source": source, "target": "class", "task": "classification", "scaling": "none"})
    project.data.pop("features", None)
    project.graph.set_param("input_1", "shape", [side, side, 3 if color == "rgb" else 1])
    project.graph.set_param("dense_1", "units", len(classes))
    project.training.update({"epochs": epochs, "batch_size": 16})
    project.training["optimizer"] = {"type": "adam", "learning_rate": 0.01}
    project.weights = {}
    project.history = []
    save_project(project, out)
    return out
