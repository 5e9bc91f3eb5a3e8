"""Engine details a user depends on, each against a value written out here: Huber's default delta (Keras:
1.0), float32 targets, the default id prefix of a registered type, the L1 penalty on the one-BLAS-thread
path, and the optimizers' refusals word for word."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from designer.engine import step as step_module
from designer.engine.losses import encode_targets, get_loss
from designer.engine.optimizers import make_optimizer
from designer.engine.registry import register_layer_type, unregister_layer_type
from designer.errors import ParamError
from tests.layers.toy_scale import SCALE
from tests.training.helpers import mlp


def test_huber_without_parameters_uses_delta_one():
    pred = np.array([[0.0], [0.0], [0.0]], np.float32)
    target = np.array([[0.5], [1.0], [3.0]], np.float32)
    err = np.abs(target - pred)[:, 0].astype(np.float64)
    expected = np.where(err <= 1.0, 0.5 * err**2, err - 0.5).mean()
    assert float(get_loss("huber").forward(pred, target)) == pytest.approx(expected)


@pytest.mark.parametrize("loss, n_out", [("categorical_crossentropy", 3), ("binary_crossentropy", 1),
                                         ("hinge", 1), ("mean_squared_error", 1), ("mean_squared_error", 3)])
def test_targets_are_encoded_as_float32(loss, n_out):
    encoded = encode_targets(loss, np.array([0, 1, 0, 1]), n_out)
    assert encoded.dtype == np.float32 and encoded.shape == (4, n_out)


def test_a_registered_type_without_a_prefix_gets_its_name_in_lower_case():
    bare = dataclasses.replace(SCALE, name="WarmScale", prefix="")
    register_layer_type(bare)
    try:
        assert bare.default_prefix() == "warmscale"
    finally:
        unregister_layer_type("WarmScale")


def test_l1_reaches_the_step_that_runs_on_one_blas_thread(monkeypatch):
    if not step_module._numpy_blas():
        pytest.skip("no BLAS that threadpoolctl can control")
    rows = step_module.ONE_THREAD_MAX_ROWS
    x = np.random.default_rng(0).normal(size=(rows, 512)).astype(np.float32)  # big enough to choose threads
    y = encode_targets("categorical_crossentropy", np.arange(rows) % 2, 2)
    losses = {}
    for l1 in (0.0, 0.01):
        net = mlp(n_features=512, units=(512,), seed=3)
        monkeypatch.setattr(net.step_strategy.chooser, "one_thread", lambda n: True)
        penalty = 0.01 * sum(float(np.abs(layer.params["kernel"]).sum()) for layer in net.layers.values()
                             if "kernel" in getattr(layer, "params", {}))
        opt = make_optimizer({"type": "sgd", "learning_rate": 1e-12})
        losses[l1] = net.train_batch(x, y, get_loss("categorical_crossentropy"), opt, l1, 0.0)
    assert losses[0.01] == pytest.approx(losses[0.0] + penalty, rel=1e-5)


def test_optimizer_refusals_name_the_setting_and_the_choices():
    opt = make_optimizer({"type": "sgd", "learning_rate": 0.1})
    with pytest.raises(ParamError) as err:
        opt.set_param("beta_9", 0.5)
    assert str(err.value) == ('training.optimizer: sgd has no parameter "beta_9"; '
                              'it has learning_rate, momentum, nesterov')
    with pytest.raises(ParamError) as err:
        make_optimizer(["adam"])
    assert str(err.value) == "training.optimizer: must be an object with a type, got ['adam']"
