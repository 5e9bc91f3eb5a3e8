"""Screenshots of an image-folder project, light and dark: the Data view's preview grid with class counts,
and the Evaluation view with a confusion-matrix cell opened into its images.

    python -m designer.ui.image_screenshots docs/screenshots

The folder is written from the shipped 8×8 digits (every digit upscaled to 24×24 PNG), so the shots are real.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from designer.ui.gallery import _wait

SIZE = (1440, 900)
DASHBOARD_SIZE = (1280, 620)  # the Evaluation shot: the dashboard floated at this size


def write_digit_folder(root: Path, per_class: int = 40) -> Path:
    from PIL import Image

    from designer.data import load_table

    df = load_table({"kind": "builtin", "name": "digits"})
    pixels = df.drop(columns="digit").to_numpy(dtype=np.float64)
    for digit in range(10):
        (root / str(digit)).mkdir(parents=True, exist_ok=True)
        rows = pixels[df["digit"].to_numpy() == digit][:per_class]
        for i, row in enumerate(rows):
            img = np.clip(row.reshape(8, 8) * 255 / 16, 0, 255).astype(np.uint8)
            Image.fromarray(img, "L").resize((24, 24), Image.Resampling.BILINEAR).save(root / str(digit) / f"{i}.png")
    return root


def image_project(folder: Path):
    from designer.ui.start_page import digits_cnn

    project = digits_cnn()
    project.name = "Digits from a folder"
    project.data.update({"source": {"kind": "images", "path": str(folder), "size": [16, 16], "color": "grayscale",
                                    "augment": {"flip": False, "shift": 0.05, "rotate": 8.0, "seed": 0}},
                         "target": "class", "task": "classification", "scaling": "none"})
    project.data.pop("features", None)
    project.graph.set_param(project.graph.input_nodes()[0], "shape", [16, 16, 1])
    project.training.update({"epochs": 4, "batch_size": 32})
    project.training["optimizer"] = {"type": "adam", "learning_rate": 0.005}
    project.data["split"] = {**project.data.get("split", {}), "test": 0.25}
    return project


def shoot(out_dir: Path) -> list[Path]:
    from PySide6.QtCore import QSettings

    from designer.ui.app import make_application
    from designer.ui.main_window import MainWindow
    from designer.ui.plots.dashboard import TAB_EVALUATION
    from designer.ui.theme import apply_theme

    app = make_application()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="nn-images-") as tmp:
        folder = write_digit_folder(Path(tmp) / "digits")
        for mode in ("light", "dark"):
            apply_theme(app, mode)
            settings = QSettings(str(Path(tmp) / f"settings-{mode}.ini"), QSettings.Format.IniFormat)
            window = MainWindow(image_project(folder), None, settings=settings, autosave=False)
            window.resize(*SIZE)
            window.show()
            panel = window.data_panel
            window.tabs.setCurrentWidget(panel)
            _wait(app, lambda p=panel: p.df is not None and not p.progress.isVisibleTo(p))
            panel.views.setCurrentIndex(panel.images_index)

            def grab(step: str, window=window, mode=mode) -> None:
                app.processEvents()
                window.dashboard.flush()
                app.processEvents()
                path = out_dir / f"images-{step}-{mode}.png"
                window.grab().save(str(path))
                written.append(path)

            grab("data-preview")
            window.train()
            _wait(app, lambda w=window: not w.runner.is_running and w.project.history)
            view = window.dashboard.confusion
            _wait(app, lambda v=view: v.cells is not None and v.matrix.size > 0, 30)
            window.dashboard.tabs.setCurrentIndex(TAB_EVALUATION)
            off = view.matrix.copy()
            np.fill_diagonal(off, 0)
            cell = np.unravel_index(int(np.argmax(off)), off.shape) if off.max() > 0 else (3, 3)
            app.processEvents()
            dock = window.dashboard_dock
            dock.setFloating(True)  # the whole dashboard at a readable size, not the docked strip
            dock.resize(*DASHBOARD_SIZE)
            app.processEvents()
            view.open_cell(int(cell[0]), int(cell[1]))
            app.processEvents()
            window.dashboard.flush()
            app.processEvents()
            path = out_dir / f"images-evaluation-cell-{mode}.png"
            dock.grab().save(str(path))
            written.append(path)
            dock.setFloating(False)
            window.runner.shutdown()
            panel.wait_for_load()
            window.session.mark_clean()
            window.close()
            window.deleteLater()
            app.processEvents()
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for path in shoot(Path(args[0] if args else "docs/screenshots")):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
