"""Exports work from an installation that ships bytecode only (as PyInstaller bundles do): nothing reads a
module's source text at run time."""

from __future__ import annotations

import compileall
import os
import shutil
import subprocess
import sys
from pathlib import Path

import designer

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from pathlib import Path
import designer
assert Path(designer.__file__).parent == Path(sys.argv[1]) / "site" / "designer", designer.__file__
from designer.export import export_project
from designer.project.io import load_project
from designer.training.run import train_project
example = Path(sys.argv[2])
project, _ = train_project(load_project(example), example.parent, epochs=1)
out = Path(sys.argv[1])
for fmt, name in (("python", "p.py"), ("onnx", "m.onnx"), ("pytorch", "pt"), ("keras", "k")):
    export_project(project, fmt, out / name, base_dir=example.parent)
print("ok")
"""


def test_exports_from_a_bytecode_only_copy_of_the_package(tmp_path):
    package = Path(designer.__file__).parent
    copy = tmp_path / "site" / "designer"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "ui"))
    assert compileall.compile_dir(copy, legacy=True, quiet=1)  # legacy: .pyc beside the (removed) .py
    templates = copy / "export" / "templates"
    for source in copy.rglob("*.py"):
        if templates not in source.parents:  # package data stays; every module is bytecode only
            source.unlink()
    (tmp_path / "site" / "resources").symlink_to(ROOT / "resources")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    example = ROOT / "examples" / "iris_mlp.nnproj"
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), str(example)], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "p.py").is_file() and (tmp_path / "m.onnx").is_file()
