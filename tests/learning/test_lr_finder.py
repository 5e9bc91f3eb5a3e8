"""The learning-rate finder on problems whose answer is known, its promise not to touch the project, and the
`nn-designer lr-find` command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from designer import cli
from designer.errors import TrainingError
from designer.graph import Graph
from designer.project import Project, default_data, default_training
from designer.project.io import save_project
from designer.session import ProjectSession
from designer.training.lr_finder import SKIP_START, find_learning_rate, lr_schedule, suggest, with_learning_rate
from designer.training.run import build_and_prepare


def linear_regression_project(batch_size: int = 32) -> Project:
    """y = (x1 + x2) / 10 learnt by one linear unit with plain SGD and MSE: a quadratic loss whose stable
    learning rates are known exactly (below 2 / the largest eigenvalue of its Hessian)."""
    g = Graph()
    g.add_node("Input", {}, node_id="input_1")
    g.add_node("Dense", {"units": 1, "activation": "linear"}, node_id="out")
    g.connect("input_1", "out")
    data = default_data()
    data.update(source={"kind": "builtin", "name": "reg_plane", "samples": 600, "noise": 0.0, "seed": 1},
                target="y", task="regression")
    data["split"] = {"validation": 0.2, "test": 0.0, "shuffle": True, "stratify": False, "seed": 0}
    training = default_training()
    training.update(loss="mean_squared_error", batch_size=batch_size,
                    optimizer={"type": "sgd", "learning_rate": 0.01, "momentum": 0.0, "nesterov": False})
    return Project("linear", g, data, training)


def critical_rate(project) -> float:
    """2 / λmax of the MSE Hessian 2/n AᵀA (A = inputs with a column of ones) on the training split."""
    _, prepared = build_and_prepare(project, None)
    a = np.hstack([prepared.x_train.astype(np.float64), np.ones((len(prepared.x_train), 1))])
    hessian = 2.0 / len(a) * a.T @ a
    return 2.0 / float(np.linalg.eigvalsh(hessian).max())


def test_the_suggestion_lies_in_the_falling_part_below_the_known_stable_limit():
    project = linear_regression_project()
    limit = critical_rate(project)
    result = find_learning_rate(project, None)
    s, lrs = np.array(result.smoothed), np.array(result.lr)
    assert result.suggested is not None
    i = int(np.argmin(np.abs(lrs - result.suggested)))
    i_min = SKIP_START + int(np.nanargmin(s[SKIP_START:]))
    # in the falling part: after the start, before the lowest point, the loss already well below where it began
    assert SKIP_START < i < i_min
    assert s[i] < s[SKIP_START] - 0.2 * (s[SKIP_START] - s[i_min])
    assert s[i] > s[i_min]
    # and a rate that trains: below the rate where gradient descent on this quadratic diverges, not absurdly low
    assert limit / 1000 < result.suggested < limit
    # the curve rises again past the limit (the test stopped there, or the loss there is far above its low)
    assert result.stopped == "diverged" or s[-1] > 2 * s[i_min]
    assert result.minimum_lr < 10 * limit


def test_the_suggested_rate_trains_better_than_a_rate_far_below_it():
    from designer.training.run import train_project

    project = linear_regression_project()
    suggested = find_learning_rate(project, None).suggested
    losses = {}
    for lr in (suggested, suggested / 300):
        project.training = with_learning_rate(project.training, lr)
        _, metrics = train_project(project, None, epochs=3, reset=True)
        losses[lr] = metrics["val_loss"]
    assert losses[suggested] < 0.1 * losses[suggested / 300]


def test_the_project_its_weights_and_settings_are_untouched():
    project = linear_regression_project()
    network, _ = build_and_prepare(project, None)
    project.weights = {k: v + 0.5 for k, v in network.get_weights().items()}  # "trained" weights
    before = {k: v.copy() for k, v in project.weights.items()}
    training = json.dumps(project.training, sort_keys=True)
    session = ProjectSession(project)
    find_learning_rate(session.project, None)
    assert set(project.weights) == set(before)
    for key, value in before.items():
        np.testing.assert_array_equal(project.weights[key], value)
    assert json.dumps(project.training, sort_keys=True) == training
    assert not session.dirty


def test_same_seed_same_curve_and_the_seed_changes_it():
    project = linear_regression_project()
    a, b = find_learning_rate(project, None, seed=3), find_learning_rate(project, None, seed=3)
    assert a.loss == b.loss and a.suggested == b.suggested
    assert find_learning_rate(project, None, seed=4).loss != a.loss


def test_a_range_too_low_to_move_the_loss_gives_no_suggestion_and_says_why():
    result = find_learning_rate(linear_regression_project(), None, start_lr=1e-9, end_lr=1e-8, steps=40)
    assert result.suggested is None and "did not fall" in result.message
    assert len(result.lr) == 40 and result.stopped == "completed"


def test_the_rates_rise_exponentially():
    rates = lr_schedule(1e-4, 1.0, 5)
    np.testing.assert_allclose(rates, [1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    result = find_learning_rate(linear_regression_project(), None, steps=30, end_lr=1e-2)
    ratios = np.array(result.lr[1:]) / np.array(result.lr[:-1])
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)


def test_suggest_on_hand_made_curves():
    lrs = lr_schedule(1e-5, 1.0, 50)
    x = np.log10(lrs)
    falling = 1.0 / (1 + np.exp(3 * (x + 2.5))) + np.where(x > -0.5, (x + 0.5) ** 2 * 4, 0)  # steepest at 10^-2.5
    suggested, minimum, _ = suggest(lrs, falling)
    assert 10 ** -2.8 < suggested < 10 ** -2.2 and minimum > suggested
    assert suggest(lrs, np.ones(50))[0] is None
    assert suggest(lrs[:4], falling[:4])[0] is None
    nan_tail = falling.copy()
    nan_tail[40:] = np.nan
    assert suggest(lrs, nan_tail)[0] == pytest.approx(suggested)


@pytest.mark.parametrize("kwargs, words", [
    ({"steps": 2}, "between 5 and 100000 steps"),
    ({"start_lr": 0.0}, "must rise from a positive rate"),
    ({"start_lr": 1.0, "end_lr": 0.1}, "must rise"),
    ({"end_lr": float("inf")}, "must rise"),
])
def test_bad_ranges_are_refused_in_words(kwargs, words):
    with pytest.raises(TrainingError, match=words):
        find_learning_rate(linear_regression_project(), None, **kwargs)


def test_apply_is_one_undoable_step_in_the_session():
    session = ProjectSession(linear_regression_project())
    assert session.edit_training(with_learning_rate(session.project.training, 0.123))
    assert session.project.training["optimizer"] == {"type": "sgd", "learning_rate": 0.123, "momentum": 0.0,
                                                     "nesterov": False}
    session.stack.undo()
    assert session.project.training["optimizer"]["learning_rate"] == 0.01


def test_classification_with_adam_and_a_cnn_give_a_suggestion(tmp_path):
    from designer.ui.start_page import digits_cnn, iris_mlp

    for project in (iris_mlp(), digits_cnn()):
        result = find_learning_rate(project, None)
        assert result.suggested is not None and result.settings["optimizer"] == "adam", project.name
        assert result.suggested < result.minimum_lr


def test_cli_prints_the_curve_as_strict_json_and_leaves_the_file_alone(tmp_path, capsys):
    path = tmp_path / "linear.nnproj"
    save_project(linear_regression_project(), path)
    before = path.read_bytes()
    assert cli.main(["lr-find", str(path), "--steps", "60"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["lr"]) == len(out["loss"]) <= 60 and out["suggested"] > 0
    assert set(out) >= {"lr", "loss", "smoothed", "suggested", "minimum_lr", "stopped", "message"}
    assert path.read_bytes() == before


def test_cli_bad_input_is_one_line(tmp_path, capsys):
    assert cli.main(["lr-find", str(tmp_path / "missing.nnproj")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    path = tmp_path / "linear.nnproj"
    save_project(linear_regression_project(), path)
    assert cli.main(["lr-find", str(path), "--end-lr", "-1"]) == 1
    assert "must rise" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["lr-find", str(path), "--steps", "many"])
    assert exc.value.code == 2
