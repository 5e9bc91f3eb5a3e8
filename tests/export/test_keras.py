"""The Keras export: generated functional-API code that compiles, the files beside it, and (when Keras is
installed) outputs equal to the engine's."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from designer.errors import ExportError
from designer.export import export_project
from tests.export.nets import branches, cnn, mlp, residual, sequence, trained
from tests.export.test_export import load_module

NETS = {"mlp": mlp, "branches": branches, "cnn": cnn, "sequence": sequence, "residual": residual}


@pytest.fixture(params=sorted(NETS))
def case(request):
    return request.param, *trained(NETS[request.param]())


def _calls(source: str) -> set[str]:
    """`layers.X` names the generated code calls."""
    return {n.func.attr for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and isinstance(n.func.value, ast.Name) and n.func.value.id == "layers"}


def test_keras_code_compiles_and_files_are_written(case, tmp_path):
    name, project, net, x = case
    written = export_project(project, "keras", tmp_path / f"k_{name}")
    assert [p.name for p in written] == ["model.py", "weights.npz"]  # no data: no preprocessing.json
    source = written[0].read_text(encoding="utf-8")
    compile(source, str(written[0]), "exec")
    assert "designer" not in source.replace("Network Designer", "")
    with np.load(written[1], allow_pickle=False) as z:
        assert set(z.files) == set(project.weights)


def test_keras_layers_and_their_settings(tmp_path):
    project, _, _ = trained(mlp())
    source = export_project(project, "keras", tmp_path / "k")[0].read_text(encoding="utf-8")
    assert {"Dense", "BatchNormalization", "Dropout", "LeakyReLU", "ELU"} <= _calls(source)
    assert "momentum=0.99, epsilon=0.001" in source and "negative_slope=0.2" in source and "alpha=0.7" in source
    assert "use_bias=False, name='dense_3'" in source
    project, _, _ = trained(cnn())
    source = export_project(project, "keras", tmp_path / "c.py")[0].read_text(encoding="utf-8")
    assert {"Conv2D", "MaxPooling2D", "Concatenate", "Flatten", "BatchNormalization"} <= _calls(source)
    assert "padding='same'" in source and "strides=(2, 2)" in source and "axis=3" in source
    project, _, _ = trained(branches())
    source = export_project(project, "keras", tmp_path / "b")[0].read_text(encoding="utf-8")
    assert "layers.Add(" in source and "layers.Activation(gelu_tanh" in source


def test_keras_file_names_beside_a_py_name(tmp_path):
    project, _, _ = trained(mlp())
    written = export_project(project, "keras", tmp_path / "iris_net.py")
    assert [p.name for p in written] == ["iris_net.py", "iris_net_weights.npz"]
    with pytest.raises(ExportError, match="module name"):
        export_project(project, "keras", tmp_path / "iris-net.py")


def test_keras_outputs_match_engine(case, tmp_path, monkeypatch):
    keras = pytest.importorskip("keras")
    name, project, net, x = case
    written = export_project(project, "keras", tmp_path / f"k_{name}")
    monkeypatch.syspath_prepend(str(written[0].parent))
    model = load_module(written[0], f"keras_model_{name}").load_model()
    got = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(got, net.predict(x), rtol=1e-5, atol=1e-5)


def test_keras_with_data_writes_preprocessing_and_prepare(tmp_path, monkeypatch):
    from tests.export.test_raw_rows import digits_cnn, raw_rows_csv

    project = digits_cnn(tmp_path)
    rows = raw_rows_csv("digits_cnn", project, tmp_path)
    written = export_project(project, "keras", tmp_path / "k", base_dir=tmp_path)
    assert [p.name for p in written] == ["model.py", "weights.npz", "preprocessing.json"]
    source = written[0].read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert {"prepare", "load_preprocessing", "load_weights", "build_model"} <= {
        n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    keras = pytest.importorskip("keras")
    from designer.data import load_table
    from designer.pipeline import predict_frame

    expected = predict_frame(project, tmp_path, load_table({"kind": "csv", "path": str(rows)}, tmp_path))
    monkeypatch.syspath_prepend(str(written[0].parent))
    module = load_module(written[0], "keras_digits")
    out = keras.ops.convert_to_numpy(module.load_model()(module.prepare(str(rows)), training=False))
    probs = module.class_probabilities(out, "categorical_crossentropy")
    np.testing.assert_allclose(probs, expected[[f"p_{c}" for c in module.CLASSES]].to_numpy(), atol=1e-5)
