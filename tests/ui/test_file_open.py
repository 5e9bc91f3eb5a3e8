"""Documents the system hands over as QFileOpenEvent (macOS Finder, Open With, Dock): at launch and while the
app runs. The events are sent to the application object, as macOS's platform plugin does."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFileOpenEvent

from designer.ui.file_open import FileOpenHandler

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def handler(qapp):
    h = FileOpenHandler(qapp)
    yield h
    h.remove()
    h.deleteLater()


def test_second_document_while_running(make_window, handler, qapp, qtbot):
    window = make_window()
    handler.deliver_to(window.open_path)
    first, second = EXAMPLES / "iris_mlp.nnproj", EXAMPLES / "spiral.nnproj"
    assert QCoreApplication.sendEvent(qapp, QFileOpenEvent(str(first)))
    qtbot.waitUntil(lambda: window.path == str(first.resolve()))
    QCoreApplication.sendEvent(qapp, QFileOpenEvent(str(second)))
    qtbot.waitUntil(lambda: window.path == str(second.resolve()))
    assert window.recent.paths()[:2] == [str(second.resolve()), str(first.resolve())]


def test_document_that_arrives_before_the_window_is_kept(make_window, handler, qapp):
    path = EXAMPLES / "spiral.nnproj"
    QCoreApplication.sendEvent(qapp, QFileOpenEvent(str(path)))  # at launch: no window yet
    window = make_window()
    handler.deliver_to(window.open_path)
    assert window.path == str(path.resolve())


def test_other_events_pass_through(make_window, handler, qtbot):
    window = make_window()
    handler.deliver_to(window.open_path)
    qtbot.keyClick(window, "a")  # a normal event still reaches the window; nothing is opened
    assert window.path is None


def test_launch_document_through_run_app(tmp_path):
    """The real start-up path: `run_app` with a FileOpen event waiting before the event loop starts."""
    script = textwrap.dedent(f"""
        import sys
        from PySide6.QtCore import QCoreApplication, QTimer
        from PySide6.QtGui import QFileOpenEvent
        from designer.ui.app import make_application, run_app
        from designer.ui.main_window import MainWindow

        app = make_application()
        QCoreApplication.postEvent(app, QFileOpenEvent({str(EXAMPLES / "iris_mlp.nnproj")!r}))
        def check():
            windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow)]
            if windows and windows[0].path:
                print("opened", windows[0].path, flush=True)
                windows[0].close()
                app.quit()
            else:
                QTimer.singleShot(50, check)
        QTimer.singleShot(0, check)
        QTimer.singleShot(60000, app.quit)
        sys.exit(run_app())
    """)
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home), USERPROFILE=str(home),
               XDG_CONFIG_HOME=str(home / "config"), NN_DESIGNER_RECOVERY_DIR=str(tmp_path / "recovery"))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    out = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert f"opened {(EXAMPLES / 'iris_mlp.nnproj').resolve()}" in out
