"""Screenshots of the learning tools in a light and a dark palette, after real runs:

    python -m designer.ui.learning_screenshots OUT_DIR [piece ...]

Offscreen is enough (QT_QPA_PLATFORM=offscreen); each piece is grabbed as the user would see it.
"""

from __future__ import annotations

import sys
from pathlib import Path


def _wait(app, condition, timeout_s: float = 120.0) -> None:
    import time

    end = time.monotonic() + timeout_s
    while not condition():
        app.processEvents()
        if time.monotonic() > end:
            raise TimeoutError("the piece did not finish in time")
        time.sleep(0.01)


def shoot_lr_finder(window, app, out: Path, mode: str) -> None:
    window.learning.find_learning_rate()
    dialog = window.learning.lr_dialog
    _wait(app, lambda: dialog.result is not None or "Cannot" in dialog.status.text())
    app.processEvents()
    dialog.grab().save(str(out / f"lr-finder-{mode}.png"))
    dialog.close()


def shoot_concepts(window, app, out: Path, mode: str) -> None:
    window.grab().save(str(out / f"window-help-buttons-{mode}.png"))
    for key in ("relu", "learning_rate", "huber"):
        dialog = window.learning.show_concept(key)
        app.processEvents()
        dialog.grab().save(str(out / f"concept-{key}-{mode}.png"))
    dialog.close()


def shoot_lessons(window, app, out: Path, mode: str) -> None:
    window._show_workspace(False)
    app.processEvents()
    window.grab().save(str(out / f"start-page-lessons-{mode}.png"))
    window.learning.open_lesson("xor", "with a hidden layer")
    panel = window.learning.lesson_panel
    panel.run_experiment()
    _wait(app, lambda: panel.run_button.isEnabled())
    app.processEvents()
    window.grab().save(str(out / f"lesson-xor-{mode}.png"))


def shoot_experiments(window, app, out: Path, mode: str) -> None:
    window.project.training["epochs"] = 20
    dialog = window.learning.show_experiments()
    sweep = dialog.sweep
    sweep.edits["lr"].setText("0.001, 0.01, 0.05")
    sweep.edits["units"].setText("8, 32")
    sweep.start()
    _wait(app, lambda: sweep.run_button.isEnabled())
    app.processEvents()
    dialog.grab().save(str(out / f"sweep-{mode}.png"))
    window.learning.open_lesson("overfitting")
    window.project.training["epochs"] = 60
    dialog = window.learning.show_experiments(1)
    lab = dialog.lab
    lab.run_remedies()
    _wait(app, lambda: lab.remedies_button.isEnabled())
    lab.run_curve()
    _wait(app, lambda: lab.remedies_button.isEnabled())
    app.processEvents()
    dialog.grab().save(str(out / f"overfit-lab-{mode}.png"))
    dialog.close()


PIECES = {"lr_finder": shoot_lr_finder, "concepts": shoot_concepts, "lessons": shoot_lessons,
          "experiments": shoot_experiments}


def main(argv: list[str]) -> int:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from designer.ui import theme
    from designer.ui.main_window import MainWindow
    from designer.ui.start_page import iris_mlp

    out = Path(argv[0] if argv else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    wanted = argv[1:] or list(PIECES)
    app = QApplication.instance() or QApplication([])
    settings = QSettings(str(out / "settings.ini"), QSettings.Format.IniFormat)
    for mode in ("light", "dark"):
        theme.apply_theme(app, mode)
        for name in wanted:
            window = MainWindow(iris_mlp(), None, settings=settings, autosave=False)
            window.resize(1400, 900)
            window.show()
            for _ in range(5):
                app.processEvents()
            PIECES[name](window, app, out, mode)
            window.setWindowModified(False)
            window.session.mark_clean()
            window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
