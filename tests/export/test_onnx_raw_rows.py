"""ONNX on raw rows with text columns: one input per raw column, one-hot encoding inside the graph (ai.onnx.ml),
checked in ONNX Runtime against `nn-designer predict` on rows with text, blanks, `NA` and unseen categories."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest

from designer.data import load_table
from designer.export import export_project
from designer.pipeline import predict_frame
from tests.export.runtime import class_probabilities
from tests.export.test_raw_rows import _graph, _project, categorical_diabetes, categorical_iris, raw_rows_csv

DOCS = Path(__file__).resolve().parents[2] / "docs" / "export.md"


def penguins(base_dir: Path):
    """Penguin-like rows: text island and sex, blank bill lengths, `NA` sexes, a row-number column ignored."""
    rng = np.random.default_rng(0)
    lines = ["rownames,species,island,bill_length_mm,body_mass_g,sex"]
    for i in range(150):
        k = i % 3
        bill = "" if i % 17 == 5 else f"{38 + 5 * k + rng.normal():.1f}"
        sex = "NA" if i % 23 == 7 else ["male", "female"][i % 2]
        island = ["Biscoe", "Dream", "Torgersen"][(k + (i % 5 == 0)) % 3]
        lines.append(f"{i + 1},{['Adelie', 'Gentoo', 'Chinstrap'][k]},{island},{bill},"
                     f"{3500 + 400 * k + int(rng.integers(0, 300))},{sex}")
    (base_dir / "penguins.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = {"source": {"kind": "csv", "path": "penguins.csv"}, "target": "species", "task": "classification",
            "features": ["island", "bill_length_mm", "body_mass_g", "sex"],
            "missing": "most_frequent", "scaling": "standard"}
    return _project("penguins", _graph([("Dense", {"units": 8, "activation": "relu"}),
                                        ("Dense", {"units": 3, "activation": "softmax"})]), data, base_dir)


def penguin_rows(base_dir: Path) -> Path:
    rows = base_dir / "penguins.csv"
    df = pd.read_csv(rows, dtype=str, keep_default_na=False).head(40)
    df.loc[len(df)] = {"rownames": "900", "species": "Adelie", "island": "Atlantis", "bill_length_mm": "40.1",
                       "body_mass_g": "3900", "sex": "NA"}  # unseen island
    df.loc[len(df)] = {"rownames": "901", "species": "Adelie", "island": "", "bill_length_mm": "NA",
                       "body_mass_g": "", "sex": ""}  # every feature blank or NA
    df.loc[len(df)] = {"rownames": "902", "species": "Gentoo", "island": "NA", "bill_length_mm": "49",
                       "body_mass_g": "5000", "sex": "unknown"}  # unseen sex
    out = base_dir / "penguin_rows.csv"
    df.to_csv(out, index=False)
    return out


CASES = {"penguins": penguins, "categorical_iris": categorical_iris, "diabetes": categorical_diabetes}


def _rows_path(name, project, base_dir):
    return penguin_rows(base_dir) if name == "penguins" else raw_rows_csv(name, project, base_dir)


def feeds(model_meta: dict, rows: Path) -> dict:
    """The ONNX Runtime feeds for raw CSV rows, built with the standard library's csv reader only."""
    spec = json.loads(model_meta["preprocessing"])
    na = set(spec["na_values"])
    with open(rows, newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    out = {}
    for i in json.loads(model_meta["raw_inputs"]):
        cells = [r.get(i["column"]) or "" for r in table]
        if i["kind"] == "numeric":
            out[i["input"]] = np.array([[np.nan if c.strip() in na else float(c)] for c in cells], np.float32)
        else:
            out[i["input"]] = np.array([[c] for c in cells], dtype=object)
    return out


def max_difference(name, tmp_path) -> float:
    """Export `name` to ONNX, run it in ONNX Runtime on raw rows; the largest difference from `predict`."""
    project = CASES[name](tmp_path)
    rows = _rows_path(name, project, tmp_path)
    expected = predict_frame(project, tmp_path, load_table({"kind": "csv", "path": str(rows)}, tmp_path))
    path = export_project(project, "onnx", tmp_path / "model.onnx", base_dir=tmp_path)[0]
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["input_preprocessing"].startswith("embedded, one input per raw column")
    ops = {n.op_type for n in model.graph.node}
    assert {"LabelEncoder", "OneHotEncoder", "IsNaN", "Where", "Sub", "Div"} <= ops
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == [i["input"] for i in json.loads(meta["raw_inputs"])]
    out = session.run(None, feeds(meta, rows))[0].reshape(len(expected), -1)
    spec = json.loads(meta["preprocessing"])
    if spec["task"] == "regression":
        return float(np.max(np.abs(out[:, 0] - expected[f"{spec['target']}_predicted"].to_numpy())))
    probs = class_probabilities(out, spec["loss"])
    labels = [spec["classes"][k] for k in probs.argmax(axis=1)]
    assert labels == expected[spec["target"]].tolist()
    return float(np.max(np.abs(probs - expected[[f"p_{c}" for c in spec["classes"]]].to_numpy())))


@pytest.mark.parametrize("name", sorted(CASES))
def test_onnx_runtime_on_raw_rows_matches_predict(name, tmp_path):
    diff = max_difference(name, tmp_path)
    # predict rounds probabilities to 6 decimals; regression values are compared to float32 precision
    assert diff <= (1e-3 if name == "diabetes" else 1e-6), diff


def test_unseen_and_missing_categories_encode_like_the_app(tmp_path):
    """The graph's prepared features (before the network) equal the app's Preprocessor matrix exactly where
    it matters: unseen → all zeros, NA/blank → the fill category."""
    from designer.training.run import build_and_prepare

    project = penguins(tmp_path)
    rows = penguin_rows(tmp_path)
    path = export_project(project, "onnx", tmp_path / "model.onnx", base_dir=tmp_path)[0]
    model = onnx.load(str(path))
    meta = {p.key: p.value for p in model.metadata_props}
    scaled = next(n.output[0] for n in model.graph.node if n.output[0].startswith("preprocessing/scaled"))
    model.graph.output.append(onnx.helper.make_tensor_value_info(scaled, onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    got = session.run([scaled], feeds(meta, rows))[0]
    _, prepared = build_and_prepare(project, tmp_path)
    engine = prepared.preprocessor.transform(load_table({"kind": "csv", "path": str(rows)}, tmp_path))
    np.testing.assert_allclose(got, engine, rtol=1e-6, atol=1e-6)
    names = prepared.preprocessor.output_names
    island = [j for j, n in enumerate(names) if n.startswith("island=")]
    assert got[-3][island].tolist() == [0.0, 0.0, 0.0]  # "Atlantis" never seen


def test_hostile_column_names_become_safe_inputs(tmp_path):
    df = pd.DataFrame({"a b/c\"'; DROP": ["x", "y", "x", "z"] * 10, "ünï cødé": np.arange(40.0),
                       "label": ["p", "q"] * 20})
    df.to_csv(tmp_path / "h.csv", index=False)
    data = {"source": {"kind": "csv", "path": "h.csv"}, "target": "label", "task": "classification",
            "missing": "mean", "scaling": "standard"}
    project = _project("hostile", _graph([("Dense", {"units": 2, "activation": "softmax"})]), data, tmp_path)
    path = export_project(project, "onnx", tmp_path / "h.onnx", base_dir=tmp_path)[0]
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    raw = json.loads(meta["raw_inputs"])
    assert [r["column"] for r in raw] == ["a b/c\"'; DROP", "ünï cødé"]
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", r["input"]) for r in raw)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out = session.run(None, feeds(meta, tmp_path / "h.csv"))[0]
    expected = predict_frame(project, tmp_path, load_table({"kind": "csv", "path": "h.csv"}, tmp_path))
    np.testing.assert_allclose(out, expected[["p_p", "p_q"]].to_numpy(), atol=1e-6)


def test_the_docs_client_runs_with_no_python_of_ours(tmp_path):
    """docs/export.md's run_onnx.py, run as written in a fresh interpreter: no designer, no pandas."""
    text = DOCS.read_text(encoding="utf-8")
    block = text.split("<!-- run_onnx.py", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    script = tmp_path / "run_onnx.py"
    script.write_text(block, encoding="utf-8")
    assert "designer" not in block and "pandas" not in block
    project = penguins(tmp_path)
    rows = penguin_rows(tmp_path)
    model = export_project(project, "onnx", tmp_path / "model.onnx", base_dir=tmp_path)[0]
    guard = tmp_path / "guard"  # makes importing pandas or designer fail inside the script
    for name in ("pandas", "designer"):
        (guard / name).mkdir(parents=True)
        (guard / name / "__init__.py").write_text("raise ImportError('not allowed here')\n")
    result = subprocess.run([sys.executable, str(script), str(model), str(rows)], capture_output=True, text=True,
                            timeout=120, cwd=tmp_path, env={"PYTHONPATH": str(guard), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    expected = predict_frame(project, tmp_path, load_table({"kind": "csv", "path": str(rows)}, tmp_path))
    printed = [line.split() for line in result.stdout.splitlines()]
    assert [p[0] for p in printed] == expected["species"].tolist()
    probs = np.array([[float(v) for v in p[1:]] for p in printed])
    np.testing.assert_allclose(probs, expected[["p_Adelie", "p_Chinstrap", "p_Gentoo"]].to_numpy(), atol=2e-6)


def test_installers_self_check_runs_the_raw_column_graph(tmp_path):
    from designer.export.selfcheck import check_exports

    (tmp_path / "out").mkdir()
    lines = check_exports(penguins(tmp_path), tmp_path, tmp_path / "out")
    assert any(line.startswith("onnx: model.onnx run on raw columns") for line in lines)
