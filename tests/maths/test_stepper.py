"""The stepper's chain rule equals the engine's backward pass for the same batch, and finite differences."""

import numpy as np
import pytest

from designer.engine.losses import encode_targets, get_loss
from designer.engine.network import Network
from designer.errors import TrainingError
from designer.graph.model import Graph
from designer.maths.stepper import Stepper, dense_chain
from tests.engine.gradcheck import assert_grad_close, numeric_grad


def chain(widths, activations, n_in=2, use_bias=True):
    g = Graph()
    prev = g.add_node("Input", {"shape": [n_in]}, node_id="input").id
    for i, (w, a) in enumerate(zip(widths, activations)):
        nid = g.add_node("Dense", {"units": w, "activation": a, "use_bias": use_bias}, node_id=f"d{i}").id
        g.connect(prev, nid)
        prev = nid
    return g


CASES = [
    ([16, 16, 16, 3], ["tanh", "relu", "elu", "softmax"], "categorical_crossentropy"),
    ([5, 1], ["leaky_relu", "sigmoid"], "binary_crossentropy"),
    ([4, 4, 1], ["gelu", "silu", "linear"], "huber"),
    ([3, 2], ["softplus", "linear"], "hinge"),
]


def data(n, n_in, loss_name, n_out, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_in))
    if loss_name in ("huber", "mean_squared_error"):
        y = rng.normal(size=(n, n_out))
    else:
        y = encode_targets(loss_name, rng.integers(0, max(n_out, 2), n), n_out)
    return x, y


@pytest.mark.parametrize("widths,acts,loss_name", CASES)
def test_stepper_gradients_equal_the_engines(widths, acts, loss_name):
    net = Network.from_graph(chain(widths, acts), seed=3)
    x, y = data(40, 2, loss_name, widths[-1])
    y = y.astype(np.float32)
    step = Stepper(net, x, y, get_loss(loss_name), learning_rate=0.1, batch_size=16)
    step.backward()
    mine = step.gradients()
    xb, yb = step.batch_rows(0)
    loss = get_loss(loss_name)
    loss.forward(net.forward(xb, training=True), yb)
    net.backward(loss.backward())
    engine = dict(net.gradients())
    assert set(mine) == set(engine)
    for key in engine:
        np.testing.assert_allclose(mine[key], engine[key], rtol=2e-4, atol=2e-6, err_msg=key)


@pytest.mark.parametrize("widths,acts,loss_name", CASES)
def test_stepper_gradients_match_finite_differences(widths, acts, loss_name):
    net = Network.from_graph(chain(widths, acts), seed=5, dtype=np.float64)
    x, y = data(12, 2, loss_name, widths[-1])
    step = Stepper(net, x, y, get_loss(loss_name), batch_size=12)
    step.backward()
    for key, g in step.gradients().items():
        arr = dict(net.parameters())[key]
        assert_grad_close(g, numeric_grad(step.batch_loss, arr), rtol=1e-4, atol=1e-7)


def test_update_is_minus_lr_times_gradient_and_lowers_the_loss():
    net = Network.from_graph(chain([8, 1], ["tanh", "sigmoid"]), seed=0)
    x, y = data(32, 2, "binary_crossentropy", 1)
    step = Stepper(net, x, y, get_loss("binary_crossentropy"), learning_rate=0.5, batch_size=32)
    before = {k: v.copy() for k, v in net.parameters()}
    rec = step.step_batch()
    grads = step.gradients()
    for key, old in before.items():
        np.testing.assert_allclose(dict(net.parameters())[key] - old, -0.5 * grads[key], rtol=1e-5, atol=1e-7)
    assert rec.loss_after < rec.loss_before
    assert rec.traces[0].delta_w.shape == (3, 8)  # two inputs and the bias row
    assert step.batch == 1 and step.phase == "update"


def test_phases_play_in_order_and_the_batch_moves_on():
    net = Network.from_graph(chain([2, 1], ["relu", "sigmoid"]), seed=0)
    x, y = data(10, 2, "binary_crossentropy", 1)
    step = Stepper(net, x, y, get_loss("binary_crossentropy"), batch_size=4)
    assert [step.next_phase() for _ in range(7)] == ["forward", "backward", "update"] * 2 + ["forward"]
    assert step.batch == 2
    np.testing.assert_array_equal(step.batch_rows()[0], x[8:10].astype(np.float32))  # last, short batch


def test_a_hand_edited_weight_changes_the_loss_and_the_bias_is_row_n_in():
    net = Network.from_graph(chain([1], ["sigmoid"]), seed=0)
    x, y = data(20, 2, "binary_crossentropy", 1)
    step = Stepper(net, x, y, get_loss("binary_crossentropy"))
    before = step.full_loss()
    step.set_weight("d0", 2, 0, 5.0)
    assert float(net.layers["d0"].params["bias"][0]) == 5.0
    assert step.full_loss() != before
    with pytest.raises(TrainingError, match="finite"):
        step.set_weight("d0", 0, 0, float("nan"))


def test_networks_the_stepper_does_not_draw_get_a_reason():
    too_wide = Network.from_graph(chain([17, 1], ["relu", "sigmoid"]))
    assert "at most 16" in dense_chain(too_wide)[1]
    too_deep = Network.from_graph(chain([2, 2, 2, 2, 1], ["relu"] * 4 + ["sigmoid"]))
    assert "at most 3" in dense_chain(too_deep)[1]
    with pytest.raises(TrainingError, match="at most 16"):
        Stepper(too_wide, np.zeros((3, 2)), np.zeros((3, 1)), get_loss("binary_crossentropy"))
    no_bias = Network.from_graph(chain([2, 1], ["relu", "sigmoid"], use_bias=False))
    step = Stepper(no_bias, np.ones((3, 2)), np.zeros((3, 1)), get_loss("binary_crossentropy"))
    step.backward()
    assert not step.has_bias("d0") and step.record.traces[0].grad_w.shape == (2, 2)


def test_asking_for_other_losses_between_the_phases_changes_nothing():
    net = Network.from_graph(chain([3, 2], ["tanh", "softmax"]), seed=0)
    x, y = data(30, 2, "categorical_crossentropy", 2)
    step = Stepper(net, x, y, get_loss("categorical_crossentropy"), batch_size=8)
    step.forward()
    step.full_loss()  # the view shows the whole data set's loss after every phase
    step.backward()
    alone = Stepper(Network.from_graph(chain([3, 2], ["tanh", "softmax"]), seed=0), x, y,
                    get_loss("categorical_crossentropy"), batch_size=8)
    alone.backward()
    for key, g in alone.gradients().items():
        np.testing.assert_array_equal(step.gradients()[key], g)


def test_the_dashboards_neuron_maps_take_a_default_dense_layer_of_16_units():
    from designer.training.probes import neuron_layers

    graph = chain([16, 16, 16, 2], ["relu", "tanh", "relu", "softmax"])
    network = Network.from_graph(graph)
    assert neuron_layers(graph, network) == ["d0", "d1", "d2"]  # 48 maps: three default layers
