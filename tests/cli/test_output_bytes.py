"""Results on stdout are UTF-8 with "\\n" on every system, for `nn-designer predict` and the exported predictor.

Run as real processes with the stdout encoding a Windows pipe has (cp1252: PYTHONIOENCODING, as Python
itself reads it); on the Windows CI job the "\\r\\n" translation of text streams is also real.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd

from designer.export import export_project
from designer.project.io import save_project
from tests.export.test_raw_rows import DATASETS, _graph, _project

LABELS = {"setosa": "sétosa", "versicolor": "versicolör", "virginica": "virgínica 東京"}


def _env() -> dict:
    env = dict(os.environ, PYTHONIOENCODING="cp1252", PYTHONUTF8="0")
    env.pop("PYTHONLEGACYWINDOWSSTDIO", None)
    return env


def _unicode_iris(tmp_path):
    df = pd.read_csv(DATASETS / "iris.csv")
    df["species"] = df["species"].map(lambda s: LABELS.get(s, s))
    assert set(df["species"]) == set(LABELS.values()), "the built-in iris labels changed"
    df.to_csv(tmp_path / "iris_ü.csv", index=False, encoding="utf-8")
    data = {"source": {"kind": "csv", "path": "iris_ü.csv"}, "target": "species", "task": "classification",
            "missing": "mean", "scaling": "standard"}
    project = _project("iris ü", _graph([("Dense", {"units": 6, "activation": "tanh"}),
                                        ("Dense", {"units": 3, "activation": "softmax"})]), data, tmp_path)
    rows = tmp_path / "rows.csv"
    df.drop(columns=["species"]).iloc[::10].to_csv(rows, index=False, encoding="utf-8")
    return project, rows


def _check(stdout: bytes) -> list[str]:
    assert b"\r" not in stdout
    text = stdout.decode("utf-8")  # strict: any other encoding fails here
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == 1 + 15 + 1  # header, 15 rows, then the final "\n"
    assert lines[0].startswith("species,") and "p_virgínica 東京" in lines[0]
    return lines


def test_predict_on_stdout_is_utf8_with_newlines(tmp_path):
    project, rows = _unicode_iris(tmp_path)
    path = tmp_path / "iris.nnproj"
    save_project(project, path)
    proc = subprocess.run([sys.executable, "-m", "designer", "predict", str(path), str(rows)], cwd=tmp_path,
                          capture_output=True, env=_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    lines = _check(proc.stdout)
    assert {line.split(",")[0] for line in lines[1:-1]} <= set(LABELS.values())


def test_exported_predictor_on_stdout_is_utf8_with_newlines(tmp_path):
    project, rows = _unicode_iris(tmp_path)
    script = export_project(project, "python", tmp_path / "standalone.py", base_dir=tmp_path)[0]
    proc = subprocess.run([sys.executable, str(script), str(rows)], cwd=tmp_path, capture_output=True,
                          env=_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    lines = _check(proc.stdout)
    assert {line.split(",")[0] for line in lines[1:-1]} <= set(LABELS.values())
