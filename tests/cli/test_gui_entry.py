"""The windowed launcher `nn-designer-gui` ([project.gui-scripts]) started the way a desktop starts it: no
standard streams at all (sys.stdout and sys.stderr are None). It must still work and keep its messages in
the log file, not crash on the first print.

POSIX: the descriptors are closed by the shell before exec. Windows: the GUI launcher is started with null
standard handles, as Explorer starts it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from designer import __version__

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def gui_launcher() -> Path:
    scripts = Path(sysconfig.get_path("scripts"))
    path = scripts / ("nn-designer-gui.exe" if sys.platform == "win32" else "nn-designer-gui")
    assert path.exists(), f"{path} missing: reinstall the package (pip install -e .) after pyproject changes"
    return path


def run_without_streams(args: list[str], log: Path, timeout: float = 180, home: Path | None = None) -> int:
    env = dict(os.environ, NN_DESIGNER_LOG=str(log), QT_QPA_PLATFORM="offscreen")
    if home is not None:  # the user's own settings (QSettings: ~/.config on Linux, ~/Library on macOS)
        env.update(HOME=str(home), USERPROFILE=str(home), XDG_CONFIG_HOME=str(home / "config"))
    if sys.platform == "win32":
        info = subprocess.STARTUPINFO()
        info.dwFlags |= subprocess.STARTF_USESTDHANDLES
        info.hStdInput = info.hStdOutput = info.hStdError = 0  # no handles, as from Explorer
        return subprocess.run([str(gui_launcher()), *args], env=env, startupinfo=info, timeout=timeout).returncode
    return subprocess.run(["sh", "-c", 'exec "$@" <&- >&- 2>&-', "sh", str(gui_launcher()), *args], env=env,
                          timeout=timeout).returncode


def test_version_goes_to_the_log(tmp_path):
    log = tmp_path / "logs" / "nn-designer.log"
    assert run_without_streams(["--version"], log) == 0
    assert f"nn-designer {__version__}" in log.read_text(encoding="utf-8")


def test_command_line_work_and_errors_go_to_the_log(tmp_path):
    log = tmp_path / "nn-designer.log"
    assert run_without_streams(["summary", str(EXAMPLES / "iris_mlp.nnproj")], log) == 0
    assert "Total params:" in log.read_text(encoding="utf-8")
    assert run_without_streams(["evaluate", str(tmp_path / "nöne.nnproj")], log) == 1
    assert "error:" in log.read_text(encoding="utf-8").splitlines()[-1]


def test_window_smoke_test_without_streams(tmp_path):
    """…and leaves the user's settings alone: an installer's check must not replace the saved window layout
    and recent files with those of its offscreen 800×600 window."""
    log, home = tmp_path / "nn-designer.log", tmp_path / "home"
    home.mkdir()
    assert run_without_streams(["--smoke-test"], log, home=home) == 0
    assert "smoke test ok" in log.read_text(encoding="utf-8")
    if sys.platform != "win32":  # (Windows keeps QSettings in the registry)
        written = [p.relative_to(home) for p in home.rglob("*") if p.is_file() and "NetworkDesigner" in str(p)]
        assert written == []


def test_qt_message_handler_without_stderr(qapp, monkeypatch):
    from PySide6.QtCore import QtMsgType

    from designer.ui.app import _message_handler

    monkeypatch.setattr(sys, "stderr", None)  # the windowed program's state, not the handler under test
    _message_handler(QtMsgType.QtWarningMsg, None, "a warning with nowhere to go")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX console script; Windows has the .exe above")
def test_console_script_is_still_the_command_line(tmp_path):
    scripts = Path(sysconfig.get_path("scripts"))
    proc = subprocess.run([str(scripts / "nn-designer"), "--version"], capture_output=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.decode("utf-8").strip() == f"nn-designer {__version__}"


def test_finder_process_serial_number_is_ignored(capsys):
    from designer.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["-psn_0_1234567", "--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"nn-designer {__version__}"
