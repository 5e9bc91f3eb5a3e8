"""Exports fed raw rows (unscaled numbers, text categories, blank cells) agree with `nn-designer predict`."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from designer.data import load_table
from designer.export import export_project
from designer.graph import Graph
from designer.pipeline import predict_frame
from designer.project import Project
from designer.training.run import build_and_prepare
from tests.export.runtime import prepare_rows
from tests.export.test_export import load_module

DATASETS = Path(__file__).resolve().parents[2] / "resources" / "datasets"


def _graph(nodes, input_shape=None) -> Graph:
    """A chain: Input, then `nodes` (type, params) in order."""
    g = Graph()
    g.add_node("Input", {"shape": list(input_shape)} if input_shape else {}, node_id="input_1")
    prev = "input_1"
    for i, (type_name, params) in enumerate(nodes, 1):
        nid = f"layer_{i}"
        g.add_node(type_name, params, node_id=nid)
        g.connect(prev, nid)
        prev = nid
    return g


def _project(name, graph, data, base_dir, loss="categorical_crossentropy") -> Project:
    """A project with the engine's seeded initial weights, biases moved off zero so every unit matters."""
    project = Project(name=name, graph=graph)
    project.data = data
    project.training = dict(project.training, loss=loss)
    net, _ = build_and_prepare(project, base_dir)
    weights = net.get_weights()
    rng = np.random.default_rng(1)
    for key, arr in weights.items():
        if key.endswith("/bias"):
            arr[...] = rng.normal(scale=0.3, size=arr.shape)
    project.weights = weights
    return project


def iris(base_dir) -> Project:
    data = {"source": {"kind": "builtin", "name": "iris"}, "target": "species", "task": "classification",
            "missing": "mean", "scaling": "standard"}
    return _project("iris", _graph([("Dense", {"units": 8, "activation": "tanh"}),
                                    ("Dense", {"units": 3, "activation": "softmax"})]), data, base_dir)


def categorical_iris(base_dir: Path) -> Project:
    """Iris with sepal width turned into text categories and a few cells blanked (numeric and text)."""
    df = pd.read_csv(DATASETS / "iris.csv")
    widths = pd.cut(df["sepal_width_cm"], [0, 2.9, 3.3, 9], labels=["narrow", "medium", "wide"])
    df["sepal_width_cm"] = widths.astype(str)
    df.loc[[3, 40, 77], "sepal_width_cm"] = ""
    df.loc[[5, 60], "petal_length_cm"] = np.nan
    df.to_csv(base_dir / "iris_cat.csv", index=False)
    data = {"source": {"kind": "csv", "path": "iris_cat.csv"}, "target": "species", "task": "classification",
            "missing": "median", "scaling": "minmax"}
    return _project("iris cat", _graph([("Dense", {"units": 6, "activation": "relu"}),
                                        ("Dense", {"units": 3, "activation": "softmax"})]), data, base_dir)


def categorical_diabetes(base_dir: Path) -> Project:
    """Regression with a text column (sex → F/M) and blanks in numeric and text columns."""
    df = pd.read_csv(DATASETS / "diabetes.csv")
    df["sex"] = df["sex"].map({1.0: "F", 2.0: "M"})
    df.loc[[2, 9], "sex"] = ""
    df.loc[[4, 17, 30], "bmi"] = np.nan
    df.to_csv(base_dir / "diabetes_cat.csv", index=False)
    data = {"source": {"kind": "csv", "path": "diabetes_cat.csv"}, "target": "progression", "task": "regression",
            "missing": "mean", "scaling": "standard"}
    return _project("diabetes", _graph([("Dense", {"units": 5, "activation": "elu"}), ("Dense", {"units": 1})]),
                    data, base_dir, loss="mean_squared_error")


