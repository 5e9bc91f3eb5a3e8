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


PIECES = {"lr_finder": shoot_lr_finder}


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
            app.processEvents()
            PIECES[name](window, app, out, mode)
            window.setWindowModified(False)
            window.session.mark_clean()
            window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
