"""Every export names the same classes as the app when the labels are numbers that sort differently as text
and as numbers (1, 2, 10 — text order would be 1, 10, 2).

The expected labels are worked out in the test: the prepared rows through the project's own weights written
out in NumPy (Dense → tanh → Dense → softmax), argmax, then the labels in numeric order. Each format's answer
must equal that and the app's `predict`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from designer.data import load_table
from designer.export import export_project
from designer.pipeline import predict_frame
from designer.training.run import build_and_prepare
from tests.export.test_export import load_module
from tests.export.test_raw_rows import DATASETS, _graph, _project

NUMERIC_ORDER = ["1", "2", "10"]


def _numeric_label_project(base_dir: Path):
    df = pd.read_csv(DATASETS / "iris.csv")
    df["species"] = df["species"].map({"setosa": 2, "versicolor": 10, "virginica": 1})
    df.to_csv(base_dir / "numeric.csv", index=False)
    data = {"source": {"kind": "csv", "path": "numeric.csv"}, "target": "species", "task": "classification",
            "missing": "mean", "scaling": "standard"}
    graph = _graph([("Dense", {"units": 6, "activation": "tanh"}), ("Dense", {"units": 3, "activation": "softmax"})])
    project = _project("numeric labels", graph, data, base_dir)
    rows = base_dir / "rows.csv"
    df.drop(columns=["species"]).to_csv(rows, index=False)
    return project, rows


def _hand_labels(project, base_dir: Path, rows: Path) -> list[str]:
    _, prepared = build_and_prepare(project, base_dir)
    x = prepared.preprocessor.transform(load_table({"kind": "csv", "path": str(rows)}, base_dir)).astype(np.float64)
    w = project.weights
    h = np.tanh(x @ w["layer_1/kernel"] + w["layer_1/bias"])
    z = h @ w["layer_2/kernel"] + w["layer_2/bias"]
    return [NUMERIC_ORDER[i] for i in z.argmax(axis=1)]


@pytest.fixture
def numeric(tmp_path):
    project, rows = _numeric_label_project(tmp_path)
    expected = _hand_labels(project, tmp_path, rows)
    assert len(set(expected)) == 3, "the weights must predict every class for the test to mean something"
    app = predict_frame(project, tmp_path, load_table({"kind": "csv", "path": str(rows)}, tmp_path))
    assert app["species"].tolist() == expected
    assert [c for c in app.columns if c.startswith("p_")] == [f"p_{c}" for c in NUMERIC_ORDER]
    return project, rows, expected


def test_prepared_classes_are_in_numeric_order(tmp_path):
    project, _ = _numeric_label_project(tmp_path)
    _, prepared = build_and_prepare(project, tmp_path)
    assert prepared.classes == NUMERIC_ORDER


def test_python_predictor_labels(numeric, tmp_path):
    project, rows, expected = numeric
    module = load_module(export_project(project, "python", tmp_path / "num.py", base_dir=tmp_path)[0], "num_py")
    assert module.CLASSES == NUMERIC_ORDER
    labels, _ = module.predict_rows(str(rows))
    assert labels == expected


def test_onnx_labels_in_onnxruntime(numeric, tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    import onnx

    project, rows, expected = numeric
    path = export_project(project, "onnx", tmp_path / "num.onnx", base_dir=tmp_path)[0]
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    classes = json.loads(meta["classes"])
    assert classes == NUMERIC_ORDER
    x = pd.read_csv(rows).to_numpy(np.float32)  # scaling is embedded in the graph: raw numbers go in
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out = session.run(None, {session.get_inputs()[0].name: x})[0]
    assert [classes[i] for i in out.argmax(axis=1)] == expected


def test_pytorch_labels(numeric, tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    project, rows, expected = numeric
    written = export_project(project, "pytorch", tmp_path / "pt_num", base_dir=tmp_path)
    monkeypatch.syspath_prepend(str(written[0].parent))
    module = load_module(written[0], "pt_num")
    assert module.CLASSES == NUMERIC_ORDER
    with torch.no_grad():
        out = module.load_model().predict_proba(torch.from_numpy(module.prepare(str(rows)))).numpy()
    assert [module.CLASSES[i] for i in module.class_indices(out, "categorical_crossentropy")] == expected


def test_keras_labels(numeric, tmp_path, monkeypatch):
    project, rows, expected = numeric
    written = export_project(project, "keras", tmp_path / "k_num", base_dir=tmp_path)
    assert json.loads(written[-1].read_text(encoding="utf-8"))["classes"] == NUMERIC_ORDER
    keras = pytest.importorskip("keras")
    monkeypatch.syspath_prepend(str(written[0].parent))
    module = load_module(written[0], "k_num")
    assert module.CLASSES == NUMERIC_ORDER
    out = keras.ops.convert_to_numpy(module.load_model()(module.prepare(str(rows)), training=False))
    assert [module.CLASSES[i] for i in module.class_indices(out, "categorical_crossentropy")] == expected


def test_cli_predict_and_evaluate_use_numeric_order(numeric, tmp_path, capsys):
    from designer import cli
    from designer.project.io import save_project

    project, rows, expected = numeric
    save_project(project, tmp_path / "num.nnproj")
    out = tmp_path / "pred.csv"
    assert cli.main(["predict", str(tmp_path / "num.nnproj"), str(rows), "--out", str(out)]) == 0
    capsys.readouterr()
    printed = pd.read_csv(out, dtype=str)
    assert printed["species"].tolist() == expected
    assert [c for c in printed.columns if c.startswith("p_")] == [f"p_{c}" for c in NUMERIC_ORDER]
