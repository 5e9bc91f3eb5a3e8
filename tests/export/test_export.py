"""Exports reproduce the engine's inference outputs; unsupported cases raise ExportError; writes are atomic."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from designer.data.prepared import PreparedData
from designer.errors import ExportError
from designer.export import emitters, export_project, numpy_predictor
from tests.export.nets import branches, cnn, mlp, residual, sequence, trained

NETS = {"mlp": mlp, "branches": branches, "cnn": cnn, "sequence": sequence, "residual": residual}


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=sorted(NETS))
def case(request):
    return request.param, *trained(NETS[request.param]())


# ------------------------------------------------------------------------------------------------ python
def test_python_predictor_matches_engine_inference(case, tmp_path):
    name, project, net, x = case
    written = export_project(project, "python", tmp_path / "predictor.py")
    assert written == [tmp_path / "predictor.py"]
    source = written[0].read_text(encoding="utf-8")
    assert "designer" not in source.replace("Network Designer", "")
    module = load_module(written[0], f"predictor_{name}")
    np.testing.assert_allclose(module.predict(x), net.predict(x), rtol=1e-5, atol=1e-6)
    # flat rows are reshaped in C order, as the trainer does; small batches give the same result
    flat = x.reshape(len(x), -1)
    np.testing.assert_allclose(module.predict(flat, batch_size=3), net.predict(x), rtol=1e-5, atol=1e-6)
    assert module.predict(flat[:0]).shape == (0, *net.output_shape)


def test_python_predictor_runs_without_designer(tmp_path):
    project, net, x = trained(mlp())
    out = export_project(project, "python", tmp_path / "standalone.py")[0]
    np.save(tmp_path / "x.npy", x)
    # -I: isolated mode, so neither the checkout nor PYTHONPATH is importable
    result = subprocess.run(
        [sys.executable, "-I", str(out), str(tmp_path / "x.npy")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60, encoding="utf-8"
    )
    assert result.returncode == 0, result.stderr
    printed = np.loadtxt(result.stdout.splitlines(), delimiter=",", ndmin=2)
    np.testing.assert_allclose(printed, net.predict(x), rtol=1e-5, atol=1e-6)


def test_python_predictor_with_weights_beside_it(tmp_path, monkeypatch):
    monkeypatch.setattr(numpy_predictor, "EMBED_LIMIT", 0)
    project, net, x = trained(cnn())
    written = export_project(project, "python", tmp_path / "big.py")
    assert written == [tmp_path / "big.py", tmp_path / "big.npz"]
    assert "_WEIGHTS_B64" not in written[0].read_text(encoding="utf-8")
    module = load_module(written[0], "predictor_big")
    np.testing.assert_allclose(module.predict(x), net.predict(x), rtol=1e-5, atol=1e-6)


def test_python_predictor_knows_the_classes(tmp_path):
    project, net, x = trained(mlp())
    prepared = PreparedData(
        *(np.zeros((1, 5), np.float32), np.zeros(1, np.int64)) * 3,
        task="classification",
        classes=["setosa", "versicolor", "virginica"],
        input_shape=(5,),
    )
    out = export_project(project, "python", tmp_path / "iris.py", prepared=prepared)[0]
    module = load_module(out, "predictor_iris")
    expected = [prepared.classes[i] for i in net.predict(x).argmax(axis=1)]
    assert module.predict_classes(x) == expected
    assert module.CLASSES == prepared.classes and module.TASK == "classification"


# ------------------------------------------------------------------------------------------------ onnx
def test_onnx_passes_checker_and_matches_engine(case, tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    name, project, net, x = case
    out = export_project(project, "onnx", tmp_path / "model.onnx")[0]
    model = onnx.load(str(out))
    onnx.checker.check_model(model, full_check=True)
    got = ReferenceEvaluator(model).run(None, {"input": x})[0]
    np.testing.assert_allclose(got, net.predict(x), rtol=1e-5, atol=1e-6)


def test_onnx_conv_chain_needs_only_two_transposes(tmp_path):
    onnx = pytest.importorskip("onnx")
    project, _, _ = trained(cnn())
    model = onnx.load(str(export_project(project, "onnx", tmp_path / "m.onnx")[0]))
    ops = [n.op_type for n in model.graph.node]
    assert ops.count("Transpose") == 2  # into NCHW once at the input, back once before Flatten
    assert {"Conv", "MaxPool", "BatchNormalization", "Concat", "Flatten", "Gemm", "Softmax"} <= set(ops)


def test_onnx_runs_in_onnxruntime(case, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    name, project, net, x = case
    out = export_project(project, "onnx", tmp_path / "model.onnx")[0]
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": x})[0], net.predict(x), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------------------ pytorch
def test_pytorch_code_compiles_and_files_are_written(case, tmp_path):
    name, project, net, x = case
    written = export_project(project, "pytorch", tmp_path / "torch_model")
    assert [p.name for p in written] == ["model.py", "weights.npz", "train.py", "train_config.json"]
    for path in written:
        if path.suffix == ".py":
            compile(path.read_text(encoding="utf-8"), str(path), "exec")
    with np.load(written[1], allow_pickle=False) as z:
        assert set(z.files) == set(project.weights)


def test_pytorch_model_file_name(tmp_path):
    project, _, _ = trained(mlp())
    written = export_project(project, "pytorch", tmp_path / "iris_net.py")
    assert [p.name for p in written] == ["iris_net.py", "iris_net_weights.npz", "train_iris_net.py",
                                         "train_iris_net_config.json"]
    assert "CONFIG_FILE = 'train_iris_net_config.json'" in written[2].read_text(encoding="utf-8")
    assert json.loads(written[3].read_text(encoding="utf-8"))["model_module"] == "iris_net"


def test_pytorch_outputs_match_engine(case, tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    name, project, net, x = case
    written = export_project(project, "pytorch", tmp_path / f"pt_{name}")
    monkeypatch.syspath_prepend(str(written[0].parent))
    module = load_module(written[0], f"torch_model_{name}")
    model = module.load_model()
    with torch.no_grad():
        got = model.predict_proba(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(got, net.predict(x), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------------------------ errors
def test_unknown_format(tmp_path):
    project, _, _ = trained(mlp())
    with pytest.raises(ExportError, match='unknown export format "tflite"'):
        export_project(project, "tflite", tmp_path / "x")


def test_untrained_project_is_refused(tmp_path):
    project, _, _ = trained(mlp())
    project.weights = {}
    with pytest.raises(ExportError, match="no trained weights"):
        export_project(project, "onnx", tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_missing_and_misshapen_weights_name_the_layer(tmp_path):
    project, _, _ = trained(mlp())
    del project.weights["dense_2/bias"]
    with pytest.raises(ExportError, match=r'layer "dense_2" \(dense_2/bias is missing\)'):
        export_project(project, "python", tmp_path / "p.py")
    project, _, _ = trained(mlp())
    project.weights["dense_1/kernel"] = np.zeros((4, 8), np.float32)
    with pytest.raises(ExportError, match=r"dense_1/kernel have shape \[4, 8\] but the layer needs \[5, 8\]"):
        export_project(project, "python", tmp_path / "p.py")


def test_nan_weights_are_refused(tmp_path):
    project, _, _ = trained(mlp())
    project.weights["dense_1/kernel"][0, 0] = np.nan
    with pytest.raises(ExportError, match="dense_1/kernel contain NaN"):
        export_project(project, "onnx", tmp_path / "m.onnx")


def test_invalid_graph_and_missing_input_shape(tmp_path):
    project, _, _ = trained(mlp())
    project.graph.disconnect("dense_2", "act_1")  # act_1 now has no input; dense_2 a second output
    with pytest.raises(ExportError, match="the network is not valid"):
        export_project(project, "python", tmp_path / "p.py")
    project, _, _ = trained(mlp())
    project.graph.nodes["input_1"].params.pop("shape")
    with pytest.raises(ExportError, match='Input layer "input_1" has no shape'):
        export_project(project, "python", tmp_path / "p.py")


def test_unsupported_layer_type_is_named(tmp_path, monkeypatch):
    monkeypatch.delitem(emitters._TABLES["numpy"], "BatchNormalization")  # a format without this type's emitter
    project, _, _ = trained(mlp())
    with pytest.raises(ExportError, match='Python export does not support layer type BatchNormalization .*"bn_1"'):
        export_project(project, "python", tmp_path / "p.py")


def test_bad_output_paths(tmp_path):
    project, _, _ = trained(mlp())
    with pytest.raises(ExportError, match=r"\.py file"):
        export_project(project, "python", tmp_path / "predictor.txt")
    with pytest.raises(ExportError, match="does not exist"):
        export_project(project, "onnx", tmp_path / "no" / "such" / "m.onnx")
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    with pytest.raises(ExportError, match="it is a file"):
        export_project(project, "pytorch", tmp_path / "afile")
    with pytest.raises(ExportError, match="module name"):
        export_project(project, "pytorch", tmp_path / "my-model.py")


def test_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    project, _, _ = trained(cnn())
    target = tmp_path / "model.onnx"
    target.write_bytes(b"previous export")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ExportError, match="cannot write .*model.onnx"):
        export_project(project, "onnx", target)
    assert target.read_bytes() == b"previous export"
    assert os.listdir(tmp_path) == ["model.onnx"]  # the temporary file is gone too


def test_successful_exports_leave_no_temporary_files(tmp_path):
    project, _, _ = trained(mlp())
    export_project(project, "onnx", tmp_path / "m.onnx")
    export_project(project, "python", tmp_path / "p.py")
    export_project(project, "pytorch", tmp_path / "pt")
    assert sorted(os.listdir(tmp_path)) == ["MODEL_CARD.md", "m.onnx", "p.py", "pt"]  # one card, the last export's
    assert sorted(os.listdir(tmp_path / "pt")) == ["MODEL_CARD.md", "model.py", "network.json", "train.py",
                                                   "train_config.json", "weights.npz"]


def test_pytorch_training_skeleton_runs_and_saves_project_weights(tmp_path):
    pytest.importorskip("torch")
    project, net, x = trained(cnn())
    folder = tmp_path / "pt"
    export_project(project, "pytorch", folder)
    y = np.random.default_rng(0).integers(0, 3, len(x))
    np.savez(tmp_path / "data.npz", x_train=x, y_train=y)
    result = subprocess.run(
        [sys.executable, str(folder / "train.py"), "--data", str(tmp_path / "data.npz"), "--epochs", "2",
         "--batch-size", "8"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120, encoding="utf-8"
    )
    assert result.returncode == 0, result.stderr
    assert "epoch 2/2  loss" in result.stderr
    with np.load(tmp_path / "trained_weights.npz", allow_pickle=False) as z:
        weights = {k: z[k] for k in z.files}
    assert set(weights) == set(project.weights)
    assert net.set_weights(weights) == []  # every array fits the project's network again
    assert not np.allclose(weights["dense/kernel"], project.weights["dense/kernel"])  # it trained


def test_export_with_project_data_gets_shape_and_classes(tmp_path):
    """A builtin-data project whose Input has no shape: the data supplies it and the class labels."""
    from designer.graph import Graph
    from designer.project import Project
    from designer.training.run import build_and_prepare

    g = Graph()
    g.add_node("Input", {}, node_id="input_1")
    g.add_node("Dense", {"units": 8, "activation": "relu"}, node_id="dense_1")
    g.add_node("Dense", {"units": 3, "activation": "softmax"}, node_id="dense_2")
    g.connect("input_1", "dense_1")
    g.connect("dense_1", "dense_2")
    project = Project(name="iris", graph=g)  # default data: builtin iris, classification
    net, prepared = build_and_prepare(project, tmp_path)
    project.weights = net.get_weights()
    out = export_project(project, "python", tmp_path / "iris.py", base_dir=tmp_path)[0]
    module = load_module(out, "predictor_iris_data")
    assert module.INPUT_SHAPE == tuple(prepared.input_shape) and module.CLASSES == prepared.classes
    np.testing.assert_allclose(module.predict(prepared.x_test), net.predict(prepared.x_test), rtol=1e-5, atol=1e-6)


_FULL_DISK = """
import pickle, resource, signal, sys
from pathlib import Path
from designer.errors import ExportError
from designer.export import export_project
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing us
project = pickle.loads(Path(sys.argv[1]).read_bytes())
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # the model source fits, the weights do not
try:
    export_project(project, sys.argv[2], Path(sys.argv[3]))
