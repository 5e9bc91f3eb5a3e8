"""The shipped catalogue: real datasets from `resources/datasets` and generated 2-D toy sets.

Each entry knows its default target column and task, so a project that only names a dataset
(`{"kind": "builtin", "name": "spiral"}`) can be prepared without further settings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    task: str  # "classification" | "regression"
    target: str
    generated: bool = False
    file: str | None = None  # file name in resources/datasets for the real ones
    image_shape: tuple[int, ...] | None = None  # suggested Input shape when rows are images
    description: str = ""


# Defaults of the generated sets (TensorFlow Playground: 500 points, noise 0–0.5).
GENERATED_DEFAULTS = {"samples": 500, "noise": 0.0, "seed": 0}
MAX_GENERATED_SAMPLES = 1_000_000

BUILTIN_DATASETS: dict[str, DatasetInfo] = {
    d.name: d
    for d in [
        DatasetInfo("iris", "Iris flowers", "classification", "species", file="iris.csv",
                    description="150 flowers, 4 measurements, 3 species"),
        DatasetInfo("wine", "Wine cultivars", "classification", "cultivar", file="wine.csv",
                    description="178 wines, 13 chemical measurements, 3 cultivars"),
        DatasetInfo("breast_cancer", "Breast cancer (Wisconsin)", "classification", "diagnosis",
                    file="breast_cancer.csv", description="569 tumours, 30 features, malignant or benign"),
        DatasetInfo("digits", "Handwritten digits 8×8", "classification", "digit", file="digits.csv",
                    image_shape=(8, 8, 1), description="1797 grey 8×8 images of the digits 0–9"),
        DatasetInfo("diabetes", "Diabetes progression", "regression", "progression", file="diabetes.csv",
                    description="442 patients, 10 features, disease progression after one year"),
        DatasetInfo("line_outliers", "A line with outliers", "regression", "y", file="line_outliers.csv",
                    description="y = 2x + 1 with a little noise, and 24 of 200 rows far above the line"),
        DatasetInfo("circle", "Circle", "classification", "label", generated=True,
                    description="a disc of one class inside a ring of the other"),
        DatasetInfo("xor", "Exclusive or", "classification", "label", generated=True,
                    description="four quadrants, opposite quadrants share a class"),
        DatasetInfo("gauss", "Two Gaussians", "classification", "label", generated=True,
                    description="two Gaussian clouds; noise widens them"),
        DatasetInfo("spiral", "Spiral", "classification", "label", generated=True,
                    description="two interleaved spirals"),
        DatasetInfo("moons", "Two moons", "classification", "label", generated=True,
                    description="two interleaving half circles"),
        DatasetInfo("reg_plane", "Plane (regression)", "regression", "y", generated=True,
                    description="y rises linearly with x1 + x2"),
        DatasetInfo("reg_gauss", "Gaussian bumps (regression)", "regression", "y", generated=True,
                    description="six positive and negative Gaussian bumps"),
    ]
}