def digits_cnn(base_dir) -> Project:
    data = {"source": {"kind": "builtin", "name": "digits"}, "target": "digit", "task": "classification",
            "missing": "mean", "scaling": "standard"}
    graph = _graph([("Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"}),
                    ("MaxPooling2D", {"pool_size": 2}), ("Flatten", {}),
                    ("Dense", {"units": 10, "activation": "softmax"})], input_shape=(8, 8, 1))
    return _project("digits cnn", graph, data, base_dir)


PROJECTS = {"iris": iris, "categorical_iris": categorical_iris, "diabetes": categorical_diabetes,
            "digits_cnn": digits_cnn}


def raw_rows_csv(name: str, project: Project, base_dir: Path) -> Path:
    """Rows to predict, as a user would have them: the source's own rows (blanks included) plus, for the
    categorical sets, a category never seen in training and a row blank in every feature."""
    source = project.data["source"]
    path = base_dir / source["path"] if source["kind"] == "csv" else DATASETS / f"{source['name']}.csv"
    df = pd.read_csv(path, keep_default_na=False, dtype=str).head(60)
    if name == "categorical_iris":
        df.loc[len(df)] = {"sepal_length_cm": "5.0", "sepal_width_cm": "gigantic", "petal_length_cm": "1.5",
                           "petal_width_cm": "0.3", "species": "setosa"}
        df.loc[len(df)] = dict.fromkeys(df.columns, "")
    if name == "diabetes":
        df.loc[0, "sex"] = "X"  # unseen category
    out = base_dir / f"{name}_rows.csv"
    df.to_csv(out, index=False)
    return out


@pytest.fixture(params=sorted(PROJECTS))
def case(request, tmp_path):
    project = PROJECTS[request.param](tmp_path)
    rows = raw_rows_csv(request.param, project, tmp_path)
    expected = predict_frame(project, tmp_path, load_table({"kind": "csv", "path": str(rows)}, tmp_path))
    return request.param, project, rows, expected


def _check_against_predict(result, expected: pd.DataFrame, project: Project):
    if project.data["task"] == "regression":
        np.testing.assert_allclose(result[:, 0], expected["progression_predicted"].to_numpy(), rtol=1e-5, atol=1e-5)
        return
    labels, probs = result
    target = project.data["target"]
    assert labels == expected[target].tolist()
    p_cols = [c for c in expected.columns if c.startswith("p_")]
    np.testing.assert_allclose(probs, expected[p_cols].to_numpy(), atol=1e-5)


def test_python_predictor_on_raw_rows_matches_predict(case, tmp_path):
    name, project, rows, expected = case
    out = export_project(project, "python", tmp_path / f"{name}_model.py", base_dir=tmp_path)[0]
    source = out.read_text(encoding="utf-8")
    assert "import pandas" not in source and "designer" not in source.replace("Network Designer", "")
    module = load_module(out, f"raw_{name}")
    _check_against_predict(module.predict_rows(str(rows)), expected, project)
    # a list of dicts (what a web handler would build) gives the same answer as the CSV path
    with open(rows, newline="", encoding="utf-8") as f:
        dict_rows = list(csv.DictReader(f))
    _check_against_predict(module.predict_rows(dict_rows), expected, project)


