"""The core never imports Qt: it must run headless (CLI, servers, tests)."""

import ast
from pathlib import Path

import pytest

CORE = ["engine", "graph", "data", "training", "project", "export", "session", "torch_backend", "learn", "maths"]
ROOT = Path(__file__).resolve().parent.parent / "designer"
QT = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "shiboken6")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("room", CORE)
def test_core_room_does_not_import_qt(room):
    files = list((ROOT / room).rglob("*.py"))
    assert files, f"designer/{room} has no modules"
    offenders = [str(f.relative_to(ROOT)) for f in files if _imports(f) & set(QT)]
    assert not offenders, f"Qt imported in the core: {offenders}"


def test_cli_imports_ui_lazily():
    """cli.py may open the window, but only by importing designer.ui inside a function."""
    tree = ast.parse((ROOT / "cli.py").read_text(encoding="utf-8"))
    top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    for n in top_level:
        mod = n.module if isinstance(n, ast.ImportFrom) else n.names[0].name
        assert not (mod or "").startswith(("designer.ui", *QT)), mod