except ExportError as err:
    print(err)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
@pytest.mark.parametrize("fmt", ["pytorch", "keras"])
@pytest.mark.parametrize("existing", [True, False])
def test_a_folder_export_that_fails_half_way_leaves_the_old_export_whole(tmp_path, fmt, existing):
    """A real full disk (a file-size limit in a child process): the weights cannot be written after the model
    source was. The folder holds the previous export unchanged (or does not exist), with no temp files."""
    import pickle

    old_project, _, _ = trained(mlp(), seed=1)
    new_project, _, _ = trained(sequence(), seed=2)  # other layers, more weights
    folder = tmp_path / "export"
    before = {}
    if existing:
        export_project(old_project, fmt, folder)
        (folder / "notes.txt").write_text("the user's own file", encoding="utf-8")
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
    (tmp_path / "p.pickle").write_bytes(pickle.dumps(new_project))
    result = subprocess.run([sys.executable, "-c", _FULL_DISK, str(tmp_path / "p.pickle"), fmt, str(folder)],
                            capture_output=True, text=True, encoding="utf-8", timeout=120,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("cannot ")  # one ExportError line, not a traceback
    if existing:
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    else:
        assert not folder.exists()
    assert sorted(os.listdir(tmp_path)) == sorted(["p.pickle"] + (["export"] if existing else []))


def test_every_built_in_layer_type_has_an_emitter_in_every_format():
    from designer.engine.registry import BUILT_IN_LAYER_TYPES

    for fmt in emitters.FORMATS:
        assert emitters.supported(fmt) >= BUILT_IN_LAYER_TYPES - {"Input"}, fmt


def test_pytorch_save_weights_gives_back_the_arrays_load_weights_took(tmp_path):
    pytest.importorskip("torch")
    project, _, _ = trained(residual())  # Dense, BatchNormalization, Add …
    project_cnn, _, _ = trained(cnn())  # Conv2D (a kernel permuted both ways)
    for name, proj in (("res", project), ("cnn", project_cnn)):
        folder = tmp_path / name
        export_project(proj, "pytorch", folder)
        spec = importlib.util.spec_from_file_location(f"model_{name}", folder / "model.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.save_weights(module.load_model(), tmp_path / f"{name}.npz")
        with np.load(tmp_path / f"{name}.npz", allow_pickle=False) as z:
            back = {k: z[k] for k in z.files}
        assert set(back) == set(proj.weights)
        for key, value in proj.weights.items():
            np.testing.assert_array_equal(back[key], value, err_msg=key)
