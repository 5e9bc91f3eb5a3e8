"""ONNX on raw rows into a network whose Input is not flat (7 prepared features as a 7 × 1 column, then
Flatten): the graph reshapes the prepared row like the app (C order); checked in ONNX Runtime against
`nn-designer predict`'s frame on the same raw rows."""

from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime as ort

from designer.data import load_table
from designer.export import export_project
from designer.pipeline import predict_frame
from tests.export.runtime import class_probabilities
from tests.export.test_onnx_raw_rows import feeds, penguin_rows, penguins
from tests.export.test_raw_rows import _graph, _project


def test_raw_rows_reach_a_column_shaped_input_like_predict(tmp_path):
    data = penguins(tmp_path).data  # writes penguins.csv: 3 islands + bill + mass + 2 sexes = 7 features
    graph = _graph([("Flatten", {}), ("Dense", {"units": 8, "activation": "relu"}),
                    ("Dense", {"units": 3, "activation": "softmax"})], input_shape=(7, 1))
    project = _project("penguins 7x1", graph, data, tmp_path)
    rows = penguin_rows(tmp_path)
    expected = predict_frame(project, tmp_path, load_table({"kind": "csv", "path": str(rows)}, tmp_path))
    path = export_project(project, "onnx", tmp_path / "model.onnx", base_dir=tmp_path)[0]
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert "Reshape" in {n.op_type for n in model.graph.node}
    meta = {p.key: p.value for p in model.metadata_props}
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out = session.run(None, feeds(meta, rows))[0].reshape(len(expected), -1)
    spec = json.loads(meta["preprocessing"])
    probs = class_probabilities(out, spec["loss"])
    assert [spec["classes"][k] for k in probs.argmax(axis=1)] == expected[spec["target"]].tolist()
    np.testing.assert_allclose(probs, expected[[f"p_{c}" for c in spec["classes"]]].to_numpy(np.float64), atol=1e-5)
