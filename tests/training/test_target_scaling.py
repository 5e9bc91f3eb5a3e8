"""Regression works by default: the target is standardised on the training split, the network trains in that
space and everything read back is in the target's own units. Compared with scikit-learn's MLPRegressor in a
TransformedTargetRegressor(StandardScaler) on the very same rows (issue 13)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from designer.pipeline import evaluate_project, predict_frame
from designer.project import Project
from designer.training.metrics import r2
from designer.training.run import build_and_prepare, train_project
from tests.training.helpers import mlp_graph

sklearn = pytest.importorskip("sklearn")
from sklearn.compose import TransformedTargetRegressor  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

EPOCHS = 300
BATCH = 32


def _project(source: dict, target: str, n_features: int, **data) -> Project:
    graph = mlp_graph(units=(32,), out_units=1, out_activation="linear", hidden="relu")
    return Project(
        graph=graph,
        data={"source": source, "target": target, "task": "regression", "missing": "drop", "scaling": "standard",
              "split": {"validation": 0.0, "test": 0.25, "shuffle": True, "stratify": False, "seed": 0}, **data},
        training={"loss": "mean_squared_error", "optimizer": {"type": "adam", "learning_rate": 0.001},
                  "epochs": EPOCHS, "batch_size": BATCH, "shuffle": True, "seed": 0,
                  "regularization": {"l1": 0.0, "l2": 0.0}, "early_stopping": None})


def _sklearn_r2(prepared) -> float:
    model = TransformedTargetRegressor(
        regressor=MLPRegressor(hidden_layer_sizes=(32,), activation="relu", solver="adam", learning_rate_init=0.001,
                               batch_size=BATCH, max_iter=EPOCHS, alpha=0.0, n_iter_no_change=EPOCHS, tol=0.0,
                               random_state=0),
        transformer=StandardScaler())
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter, expected
        model.fit(prepared.x_train, prepared.y_train.ravel())
    return float(r2(prepared.y_test.ravel(), model.predict(prepared.x_test)))


def _compare(project: Project, base_dir) -> tuple[float, float, dict]:
    trained, _ = train_project(project, base_dir)
    report = evaluate_project(trained, base_dir, split="test")
    _, prepared = build_and_prepare(trained, base_dir)  # the same rows the app trained and tested on
    return report["r2"], _sklearn_r2(prepared), report


def _offset_csv(tmp_path) -> tuple[dict, int]:
    """A generated regression set far from unit scale: y ≈ 5000 + 800·f(x)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(600, 4))
    y = 5000.0 + 800.0 * (np.sin(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2] - 0.3 * x[:, 3]) + rng.normal(0, 80.0, 600)
    df = pd.DataFrame(x, columns=[f"x{i}" for i in range(4)])
    df["y"] = y
    df.to_csv(tmp_path / "offset.csv", index=False)
    return {"kind": "csv", "path": "offset.csv"}, 4


@pytest.mark.parametrize("case", ["diabetes", "offset"])
def test_r2_matches_scikit_learn_with_a_target_scaler(case, tmp_path):
    if case == "diabetes":
        source, target, n = {"kind": "builtin", "name": "diabetes"}, "progression", 10
    else:
        (source, n), target = _offset_csv(tmp_path), "y"
    ours, theirs, report = _compare(_project(source, target, n), tmp_path)
    assert abs(ours - theirs) <= 0.05, (case, ours, theirs)
    assert ours > 0.2, (case, ours)
    if case == "offset":  # MAE and RMSE are in the target's units (hundreds), not standard units (below 1)
        assert 30.0 < report["mae"] < 400.0, report


def test_without_target_scaling_the_offset_set_is_far_worse(tmp_path):
    """The setting does what it says: the same run on the raw target (the old behaviour) does not get there."""
    source, n = _offset_csv(tmp_path)
    project = _project(source, "y", n, target_scaling="none")
    project.training["epochs"] = 30
    trained, _ = train_project(project, tmp_path)
    assert evaluate_project(trained, tmp_path, split="test")["r2"] < 0.0


def test_predict_answers_in_target_units(tmp_path):
    source, n = _offset_csv(tmp_path)
    project = _project(source, "y", n)
    project.training["epochs"] = 40
    trained, _ = train_project(project, tmp_path)
    rows = pd.read_csv(tmp_path / "offset.csv").head(50)
    predicted = predict_frame(trained, tmp_path, rows.drop(columns=["y"]))["y_predicted"].to_numpy()
    assert 3000 < predicted.mean() < 7000
    assert r2(rows["y"].to_numpy(), predicted) > 0.3


def test_the_setting_is_an_undoable_edit_saved_in_the_project(tmp_path):
    from designer.project.io import load_project
    from designer.session import ProjectSession

    source, n = _offset_csv(tmp_path)
    project = _project(source, "y", n)
    session = ProjectSession(project, tmp_path / "p.nnproj")
    assert session.project.data.get("target_scaling", "standard") == "standard"
    assert session.edit_data(dict(session.project.data, target_scaling="none"))
    session.save()
    assert load_project(tmp_path / "p.nnproj").data["target_scaling"] == "none"
    session.stack.undo()
    assert session.project.data.get("target_scaling", "standard") == "standard"
    session.save()
    reopened = load_project(tmp_path / "p.nnproj")
    assert reopened.data["target_scaling"] == "standard"
    network, prepared = build_and_prepare(reopened, tmp_path)
    mean, scale = network.target_scaling
    assert mean[0] == pytest.approx(prepared.y_train.astype(np.float64).mean(), rel=1e-6)
    assert scale[0] == pytest.approx(prepared.y_train.astype(np.float64).std(), rel=1e-6)
