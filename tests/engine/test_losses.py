import numpy as np
import pytest

from designer.engine.activations import get_activation
from designer.engine.losses import encode_targets, get_loss
from designer.engine.registry import LOSSES
from designer.errors import ParamError, TrainingError
from tests.engine.gradcheck import assert_grad_close, numeric_grad


def _case(name, rng):
    """Predictions and encoded targets of the kind each loss sees, away from kinks."""
    if name == "categorical_crossentropy":
        pred = rng.uniform(0.05, 0.95, (5, 3))
        y = np.eye(3)[rng.integers(0, 3, 5)]
    elif name == "binary_crossentropy":
        pred = rng.uniform(0.05, 0.95, (5, 2))
        y = rng.integers(0, 2, (5, 2)).astype(float)
    elif name == "hinge":
        y = rng.choice([-1.0, 1.0], (5, 2))
        pred = rng.normal(0, 1.5, (5, 2))
        pred[np.abs(1 - y * pred) < 0.05] += 0.2
    else:
        pred = rng.normal(0, 2, (5, 2))
        y = rng.normal(0, 2, (5, 2))
        diff = np.abs(pred - y)
        pred[(diff < 0.05) | (np.abs(diff - 1.0) < 0.05)] += 0.2  # not at 0 (MAE) nor at delta (huber)
    return pred, y


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradient_matches_finite_differences(name):
    rng = np.random.default_rng(3)
    loss = get_loss(name)
    pred, y = _case(name, rng)
    loss.forward(pred, y)
    analytic = loss.backward().copy()
    assert_grad_close(analytic, numeric_grad(lambda: loss.forward(pred, y), pred))


@pytest.mark.parametrize(
    ("name", "activation"), [("categorical_crossentropy", "softmax"), ("binary_crossentropy", "sigmoid")]
)
def test_fused_gradient_is_the_gradient_with_respect_to_logits(name, activation):
    rng = np.random.default_rng(4)
    loss = get_loss(name)
    act = get_activation(activation)
    z = rng.normal(0, 2, (6, 3))
    y = np.eye(3)[rng.integers(0, 3, 6)]

    def f():
        return loss.forward(act.forward(z, np.empty_like(z)), y)

    f()
    analytic = loss.backward_fused().copy()
    assert_grad_close(analytic, numeric_grad(f, z))


def test_values_match_hand_computations():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    y = np.array([[1.0, 0, 0], [0, 0, 1.0]])
    assert get_loss("categorical_crossentropy").forward(p, y) == pytest.approx(-(np.log(0.7) + np.log(0.8)) / 2)
    pb, yb = np.array([[0.9], [0.2]]), np.array([[1.0], [0.0]])
    assert get_loss("binary_crossentropy").forward(pb, yb) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)
    pr, yr = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([[0.0, 2.5], [0.0, 1.0]])
    e = pr - yr
    assert get_loss("mean_squared_error").forward(pr, yr) == pytest.approx(np.mean(e**2))
    assert get_loss("mean_absolute_error").forward(pr, yr) == pytest.approx(np.mean(np.abs(e)))
    a = np.abs(e)
    huber = np.where(a <= 1.5, 0.5 * a**2, 1.5 * (a - 0.75)).mean()
    assert get_loss("huber", delta=1.5).forward(pr, yr) == pytest.approx(huber)
    ph, yh = np.array([[0.3], [-2.0], [0.5]]), np.array([[1.0], [-1.0], [-1.0]])
    assert get_loss("hinge").forward(ph, yh) == pytest.approx((0.7 + 0.0 + 1.5) / 3)


