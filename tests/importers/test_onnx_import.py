"""ONNX → project: an export comes back as the same graph with the same weights (identical predictions), and
what the app has no layer for is refused with the list of operators."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from designer.engine.network import Network
from designer.export import export_project
from designer.importers import ModelImportError, import_model
from designer.training.metrics import reshape_inputs
from designer.training.run import build_and_prepare
from tests.export import nets
from tests.export.test_onnx_raw_rows import penguins
from tests.export.test_raw_rows import PROJECTS


def _same_predictions(original, imported, x, a=None):
    if a is None:
        a = Network.from_graph(original.graph)
    a.set_weights(original.weights)
    b = Network.from_graph(imported.graph)
    b.set_weights(imported.weights)
    got = b.predict(x)
    spec = imported.extra.get("imported_from", {}).get("preprocessing") or {}
    if spec.get("target_scale"):  # the app's network answers in the target's units; the bare graph standardised
        got = got * np.float32(spec["target_scale"][0]) + np.float32(spec["target_mean"][0])
        np.testing.assert_allclose(got, a.predict(x), rtol=1e-6)
        return
    np.testing.assert_array_equal(got, a.predict(x))


@pytest.mark.parametrize("name", ["mlp", "cnn", "residual"])
def test_exported_networks_come_back_identical(name, tmp_path):
    project, _, x = nets.trained(getattr(nets, name)())
    path = export_project(project, "onnx", tmp_path / "m.onnx")[0]
    imported = import_model(path)
    assert sorted(n.type for n in imported.graph.nodes.values()) == \
        sorted(n.type for n in project.graph.nodes.values() if n.type != "Dropout")
    _same_predictions(project, imported, x)
    xs = [n.position[0] for n in imported.graph.nodes.values()]
    assert len(set(xs)) > 2  # laid out left to right, not piled up


@pytest.mark.parametrize("name", [*sorted(PROJECTS), "penguins"])
def test_raw_rows_exports_come_back_with_their_preparation(name, tmp_path):
    project = penguins(tmp_path) if name == "penguins" else PROJECTS[name](tmp_path)
    path = export_project(project, "onnx", tmp_path / "m.onnx", base_dir=tmp_path)[0]
    imported = import_model(path)
    network, prepared = build_and_prepare(project, tmp_path)
    x = reshape_inputs(prepared.x_train[:32], network.input_shape)
    _same_predictions(project, imported, x, network)
    assert imported.extra["imported_from"]["preprocessing"]["target"] == project.data["target"]
    assert imported.training["loss"] == project.training["loss"]


def test_composite_activations_and_foreign_ops_are_refused_with_their_names(tmp_path):
    project, _, _ = nets.trained(nets.branches())  # gelu/silu/softplus are built from Mul, Exp, Log …
    path = export_project(project, "onnx", tmp_path / "b.onnx")[0]
    with pytest.raises(ModelImportError, match="operator\\(s\\) Network Designer has no layer for: .*Exp.*Mul"):
        import_model(path)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])
    graph = helper.make_graph([helper.make_node("LSTM", ["x"], ["h"]), helper.make_node("Erf", ["h"], ["y"])],
                              "g", [x], [y])
    onnx.save(helper.make_model(graph), str(tmp_path / "f.onnx"))
    with pytest.raises(ModelImportError, match="2 operator\\(s\\) .*: Erf, LSTM$"):
        import_model(tmp_path / "f.onnx")


@pytest.mark.parametrize("payload", [b"", b"\x00" * 100, b"not a model at all", bytes(range(256)) * 40])
def test_broken_files_give_one_clear_error(payload, tmp_path):
    (tmp_path / "bad.onnx").write_bytes(payload)
    with pytest.raises(ModelImportError) as err:
        import_model(tmp_path / "bad.onnx")
    assert "\n" not in str(err.value)


def test_external_data_is_refused_without_opening_it(tmp_path):
    w = numpy_helper.from_array(np.ones((4, 2), np.float32), "w")
    w.data_location = TensorProto.EXTERNAL
    w.ClearField("float_data")
    w.ClearField("raw_data")
    entry = w.external_data.add()
    entry.key, entry.value = "location", "../../etc/passwd"
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "g", [x], [y], initializer=[w])
    (tmp_path / "e.onnx").write_bytes(helper.make_model(graph).SerializeToString())
    with pytest.raises(ModelImportError, match="external file"):
        import_model(tmp_path / "e.onnx")
