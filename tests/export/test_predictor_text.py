"""The NumPy predictor's command line prints byte for byte what `nn-designer predict` prints, on raw rows with
text, blanks and unseen categories, for classification (text and numeric labels) and regression."""

from __future__ import annotations

import subprocess
import sys

import pytest

from designer import cli
from designer.export import export_project
from designer.project.io import save_project
from tests.export.test_numeric_labels import _numeric_label_project
from tests.export.test_onnx_raw_rows import penguin_rows, penguins
from tests.export.test_raw_rows import PROJECTS, raw_rows_csv


def _case(name, tmp_path):
    if name == "numeric_labels":
        return _numeric_label_project(tmp_path)
    if name == "penguins":
        return penguins(tmp_path), penguin_rows(tmp_path)
    project = PROJECTS[name](tmp_path)
    return project, raw_rows_csv(name, project, tmp_path)


@pytest.mark.parametrize("name", [*sorted(PROJECTS), "numeric_labels", "penguins"])
def test_predictor_prints_exactly_what_predict_prints(name, tmp_path, capsys):
    project, rows = _case(name, tmp_path)
    save_project(project, tmp_path / "p.nnproj")
    capsys.readouterr()
    assert cli.main(["predict", str(tmp_path / "p.nnproj"), str(rows)]) == 0
    app = capsys.readouterr().out
    predictor = export_project(project, "python", tmp_path / "predictor.py", base_dir=tmp_path)[0]
    result = subprocess.run([sys.executable, "-I", str(predictor), str(rows)], cwd=tmp_path, capture_output=True,
                            timeout=120, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == app.splitlines()[0]
    assert result.stdout == app
