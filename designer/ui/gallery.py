"""The window gallery: the first hour's screens at 1280×720 and 1920×1080, light and dark (`make screenshots`).

    QT_QPA_PLATFORM=offscreen python -m designer.ui.gallery docs/screenshots/gallery

Each screen is the real window after real steps: the start page, a CSV imported with its column roles, a
network on the canvas with the pre-flight's fix offered, the dashboard after a short training run, and the
evaluation. Look at every PNG after a UI change.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

SIZES = ((1280, 720), (1920, 1080))
THEMES = ("light", "dark")


def _wait(app, condition, timeout_s: float = 120.0) -> None:
    import time

    end = time.monotonic() + timeout_s
    while not condition():
        app.processEvents()
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        time.sleep(0.01)


def _sample_csv(folder: Path) -> Path:
    """Penguin-like rows: text categories, missing values and a row-number column."""
    import numpy as np

    rng = np.random.default_rng(0)
    lines = ["rownames,species,island,bill_length_mm,body_mass_g,sex,year"]
    for i in range(240):
        k = i % 3
        bill = "" if i % 17 == 5 else f"{38 + 5 * k + rng.normal():.1f}"
        sex = "NA" if i % 23 == 7 else ["male", "female"][i % 2]
        lines.append(f"{i + 1},{['Adelie', 'Gentoo', 'Chinstrap'][k]},{['Biscoe', 'Dream', 'Torgersen'][k]},"
                     f"{bill},{3500 + 400 * k + int(rng.integers(0, 300))},{sex},{2007 + i % 3}")
    path = folder / "penguins.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _role(panel, column: str) -> str:
    try:
        return panel.role_of(column)
    except KeyError:  # the table of the previous data is still shown
        return ""


def _first_network():
    """What a new user draws first: Input → Dense(16, relu) → Dense(16) — the output not yet fitted to the data."""
    from designer.ui.main_window import new_project

    project = new_project()
    project.name = "Penguins"
    graph = project.graph
    [inp] = graph.input_nodes()
    hidden = graph.add_node("Dense", {"units": 16, "activation": "relu"}, (260.0, 0.0)).id
    out = graph.add_node("Dense", {"units": 16}, (520.0, 0.0)).id
    graph.connect(inp, hidden)
    graph.connect(hidden, out)
    return project


def shoot(out_dir: Path) -> list[Path]:
    from PySide6.QtCore import QSettings, Qt

    from designer.ui.app import make_application
    from designer.ui.main_window import MainWindow
    from designer.ui.plots.dashboard import TAB_BOUNDARY, TAB_EVALUATION
    from designer.ui.theme import apply_theme

    app = make_application()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="nn-gallery-") as tmp:
        folder = Path(tmp)
        csv = _sample_csv(folder)
        for mode in THEMES:
            apply_theme(app, mode)
            for width, height in SIZES:
                settings = QSettings(str(folder / f"settings-{mode}-{width}.ini"), QSettings.Format.IniFormat)
                window = MainWindow(settings=settings, autosave=False)
                window.resize(width, height)
                window.show()
                app.processEvents()

                def grab(step: str, window=window, width=width, height=height, mode=mode) -> None:
                    app.processEvents()
                    window.dashboard.flush()  # plots redraw on a timer: draw what is there now
                    window.learning.refresh_rail()  # so does the workflow rail (50 ms after a change)
                    app.processEvents()
                    path = out_dir / f"{width}x{height}-{mode}-{step}.png"
                    window.grab().save(str(path))
                    written.append(path)

                grab("1-start")
                window.set_project(_first_network(), None)
                window.data_panel.set_config({"source": {"kind": "csv", "path": str(csv)}, "target": "species",
                                              "task": "classification", "missing": "drop"}, None)
                window.data_panel.config_changed.emit(window.data_panel.config())
                window.tabs.setCurrentWidget(window.data_panel)
                _wait(app, lambda p=window.data_panel: p.df is not None and "year" in p.df.columns
                      and not p.progress.isVisibleTo(p))
                from designer.data.roles import apply_roles

                panel = window.data_panel
                roles = {c: ("target" if c == "species" else "ignore" if c in ("rownames", "year") else "feature")
                         for c in panel.df.columns}
                panel._user_changed(apply_roles(panel.config(), roles))
                _wait(app, lambda p=panel: _role(p, "year") == "ignore" and not p.progress.isVisibleTo(p))
                grab("2-data-roles")
                window.tabs.setCurrentWidget(window.canvas)
                window.problems_dock.raise_()
                window.canvas.fit_to_view()
                grab("3-design-preflight")
                for _ in range(4):  # each fix redraws the list: click the first until none is offered
                    if not window.problems.fix_buttons:
                        break
                    window.problems.fix_buttons[0].click()
                    app.processEvents()
                window.project.training["epochs"] = 40
                window.training_panel.set_training(window.project.training)
                window.train()
                _wait(app, lambda w=window: not w.runner.is_running and w.project.history)
                _wait(app, lambda w=window: bool(w.dashboard.confusion.cell_texts()), 20)  # the evaluation is in
                window.project.training["epochs"] = 20  # a second run to compare: both ticked
                window.training_panel.set_training(window.project.training)
                window.dashboard.tabs.setCurrentIndex(0)
                window.train()
                _wait(app, lambda w=window: not w.runner.is_running and len(w.project.history) == 2)
                # its evaluation arrives a turn later and brings the Evaluation tab forward
                _wait(app, lambda w=window: w.dashboard.tabs.currentIndex() == TAB_EVALUATION, 20)
                runs = window.dashboard.runs_list
                runs.item(0).setCheckState(Qt.CheckState.Checked)
                window.dashboard.tabs.setCurrentIndex(0)
                grab("4-trained")
                window.dashboard.tabs.setCurrentIndex(TAB_EVALUATION)
                grab("5-evaluation")
                window.dashboard.tabs.setCurrentIndex(TAB_BOUNDARY)  # 4 features: a slice through two
                grab("6-boundary")
                window.runner.shutdown()
                window.data_panel.wait_for_load()
                window.session.mark_clean()
                window.close()
                window.deleteLater()
                app.processEvents()
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/screenshots/gallery")
    for path in shoot(out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
