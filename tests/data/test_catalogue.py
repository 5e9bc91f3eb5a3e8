import numpy as np
import pytest

from designer.data import BUILTIN_DATASETS, generate, load_table, prepare_data
from designer.errors import DataError

EXPECTED = {  # name: (rows, features, classes or None for regression)
    "iris": (150, 4, ["setosa", "versicolor", "virginica"]),
    "wine": (178, 13, ["class_0", "class_1", "class_2"]),
    "breast_cancer": (569, 30, ["benign", "malignant"]),
    "digits": (1797, 64, [str(d) for d in range(10)]),
    "diabetes": (442, 10, None),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_builtin_loads_with_shape_and_classes(name):
    rows, n_features, classes = EXPECTED[name]
    prepared = prepare_data({"source": {"kind": "builtin", "name": name}}, None)
    total = len(prepared.x_train) + len(prepared.x_val) + len(prepared.x_test)
    assert total == rows
    assert prepared.x_train.shape[1] == n_features and prepared.x_train.dtype == np.float32
    assert prepared.target_name == BUILTIN_DATASETS[name].target
    if classes is None:
        assert prepared.task == "regression" and prepared.y_train.shape == (len(prepared.x_train), 1)
        assert prepared.y_train.dtype == np.float32
    else:
        assert prepared.task == "classification" and prepared.classes == classes
        assert prepared.y_train.dtype == np.int64
        assert set(np.unique(np.concatenate([prepared.y_train, prepared.y_val, prepared.y_test]))) == set(
            range(len(classes)))


def test_digits_reports_an_image_input_shape_when_the_project_sets_one():
    prepared = prepare_data({"source": {"kind": "builtin", "name": "digits"}}, None, input_shape=[8, 8, 1])
    assert prepared.input_shape == (8, 8, 1)
    assert BUILTIN_DATASETS["digits"].image_shape == (8, 8, 1)
    flat = prepare_data({"source": {"kind": "builtin", "name": "digits"}}, None)
    assert flat.input_shape == (64,)
    odd = prepare_data({"source": {"kind": "builtin", "name": "digits"}}, None, input_shape=[7, 7])
    assert odd.input_shape == (64,) and any("Input shape" in w for w in odd.report["warnings"])


GENERATED = ["circle", "xor", "gauss", "spiral", "moons", "reg_plane", "reg_gauss"]


@pytest.mark.parametrize("name", GENERATED)
def test_generated_set_shape_target_and_determinism(name):
    info = BUILTIN_DATASETS[name]
    df = generate(name, samples=200, noise=0.2, seed=3)
    assert list(df.columns) == ["x1", "x2", info.target]
    assert len(df) == 200 and np.isfinite(df[["x1", "x2"]].to_numpy()).all()
    assert df.equals(generate(name, samples=200, noise=0.2, seed=3))
    assert not df.equals(generate(name, samples=200, noise=0.2, seed=4))
    if info.task == "classification":
        assert set(df["label"].unique()) == {0, 1}
    else:
        assert df["y"].between(-1.5, 1.5).all()
    prepared = prepare_data({"source": {"kind": "builtin", "name": name, "samples": 100}}, None)
    assert prepared.task == info.task and prepared.x_train.shape[1] == 2


def test_playground_shapes():
    circle = generate("circle", 400, 0.0, 0)
    r = np.hypot(circle.x1, circle.x2)
    assert (r[circle.label == 1] <= 2.5).all() and (r[circle.label == 0] >= 3.5).all()
    xor = generate("xor", 400, 0.0, 0)
    assert ((xor.x1 * xor.x2 >= 0) == (xor.label == 1)).all()
    assert (np.abs(xor.x1) >= 0.3).all()
    gauss = generate("gauss", 400, 0.0, 0)
    assert gauss[gauss.label == 1].x1.mean() == pytest.approx(2, abs=0.3)
    assert gauss[gauss.label == 0].x1.mean() == pytest.approx(-2, abs=0.3)
    plane = generate("reg_plane", 400, 0.0, 0)
    np.testing.assert_allclose(plane.y, (plane.x1 + plane.x2) / 10)
    bumps = generate("reg_gauss", 400, 0.0, 0)
    near = np.hypot(bumps.x1 - (-4), bumps.x2 - 2.5) < 0.5  # the positive bump at (-4, 2.5)
    assert (bumps.y[near] > 0.7).all()
    spiral = generate("spiral", 100, 0.0, 0)
    assert np.hypot(spiral.x1, spiral.x2).max() <= 5


def test_noise_flips_labels_near_the_boundary():
    clean = generate("xor", 1000, 0.0, 1)
    noisy = generate("xor", 1000, 0.5, 1)
    wrong = ((noisy.x1 * noisy.x2 >= 0) != (noisy.label == 1)).mean()
    assert ((clean.x1 * clean.x2 >= 0) != (clean.label == 1)).mean() == 0 and 0.02 < wrong < 0.5


@pytest.mark.parametrize("source,message", [
    ({"kind": "builtin", "name": "nope"}, "unknown builtin dataset 'nope'"),
    ({"kind": "builtin", "name": "spiral", "samples": 1}, "samples must be between"),
    ({"kind": "builtin", "name": "spiral", "noise": "loud"}, "noise a number"),
    ({"kind": "sql"}, "unknown data source kind 'sql'"),
    ({"kind": "csv"}, "needs a 'path'"),
])
def test_bad_sources(source, message):
    with pytest.raises(DataError, match=message):
        load_table(source, None)