def test_python_predictor_command_line_prints_predict_columns(case, tmp_path):
    name, project, rows, expected = case
    out = export_project(project, "python", tmp_path / "standalone.py", base_dir=tmp_path)[0]
    result = subprocess.run([sys.executable, "-I", str(out), str(rows)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    printed = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)
    assert list(printed.columns) == list(expected.columns)
    for col in expected.columns:
        if not pd.api.types.is_numeric_dtype(expected[col]):
            assert printed[col].astype(str).tolist() == expected[col].astype(str).tolist()
        else:
            np.testing.assert_allclose(printed[col].to_numpy(float), expected[col].to_numpy(float), rtol=1e-5,
                                       atol=1e-5)


def test_pytorch_prepare_on_raw_rows_matches_predict(case, tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    name, project, rows, expected = case
    written = export_project(project, "pytorch", tmp_path / f"pt_{name}", base_dir=tmp_path)
    assert [p.name for p in written] == ["model.py", "weights.npz", "train.py", "train_config.json",
                                         "preprocessing.json", "data.npz"]
    spec = json.loads(written[4].read_text(encoding="utf-8"))
    assert spec["target"] == project.data["target"]
    monkeypatch.syspath_prepend(str(written[0].parent))
    module = load_module(written[0], f"pt_raw_{name}")
    with torch.no_grad():
        out = module.load_model().predict_proba(torch.from_numpy(module.prepare(str(rows)))).numpy()
    out = out.reshape(len(expected), -1)
    if project.data["task"] == "regression":
        _check_against_predict(out, expected, project)
    else:
        labels = [spec["classes"][i] for i in module.class_indices(out, spec["loss"])]
        _check_against_predict((labels, module.class_probabilities(out, spec["loss"])), expected, project)


def _onnx_model(project, tmp_path):
    onnx = pytest.importorskip("onnx")
    path = export_project(project, "onnx", tmp_path / "model.onnx", base_dir=tmp_path)[0]
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    return path, model, {p.key: p.value for p in model.metadata_props}


def _raw_numeric(rows: Path, spec: dict) -> np.ndarray:
    """The raw feature columns as float32 in feature order, NaN where a cell is blank."""
    df = load_table({"kind": "csv", "path": str(rows)}, rows.parent)
    x = df[[c["name"] for c in spec["columns"]]].to_numpy(dtype=np.float32)
    return x.reshape((len(df), *spec["input_shape"]))


def _onnx_probabilities(out, spec):
    from tests.export.runtime import class_indices, class_probabilities

    out = out.reshape(out.shape[0], -1)
    return [spec["classes"][i] for i in class_indices(out, spec["loss"])], class_probabilities(out, spec["loss"])


@pytest.mark.parametrize("name", ["iris", "digits_cnn"])
def test_onnx_with_embedded_scaling_takes_raw_numbers(name, tmp_path):
    from onnx.reference import ReferenceEvaluator

    project = PROJECTS[name](tmp_path)
    rows = raw_rows_csv(name, project, tmp_path)
    frame = pd.read_csv(rows, dtype=str, keep_default_na=False)
    frame.iloc[[1, 7], 0] = ""  # missing cells: NaN in the ONNX input, filled inside the graph
    frame.to_csv(rows, index=False)
    expected = predict_frame(project, tmp_path, load_table({"kind": "csv", "path": str(rows)}, tmp_path))
    path, model, meta = _onnx_model(project, tmp_path)
    assert meta["input_preprocessing"].startswith("embedded")
    spec = json.loads(meta["preprocessing"])
    assert json.loads(meta["feature_names"]) == spec["feature_names"] and json.loads(meta["classes"]) == spec["classes"]
    assert {"IsNaN", "Where", "Sub", "Div"} <= {n.op_type for n in model.graph.node}
    x = _raw_numeric(rows, spec)
    assert np.isnan(x).any()
    got = ReferenceEvaluator(model).run(None, {"input": x})[0]
    _check_against_predict(_onnx_probabilities(got, spec), expected, project)


def test_onnx_with_embedded_scaling_in_onnxruntime(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    project = digits_cnn(tmp_path)
    rows = raw_rows_csv("digits_cnn", project, tmp_path)
    expected = predict_frame(project, tmp_path, load_table({"kind": "csv", "path": str(rows)}, tmp_path))
    path, _, meta = _onnx_model(project, tmp_path)
    spec = json.loads(meta["preprocessing"])
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": _raw_numeric(rows, spec)})[0]
    _check_against_predict(_onnx_probabilities(got, spec), expected, project)


@pytest.mark.parametrize("name", ["categorical_iris", "diabetes"])
def test_onnx_with_categories_takes_raw_columns_in_the_reference_evaluator(name, tmp_path):
    """The ai.onnx.ml front (one input per raw column) means the same in ONNX's own reference evaluator as in
    ONNX Runtime (tests/export/test_onnx_raw_rows.py): the graph's semantics, not one runtime's."""
    from onnx.reference import ReferenceEvaluator

    from tests.export.test_onnx_raw_rows import feeds

    project = PROJECTS[name](tmp_path)
    rows = raw_rows_csv(name, project, tmp_path)
    expected = predict_frame(project, tmp_path, load_table({"kind": "csv", "path": str(rows)}, tmp_path))
    _, model, meta = _onnx_model(project, tmp_path)
    assert meta["input_preprocessing"].startswith("embedded, one input per raw column")
    spec = json.loads(meta["preprocessing"])
    assert any(c["kind"] == "categorical" for c in spec["columns"])
    got = ReferenceEvaluator(model).run(None, feeds(meta, rows))[0]
    if project.data["task"] == "regression":
        _check_against_predict(got, expected, project)
    else:
        _check_against_predict(_onnx_probabilities(got, spec), expected, project)


def test_unseen_category_and_blank_row_encode_as_the_engine_does(tmp_path):
    """The generated runtime and the app's Preprocessor give the same matrix, not just the same argmax."""
    from designer.export.preprocessing import preprocessing_spec
    from designer.training.run import build_and_prepare as prep

    project = categorical_iris(tmp_path)
    rows = raw_rows_csv("categorical_iris", project, tmp_path)
    _, prepared = prep(project, tmp_path)
    spec = preprocessing_spec(prepared, prepared.input_shape, "categorical_crossentropy")
    df = load_table({"kind": "csv", "path": str(rows)}, tmp_path)
    engine = prepared.preprocessor.transform(df)
    np.testing.assert_array_equal(prepare_rows(str(rows), spec), engine)
    assert spec["feature_names"][1:4] == ["sepal_width_cm=medium", "sepal_width_cm=narrow", "sepal_width_cm=wide"]


def test_missing_column_and_bad_number_are_reported(tmp_path):
    project = iris(tmp_path)
    module = load_module(export_project(project, "python", tmp_path / "p.py", base_dir=tmp_path)[0], "raw_errors")
    with pytest.raises(ValueError, match="lack the column 'petal_width_cm'"):
        module.predict_rows([{"sepal_length_cm": 5, "sepal_width_cm": 3, "petal_length_cm": 1}])
    with pytest.raises(ValueError, match="column 'sepal_length_cm', row 1: 'five' is not a number"):
        module.predict_rows({"sepal_length_cm": "five", "sepal_width_cm": 3, "petal_length_cm": 1,
                             "petal_width_cm": 0.2})


def test_export_without_data_has_no_row_api(tmp_path):
    from tests.export.nets import mlp, trained

    project, _, x = trained(mlp())
    module = load_module(export_project(project, "python", tmp_path / "p.py")[0], "raw_none")
    assert module.PREPROCESSING is None
    with pytest.raises(RuntimeError, match="without the project's data preparation"):
        module.predict_rows([{}])
    assert module.predict(x).shape == (len(x), 3)


def test_cli_exports_every_format_with_the_data_preparation(tmp_path, capsys):
    """`nn-designer export` passes the project's folder, so every format gets the preprocessing spec."""
    from designer import cli
    from designer.project.io import save_project

    project = categorical_iris(tmp_path)
    save_project(project, tmp_path / "cat.nnproj")
    outs = {"onnx": "m.onnx", "python": "m.py", "pytorch": "pt", "keras": "k"}
    for fmt, name in outs.items():
        assert cli.main(["export", str(tmp_path / "cat.nnproj"), "--format", fmt, "--out", str(tmp_path / name)]) == 0
    capsys.readouterr()
    assert (tmp_path / "pt" / "preprocessing.json").is_file() and (tmp_path / "k" / "preprocessing.json").is_file()
    spec = json.loads((tmp_path / "k" / "preprocessing.json").read_text(encoding="utf-8"))
    assert spec["columns"][1]["kind"] == "categorical"
    assert load_module(tmp_path / "m.py", "cli_cat").PREPROCESSING["target"] == "species"
