"""Without torch chosen, nothing imports it: the package, the command line, project files and a whole NumPy
run leave `torch` out of sys.modules (it costs a second or more to import, and may not be installed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import sys, importlib, pkgutil
import designer
for mod in ("designer.cli", "designer.commands", "designer.training.run", "designer.training.engines",
            "designer.project.io", "designer.pipeline", "designer.export", "designer.torch_backend"):
    importlib.import_module(mod)
from designer.project.io import load_project
from designer.training.run import TrainingRun
from designer import torch_backend
p = load_project("examples/spiral.nnproj")
out = TrainingRun(p, "examples", epochs=2, evaluate=True).run()
assert out.reason == "completed", out.reason
torch_backend.available()
bad = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
print("LOADED", bad)
"""


def test_a_numpy_run_never_imports_torch():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout, done.stdout


def test_the_cli_help_and_a_numpy_train_never_import_torch(tmp_path):
    script = ("import sys, runpy\n"
              "sys.argv = ['nn-designer', 'train', 'examples/spiral.nnproj', '--epochs', '1', '--quiet', "
              f"'--out', {str(tmp_path / 'out.nnproj')!r}]\n"
              "from designer.cli import main\n"
              "code = main(sys.argv[1:])\n"
              "print('LOADED', sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')), code)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "LOADED [] 0" in done.stdout, done.stdout + done.stderr
