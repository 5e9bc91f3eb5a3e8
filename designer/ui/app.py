"""Application entry points: `run_app` (the window) and `smoke_test` (installers and packaging checks)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEvent, QSettings, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

ORG_NAME = "NetworkDesigner"
APP_NAME = "Network Designer"
SMOKE_TIMEOUT_S = 120
# How long a thread holding the interpreter lock runs before one waiting for it gets it. Runs train in a process
# of their own (designer/training/remote.py), but the learning-rate finder, experiments, the overfitting lab and
# data imports still work on threads of this process, which want the lock all the time, while the GUI thread
# gives it up at every call into Qt and needs it back for every Python callback Qt makes (each virtual of a
# Python-made widget or item): at CPython's default 5 ms a repaint took 100-400 ms. Measured on iris trained on
# a thread, 20,000 epochs: longest stall 348 ms at 0.5 ms, 28 ms at 10 us, with less CPU in all. Only matters
# while a thread waits, so a thread running alone loses nothing.
SWITCH_INTERVAL_S = 1e-5
_HARMLESS = ("propagateSizeHints",)  # offscreen/xcb noise that says nothing to a user


def _message_handler(mode: QtMsgType, context, message: str) -> None:
    if any(h in message for h in _HARMLESS) or sys.stderr is None:  # None: a windowed program on Windows
        return
    try:
        sys.stderr.write(f"{message}\n")
    except (OSError, ValueError, UnicodeError):  # an exception escaping into Qt would abort the program
        pass


def collect_garbage_on_gui_thread():
    """Python's cycle collector runs in whichever thread crosses its threshold — the trainer's or a data
    loader's — and may delete Qt widgets caught in reference cycles there, which crashes Qt later (segfaults
    in unrelated places). pyqtgraph's GarbageCollector disables automatic collection and collects on a GUI
    timer instead. Keep the returned object alive."""
    from pyqtgraph.util.garbage_collector import GarbageCollector

    return GarbageCollector(interval=1.0)


class DesignerApplication(QApplication):
    """The application object. macOS sends the documents to open (QFileOpenEvent) to it alone, so they are
    taken here: an application-wide event filter would run Python for every event of every widget, and wait
    for the interpreter lock each time while a run trains."""

    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        sys.setswitchinterval(SWITCH_INTERVAL_S)

    def event(self, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        handler = getattr(self, "file_open", None)
        if handler is not None and event.type() == QEvent.Type.FileOpen and handler.take(event):
            return True
        return super().event(event)


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with name and organisation set (QSettings and the recovery folder use them)."""
    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    app = QApplication.instance() or DesignerApplication(argv if argv is not None else sys.argv[:1])
    qInstallMessageHandler(_message_handler)
    if getattr(app, "file_open", None) is None:  # from the start: macOS sends a launch document before exec()
        from designer.ui.file_open import FileOpenHandler

        app.file_open = FileOpenHandler(app, as_filter=not isinstance(app, DesignerApplication))
    from designer.ui.desktop import present
    from designer.ui.theme import apply_theme

    present(app)  # icon, Windows taskbar identity, Linux desktop file
    apply_theme(app)
    if getattr(app, "garbage_collector", None) is None:
        app.garbage_collector = collect_garbage_on_gui_thread()
    return app


def keep_compiled_kernels_out_of_the_window() -> None:
    """Training runs in its own process (designer.training.remote), with the compiled conv kernels. The learning
    tools that train here, beside the window, stay on NumPy: numba would add 150 MB to this process and hold
    its interpreter lock while it loads."""
    from designer.engine import conv_pool_kernels

    conv_pool_kernels.ENABLED = False


def run_app(project_path: str | None = None) -> int:
    keep_compiled_kernels_out_of_the_window()
    app = make_application()
    from designer.training import remote
    from designer.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    # the training process starts now, while the person looks at the window: the first run does not wait for it
    QTimer.singleShot(0, remote.prewarm)
    app.aboutToQuit.connect(remote.shut_down_idle)
    app.file_open.deliver_to(window.open_path)  # documents from the Finder/Dock, at launch and later
    if project_path:
        window.open_path(str(Path(project_path)))
    else:
        QTimer.singleShot(0, window.offer_recovery)
    return app.exec()