def test_probabilities_are_clipped_so_log_zero_stays_finite():
    p = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    y = np.array([[1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    for name in ("categorical_crossentropy", "binary_crossentropy"):
        loss = get_loss(name)
        with np.errstate(divide="raise", invalid="raise"):
            value = loss.forward(p, y)
            g = loss.backward()
        assert np.isfinite(value) and value > 5
        assert np.all(np.isfinite(g))


def test_fused_gradient_divides_by_rows_for_cce_and_values_for_bce():
    p = np.full((4, 2), 0.5)
    y = np.zeros((4, 2))
    cce, bce = get_loss("categorical_crossentropy"), get_loss("binary_crossentropy")
    cce.forward(p, y)
    np.testing.assert_allclose(cce.backward_fused(), 0.5 / 4)
    bce.forward(p, y)
    np.testing.assert_allclose(bce.backward_fused(), 0.5 / 8)
    with pytest.raises(TypeError):
        mse = get_loss("mean_squared_error")
        mse.forward(p, y)
        mse.backward_fused()


def test_shape_mismatch_is_a_training_error():
    with pytest.raises(TrainingError, match="shape"):
        get_loss("mean_squared_error").forward(np.zeros((3, 2)), np.zeros((3, 1)))


def test_get_loss_checks_names_and_parameters():
    with pytest.raises(ParamError, match="unknown loss"):
        get_loss("cross_entropy")
    with pytest.raises(ParamError, match="delta"):
        get_loss("huber", delta=0.0)
    assert get_loss("huber").delta == 1.0


def test_encode_targets_per_loss():
    idx = np.array([0, 2, 1])
    np.testing.assert_array_equal(encode_targets("categorical_crossentropy", idx, 3), np.eye(3)[idx])
    np.testing.assert_array_equal(encode_targets("binary_crossentropy", np.array([0, 1, 1]), 1), [[0], [1], [1]])
    np.testing.assert_array_equal(encode_targets("binary_crossentropy", idx, 3), np.eye(3)[idx])
    np.testing.assert_array_equal(encode_targets("hinge", np.array([0, 1]), 1), [[-1], [1]])
    np.testing.assert_array_equal(encode_targets("hinge", idx, 3), np.eye(3)[idx] * 2 - 1)
    reg = np.array([[1.5], [-2.0]], dtype=np.float32)
    np.testing.assert_array_equal(encode_targets("mean_squared_error", reg, 1), reg)
    np.testing.assert_array_equal(encode_targets("huber", np.array([1.5, -2.0]), 1), reg)
    np.testing.assert_array_equal(encode_targets("mean_squared_error", idx, 3), np.eye(3)[idx])
    for name in LOSSES:
        assert encode_targets(name, np.array([0, 1]), 2).dtype == np.float32


def test_encode_targets_refuses_targets_that_do_not_fit_the_output():
    with pytest.raises(TrainingError, match="3 classes .* 2 units"):
        encode_targets("categorical_crossentropy", np.array([0, 1, 2]), 2)
    with pytest.raises(TrainingError, match="binary_crossentropy"):
        encode_targets("categorical_crossentropy", np.array([0, 1]), 1)
    with pytest.raises(TrainingError, match="two classes"):
        encode_targets("binary_crossentropy", np.array([0, 1, 2]), 1)
    with pytest.raises(TrainingError, match="class labels"):
        encode_targets("hinge", np.array([0.5, 1.0]), 1)
    with pytest.raises(TrainingError, match="2 values per sample .* 1 unit"):
        encode_targets("mean_squared_error", np.zeros((4, 2)), 1)


@pytest.mark.parametrize("name", list(LOSSES))
def test_bound_forms_give_the_plain_forms_results_bit_for_bit(name):
    """bound_forward / bound_backward_fused (made once per batch size by the Dense plan) read the prediction
    array as it is at each call, and give what forward / backward_fused give; a wrong target shape is still a
    TrainingError naming both shapes."""
    rng = np.random.default_rng(4)
    loss, plain = get_loss(name), get_loss(name)
    pred_now, _ = _case(name, rng)
    pred = np.empty_like(pred_now)
    forward = loss.bound_forward(pred)
    fused = loss.bound_backward_fused(pred) if loss.fused_activation else None
    for _ in range(3):  # new predictions and targets in the same buffer each time
        pred_now, y = _case(name, rng)
        pred[...] = pred_now
        pred.flat[0] = 0.0 if name in ("categorical_crossentropy", "binary_crossentropy") else pred.flat[0]
        assert forward(y) == plain.forward(pred.copy(), y)
        np.testing.assert_array_equal(loss.backward(), plain.backward())
        if fused is not None:
            np.testing.assert_array_equal(fused(0.3), plain.backward_fused(0.3))
    with pytest.raises(TrainingError, match=r"targets have shape \[5, 1\], outputs \[5, \d\]"):
        forward(np.zeros((5, 1)))
    if not loss.fused_activation:
        with pytest.raises(TypeError):
            loss.bound_backward_fused(pred)
