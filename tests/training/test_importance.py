"""Permutation importance: the same numbers as scikit-learn's `permutation_importance` on the same model and
seed, one-hot columns shuffled together, and on a real trained project the column that decides the label
ranks first while a column of pure noise is worth nothing (`nn-designer evaluate --importance`)."""

import json

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.inspection import permutation_importance
from sklearn.metrics import accuracy_score, make_scorer

from designer.cli import main
from designer.errors import DataError
from designer.training.importance import permutation_scores
from tests.cli.test_cli import EXAMPLES


class Rule(BaseEstimator):
    """A fixed model both libraries score: a linear rule (classification) or a linear map (regression)."""

    def __init__(self, weights=None, classify=True):
        self.weights, self.classify = weights, classify

    def fit(self, x, y):
        return self

    def predict(self, x):
        z = np.asarray(x, dtype=np.float64) @ np.asarray(self.weights)
        return (z > 0).astype(np.int64) if self.classify else z


def data(seed=3, n=300):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    return x, (x[:, 0] + 0.4 * x[:, 2] > 0).astype(np.int64)


@pytest.mark.parametrize("seed", [0, 7, 12345])
def test_classification_matches_scikit_learn(seed):
    x, y = data()
    model = Rule([1.0, 0.05, 0.4, 0.0])
    reference = permutation_importance(model, x, y, scoring=make_scorer(accuracy_score), n_repeats=5,
                                       random_state=seed)
    baseline, drops = permutation_scores(lambda m: accuracy_score(y, model.predict(m)), x,
                                         [(f"c{j}", [j]) for j in range(4)], repeats=5, seed=seed)
    np.testing.assert_allclose(drops, reference.importances, rtol=0, atol=1e-12)
    assert baseline == accuracy_score(y, model.predict(x))
    assert drops[0].mean() > drops[2].mean() > 0 and drops[3].max() == 0  # unused column: exactly nothing


def test_regression_matches_scikit_learn_with_the_mean_absolute_error():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, 3))
    model = Rule([3.0, -1.0, 0.0], classify=False)
    y = model.predict(x) + rng.normal(scale=0.1, size=200)
    reference = permutation_importance(model, x, y, scoring="neg_mean_absolute_error", n_repeats=4,
                                       random_state=1)
    _, drops = permutation_scores(lambda m: -np.mean(np.abs(y - model.predict(m))), x,
                                  [(f"c{j}", [j]) for j in range(3)], repeats=4, seed=1)
    np.testing.assert_allclose(drops, reference.importances, rtol=1e-12, atol=1e-12)


def test_one_hot_columns_move_together_and_other_columns_stay():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 3, 50)
    x = np.column_stack([np.arange(50.0), np.eye(3)[codes]])
    seen = []
    permutation_scores(lambda m: seen.append(m.copy()) or 0.0, x, [("n", [0]), ("colour", [1, 2, 3])], repeats=2)
    for shuffled in seen[3:]:  # the colour group's two repeats
        assert np.all(shuffled[:, 1:].sum(axis=1) == 1)  # still one-hot rows
        np.testing.assert_array_equal(shuffled[:, 0], x[:, 0])
        assert sorted(map(tuple, shuffled[:, 1:])) == sorted(map(tuple, x[:, 1:]))  # the same rows, moved
        assert not np.array_equal(shuffled[:, 1:], x[:, 1:])


def test_refuses_too_few_rows_and_no_repeats():
    with pytest.raises(DataError, match="two rows"):
        permutation_scores(lambda m: 0.0, np.zeros((1, 2)), [("a", [0])])
    with pytest.raises(DataError, match="one repeat"):
        permutation_scores(lambda m: 0.0, np.zeros((5, 2)), [("a", [0])], repeats=0)


def signal_and_noise_project(tmp_path):
    """iris_mlp's network on a table where `signal` decides the label and `noise`/`colour` are random."""
    from designer.project.io import load_project, save_project

    rng = np.random.default_rng(0)
    n = 600
    signal, noise = rng.normal(size=n), rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], n)
    label = np.where(signal > 0, "up", "down")
    lines = ["noise,colour,signal,label"] + [f"{a:.4f},{c},{s:.4f},{lab}"
                                             for a, c, s, lab in zip(noise, colour, signal, label)]
    (tmp_path / "sn.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = load_project(EXAMPLES / "iris_mlp.nnproj")
    project.graph.set_param("dense_2", "units", 2)
    project.data = {"source": {"kind": "csv", "path": "sn.csv"}, "target": "label", "task": "classification",
                    "features": ["noise", "colour", "signal"], "missing": "mean", "scaling": "standard",
                    "split": {"validation": 0.3, "test": 0.1, "shuffle": True, "stratify": True, "seed": 0}}
    project.weights = {}
    path = tmp_path / "sn.nnproj"
    save_project(project, path)
    return path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_evaluate_importance_ranks_the_deciding_column_first(tmp_path, capsys):
    path = signal_and_noise_project(tmp_path)
    code, _, err = run(capsys, "train", str(path), "--epochs", "80", "--quiet")
    assert code == 0, err
    code, out, err = run(capsys, "evaluate", str(path), "--importance")
    assert code == 0, err
    result = json.loads(out)
    assert "accuracy" in result and "confusion_matrix" in result  # the usual object is still all there
    imp = result["importance"]
    assert imp["metric"] == "accuracy" and imp["split"] == "validation" and imp["samples"] == 180
    names = [f["feature"] for f in imp["features"]]
    assert names[0] == "signal" and sorted(names) == ["colour", "noise", "signal"]  # per column, not per one-hot
    by_name = {f["feature"]: f for f in imp["features"]}
    assert by_name["signal"]["mean"] > 0.25
    assert abs(by_name["noise"]["mean"]) < 0.06 and abs(by_name["colour"]["mean"]) < 0.06
    code, out, _ = run(capsys, "evaluate", str(path))
    assert code == 0 and "importance" not in json.loads(out)  # only when asked for


def test_cli_importance_refuses_an_image_sized_table(tmp_path, capsys, monkeypatch):
    from designer.training import importance

    monkeypatch.setattr(importance, "MAX_COLUMNS", 2)
    path = signal_and_noise_project(tmp_path)
    assert run(capsys, "train", str(path), "--epochs", "1", "--quiet")[0] == 0
    code, out, err = run(capsys, "evaluate", str(path), "--importance")
    assert code == 1 and out == ""
    assert err.strip().startswith("error:") and "up to 2 columns" in err and "Traceback" not in err