def _example_project():
    """A bundled example file when there is one, else the iris MLP built in code."""
    from designer.project.io import load_project
    from designer.resources import resources_dir
    from designer.ui.start_page import iris_mlp

    for folder in (resources_dir() / "examples", resources_dir().parent / "examples"):
        candidate = folder / "iris_mlp.nnproj"
        if candidate.is_file():
            return load_project(candidate), str(candidate)
    return iris_mlp(), None


def seconds_since_process_start() -> float | None:
    """Wall time since this process was created (Linux /proc; None elsewhere): the launch-to-window time
    includes the interpreter's and a bundle's own start-up, which a timer inside Python cannot see."""
    try:
        fields = Path("/proc/self/stat").read_text(encoding="utf-8", errors="replace").rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time in ticks after boot
        return float(Path("/proc/uptime").read_text(encoding="ascii").split()[0]) - started
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _smoke_exports(project, weights, base_dir) -> list[str]:
    """Export the smoke run's network in every format and run the exports (designer.export.selfcheck)."""
    import dataclasses
    import tempfile

    from designer.export.selfcheck import check_exports

    trained = dataclasses.replace(project, weights=weights)
    with tempfile.TemporaryDirectory(prefix="nn-designer-smoke-") as folder:
        return check_exports(trained, base_dir, Path(folder))


def smoke_test() -> int:
    """Open the main window (offscreen works), load an example, train one epoch in the training process, then
    export the result in every format and run the exports: what an installer must prove works."""
    t0 = time.perf_counter()
    try:
        app = make_application()
        from designer.ui.main_window import MainWindow

        project, path = _example_project()
        project.training["epochs"] = 1
        # settings of its own: closing the window must not replace the user's saved layout and recent files
        # with those of a window that was shown for a moment, maybe offscreen at 800×600
        import tempfile

        scratch = tempfile.TemporaryDirectory(prefix="nn-designer-smoke-settings-")
        settings = QSettings(str(Path(scratch.name) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(project, path, settings=settings, autosave=False)
        window.show()
        app.processEvents()
        has_icon = not app.windowIcon().isNull()  # a bundle that lost its icon files shows a blank one
        shown = seconds_since_process_start()
        if shown is not None:
            # CPU time too: on a busy machine the wall time says more about the neighbours than about the app
            print(f"smoke test: window shown {shown:.2f} s after the process started "
                  f"({time.process_time():.2f} s of CPU)", file=sys.stderr)
        outcome: dict = {}
        window.runner.finished.connect(lambda o: outcome.setdefault("ok", o))
        window.runner.failed.connect(lambda m: outcome.setdefault("error", m))
        window.runner.start(project, window.base_dir)
        clock = QElapsedTimer()
        clock.start()
        while not outcome and clock.elapsed() < SMOKE_TIMEOUT_S * 1000:
            app.processEvents()
            time.sleep(0.005)
        window.runner.shutdown()
        window.setWindowModified(False)
        window.session.mark_clean()  # the smoke test discards its run: no save prompt
        window.close()
        app.processEvents()
        scratch.cleanup()
    except Exception as exc:  # report any failure as a message and a non-zero exit, never a hang
        print(f"smoke test failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if not has_icon:
        print("smoke test failed: the application icon was not found", file=sys.stderr)
        return 1
    if "error" in outcome:
        print(f"smoke test failed: training reported: {outcome['error']}", file=sys.stderr)
        return 1
    if "ok" not in outcome:
        print(f"smoke test failed: training did not finish within {SMOKE_TIMEOUT_S} s", file=sys.stderr)
        return 1
    history = outcome["ok"].result.history
    loss = history[-1].get("loss") if history else float("nan")
    try:
        checked = _smoke_exports(project, outcome["ok"].weights, window.base_dir)
        for line in checked:
            print(f"smoke test: {line}", file=sys.stderr)
    except Exception as exc:  # an export that fails inside an installed app is exactly what this test is for
        print(f"smoke test failed: export: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"smoke test ok: {project.name}, 1 epoch, loss {loss:.4f}, {len(checked)} export formats, "
          f"{time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    return 0
