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
