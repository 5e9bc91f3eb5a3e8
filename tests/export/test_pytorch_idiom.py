"""The PyTorch export in PyTorch's idiom: forward returns logits, predict_proba/predict apply the output
activation (and the target's un-scaling), train.py's loss is the matching fused one and equals the app's
loss; train.py carries no project data (its settings are JSON)."""

from __future__ import annotations

import importlib.util
import json
import sys

import numpy as np
import pytest

from designer.engine.losses import encode_targets, get_loss
from designer.export import export_project
from designer.export.pytorch_export import train_template
from tests.export.nets import branches, mlp, trained

torch = pytest.importorskip("torch")


def load(path, name, monkeypatch):
    monkeypatch.syspath_prepend(str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    monkeypatch.setattr(sys, "modules", dict(sys.modules))
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("graph,loss,head", [(mlp, "categorical_crossentropy", "softmax"),
                                             (branches, "binary_crossentropy", "sigmoid"),
                                             (mlp, "mean_squared_error", "linear")])
def test_forward_returns_logits_and_predict_proba_gives_the_apps_outputs(graph, loss, head, tmp_path, monkeypatch):
    project, net, x = trained(graph())
    project.training["loss"] = loss
    written = export_project(project, "pytorch", tmp_path / "pt")
    model_mod = load(written[0], "model", monkeypatch)
    assert model_mod.OUTPUT_ACTIVATION == head and model_mod.LOSS == loss
    model = model_mod.load_model(device="auto" if not torch.cuda.is_available() else "cpu")
    xt = torch.as_tensor(x)
    with torch.no_grad():
        logits, proba, labels = model(xt).numpy(), model.predict_proba(xt).numpy(), model.predict(xt).numpy()
    np.testing.assert_allclose(proba, net.predict(x), rtol=1e-4, atol=1e-5)
    if head == "softmax":
        np.testing.assert_allclose(torch.softmax(torch.from_numpy(logits), -1).numpy(), proba, rtol=1e-5, atol=1e-6)
        assert not np.allclose(logits.sum(1), 1.0)  # logits, not probabilities
    if head == "sigmoid":
        np.testing.assert_allclose(1 / (1 + np.exp(-logits)), proba, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(labels, (proba[:, 0] > 0.5).astype(np.int64))
    if head == "linear":  # MSE on a softmax output: forward's output is already final
        np.testing.assert_allclose(logits, proba)
    if head == "softmax":
        np.testing.assert_array_equal(labels, proba.argmax(1))


@pytest.mark.parametrize("graph,loss", [(mlp, "categorical_crossentropy"), (branches, "binary_crossentropy"),
                                        (mlp, "hinge"), (mlp, "mean_squared_error")])
def test_train_py_loss_on_logits_equals_the_apps_loss(graph, loss, tmp_path, monkeypatch):
    project, net, x = trained(graph())
    project.training["loss"] = loss
    written = export_project(project, "pytorch", tmp_path / "pt")
    model_mod = load(written[0], "model", monkeypatch)
    train = load(written[0].parent / "train.py", "train_script", monkeypatch)
    cfg = train.load_config()
    n_out = int(np.prod(net.output_shape))
    y = np.random.default_rng(3).integers(0, max(n_out, 2), len(x))
    model = model_mod.load_model()
    with torch.no_grad():
        target = train.encode_targets(y, model_mod, loss)
        ours = float(train.make_loss(cfg, model_mod)(model(torch.as_tensor(x)), target))
    app = get_loss(loss).forward(net.predict(x), encode_targets(loss, y, n_out))
    assert ours == pytest.approx(app, rel=1e-5)
    if loss == "categorical_crossentropy":
        assert isinstance(train.make_loss(cfg, model_mod), torch.nn.CrossEntropyLoss)
    if loss == "binary_crossentropy":
        assert isinstance(train.make_loss(cfg, model_mod), torch.nn.BCEWithLogitsLoss)


def test_train_py_is_the_same_for_every_project_and_holds_no_user_data(tmp_path):
    hostile = 'x"""\\\n__import__("os").system("echo pwned")#'
    project, _, _ = trained(mlp(), name=hostile)
    project.training["optimizer"] = {"type": "adam", "learning_rate": 0.003}
    written = export_project(project, "pytorch", tmp_path / "pt")
    script = (tmp_path / "pt" / "train.py").read_text(encoding="utf-8")
    assert script == train_template()
    assert "pwned" not in script
    cfg = json.loads((tmp_path / "pt" / "train_config.json").read_text(encoding="utf-8"))
    assert cfg["optimizer"]["learning_rate"] == 0.003 and cfg["model_module"] == "model"
    assert [p.name for p in written][:4] == ["model.py", "weights.npz", "train.py", "train_config.json"]
    compile(written[0].read_text(encoding="utf-8"), "model.py", "exec")


def test_train_py_reads_the_apps_splits_and_reports_mae_in_target_units(tmp_path, monkeypatch):
    """A regression with a standardised target: data.npz holds the app's splits in the target's units,
    train.py standardises them for the loss and reports the validation MAE the app reports."""
    import dataclasses
    from pathlib import Path

    from designer.pipeline import evaluate_project
    from designer.project.io import load_project
    from designer.training.run import train_project

    examples = Path(__file__).resolve().parents[2] / "examples"
    project = load_project(examples / "diabetes_regression.nnproj")
    project = dataclasses.replace(project, data={**project.data, "target_scaling": "standard"})
    project, _ = train_project(project, examples, epochs=2, reset=True)
    written = export_project(project, "pytorch", tmp_path / "pt", base_dir=examples)
    assert "data.npz" in [p.name for p in written]
    model_mod = load(written[0], "model", monkeypatch)
    assert model_mod.TARGET_SCALING is not None
    train = load(written[0].parent / "train.py", "train_script", monkeypatch)
    cfg = train.load_config()
    args = train.parse_args(cfg, [])
    x, y, x_val, y_val = train.read_data(args, cfg, model_mod)
    assert abs(float(y.mean())) < 0.2 and 0.8 < float(y.std()) < 1.2  # standardised for the loss
    _, mae = train.evaluate(model_mod.load_model(), x_val, y_val, train.make_loss(cfg, model_mod), model_mod, "cpu")
    app = evaluate_project(project, examples, split="validation")
    assert mae == pytest.approx(app["mae"], rel=1e-4)


def test_train_py_finds_the_kernels_in_either_weight_table(tmp_path, monkeypatch):
    """The L1/L2 penalty covers exactly the Dense/Conv2D kernels, whether WEIGHT_LAYERS lists kinds or tensors."""
    from types import SimpleNamespace

    project, _, _ = trained(mlp())
    written = export_project(project, "pytorch", tmp_path / "pt")
    model_mod = load(written[0], "model", monkeypatch)
    train = load(written[0].parent / "train.py", "train_script", monkeypatch)
    model = model_mod.Net()
    kernels = train.kernels(model, model_mod)
    assert len(kernels) == sum(1 for k in project.weights if k.endswith("/kernel")) == 3
    as_tensors = []
    for attr, nid, entry in model_mod.WEIGHT_LAYERS:
        if isinstance(entry, str):
            entry = ([("weight", "kernel", (1, 0)), ("bias", "bias", None)] if entry == "dense" else
                     [("weight", "gamma", None), ("bias", "beta", None)])
        as_tensors.append((attr, nid, entry))
    other = SimpleNamespace(WEIGHT_LAYERS=as_tensors)
    assert [id(t) for t in train.kernels(model, other)] == [id(t) for t in kernels]
    with torch.no_grad():
        expected = sum(0.1 * float(k.abs().sum()) + 0.2 * float((k * k).sum()) for k in kernels)
        assert float(train.kernel_penalty(model, model_mod, 0.1, 0.2)) == pytest.approx(expected, rel=1e-5)
