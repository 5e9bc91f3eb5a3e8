"""Screenshots of the mathematics views in a real main window, light and dark (offscreen grab):

    python -m designer.ui.maths.screenshots /tmp/maths-shots

Opens a small 2-D classifier (spiral, 8 tanh units), trains it with the core's TrainingRun so the views have
real weights, then grabs each view.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def small_spiral():
    from designer.ui.start_page import spiral_classifier

    project = spiral_classifier()
    graph = project.graph
    for node in graph.nodes.values():
        if node.type == "Dense" and node.params.get("units") == 24:
            graph.set_param(node.id, "units", 8)
    project.training.update(epochs=40)
    return project


def trained_window(settings_path: str):
    from PySide6.QtCore import QSettings

    from designer.training.run import TrainingRun
    from designer.ui.main_window import MainWindow

    project = small_spiral()
    outcome = TrainingRun(project, None).run()
    window = MainWindow(project, None, QSettings(settings_path, QSettings.Format.IniFormat), autosave=False)
    window.session.record_run(outcome.weights, outcome.history_entry())
    return window


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "maths-screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from designer.ui import theme

    app = QApplication.instance() or QApplication([])
    window = trained_window(str(out / "settings.ini"))
    window.resize(1500, 950)
    window.show()
    maths = window.maths
    window.maths_dock.show()
    window.maths_dock.raise_()
    window.maths_dock.setFloating(True)  # a grab at a readable size: a person drags the dock out the same way
    window.maths_dock.resize(460, 820)
    dense = [n for n in window.project.graph.topological_order() if window.project.graph.nodes[n].type == "Dense"]
    for mode in ("light", "dark"):
        theme.apply_theme(app, mode)
        app.processEvents()
        window.canvas.select_node(dense[0])
        window.maths.show_node(dense[0])
        for index in range(maths.count()):
            maths.setCurrentIndex(index)
            app.processEvents()
            page = maths.currentWidget()
            if hasattr(page, "compute"):
                page.start_from.setCurrentIndex(1)
                page.compute()
            if hasattr(page, "flush_now"):
                page.flush_now()
            app.processEvents()
            name = maths.tabText(index).lower().replace(" ", "-")
            maths.grab().save(str(out / f"maths-{name}-{mode}.png"))
            body = getattr(page, "body", None)
            if body is not None:  # the whole scrolling page too
                body.grab().save(str(out / f"maths-{name}-whole-{mode}.png"))
        for extra in getattr(window, "maths_screenshots", lambda: [])():
            extra(out, mode, app)
        window.grab().save(str(out / f"window-{mode}.png"))
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
