import numpy as np
import pandas as pd
import pytest

from designer.data import prepare_data
from designer.errors import DataError

NO_SPLIT = {"validation": 0, "test": 0, "shuffle": False}


def csv_cfg(tmp_path, text, **cfg):
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    base = {"source": {"kind": "csv", "path": "data.csv"}, "target": "label", "task": "classification",
            "scaling": "none", "split": dict(NO_SPLIT)}
    base.update(cfg)
    return base


MISSING = "a,b,color,label\n1,10,red,x\n,20,blue,y\n3,,red,x\n5,40,,y\n100,50,blue,y\n"


def test_missing_drop(tmp_path):
    p = prepare_data(csv_cfg(tmp_path, MISSING, missing="drop"), tmp_path)
    assert p.x_train.shape == (2, 4)  # a, b, color=blue, color=red
    assert p.report["rows_dropped_missing"] == 3
    assert p.report["missing_per_column"] == {"a": 1, "b": 1, "color": 1}


@pytest.mark.parametrize("strategy,a_fill,b_fill", [("mean", 109 / 4, 30.0), ("median", 4.0, 30.0),
                                                     ("most_frequent", 1.0, 10.0)])
def test_missing_fill_strategies(tmp_path, strategy, a_fill, b_fill):
    p = prepare_data(csv_cfg(tmp_path, MISSING, missing=strategy), tmp_path)
    assert p.feature_names == ["a", "b", "color=blue", "color=red"]
    x = p.x_train
    assert x.shape == (5, 4)
    assert x[1, 0] == pytest.approx(a_fill) and x[2, 1] == pytest.approx(b_fill)
    # the categorical column always takes its most frequent value (red: 2, blue: 2 → first in sort order)
    assert x[3, 2:].sum() == 1
    assert p.report["filled"] == {"a": 1, "b": 1, "color": 1}


def test_one_hot_and_sorted_string_classes(tmp_path):
    text = "size,color,label\n1,red,cat\n2,green,dog\n3,blue,ant\n4,red,dog\n"
    p = prepare_data(csv_cfg(tmp_path, text), tmp_path)
    assert p.classes == ["ant", "cat", "dog"]
    assert p.y_train.tolist() == [1, 2, 0, 2]
    assert p.feature_names == ["size", "color=blue", "color=green", "color=red"]
    np.testing.assert_array_equal(p.x_train[:, 1:], [[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 0, 1]])
    assert p.x_train.dtype == np.float32 and p.report["categorical"] == ["color"]


def test_numeric_classes_sort_as_numbers(tmp_path):
    text = "x,label\n" + "".join(f"{i},{c}\n" for i, c in enumerate([10, 2, 1, 2, 10, 1]))
    p = prepare_data(csv_cfg(tmp_path, text), tmp_path)
    assert p.classes == ["1", "2", "10"] and p.y_train.tolist() == [2, 1, 0, 1, 2, 0]


def test_categories_learned_on_training_split_and_unseen_ones_are_zero(tmp_path):
    text = "color,label\n" + "red,a\nblue,b\n" * 5 + "green,a\n"
    p = prepare_data(csv_cfg(tmp_path, text, split={"validation": 0, "test": 1 / 11, "shuffle": False}), tmp_path)
    assert p.feature_names == ["color=blue", "color=red"]  # green only in the test row
    np.testing.assert_array_equal(p.x_test, [[0, 0]])
    x = p.preprocessor.transform(pd.DataFrame({"color": ["red", "purple"]}))
    np.testing.assert_array_equal(x, [[0, 1], [0, 0]])
    assert any("not seen in training" in w for w in p.preprocessor.warnings)


@pytest.mark.parametrize("scaling", ["standard", "minmax"])
def test_scaling_is_fitted_on_the_training_split_only(scaling):
    cfg = {"source": {"kind": "builtin", "name": "diabetes"}, "scaling": scaling,
           "split": {"validation": 0.2, "test": 0.2, "seed": 5}}
    p = prepare_data(cfg, None)
    raw = prepare_data({**cfg, "scaling": "none"}, None)
    if scaling == "standard":
        np.testing.assert_allclose(p.x_train.mean(axis=0), 0, atol=1e-5)
        np.testing.assert_allclose(p.x_train.std(axis=0), 1, atol=1e-4)
        np.testing.assert_allclose(p.preprocessor.offset["bmi"], raw.x_train[:, 2].mean(), rtol=1e-5)
        assert abs(p.x_val.mean(axis=0)).max() > 1e-3  # held-out rows are not centred on themselves
    else:
        np.testing.assert_allclose(p.x_train.min(axis=0), 0, atol=1e-6)
        np.testing.assert_allclose(p.x_train.max(axis=0), 1, atol=1e-6)
        lo = raw.x_train.min(axis=0)
        span = raw.x_train.max(axis=0) - lo
        np.testing.assert_allclose(p.x_test, (raw.x_test - lo) / span, rtol=1e-4, atol=1e-5)
    # the regression target is not scaled
    np.testing.assert_array_equal(p.y_train, raw.y_train)


def test_constant_feature_is_not_divided_by_zero(tmp_path):
    text = "c,x,label\n" + "".join(f"7,{i},{'ab'[i % 2]}\n" for i in range(6))
    p = prepare_data(csv_cfg(tmp_path, text, scaling="standard"), tmp_path)
    assert np.isfinite(p.x_train).all() and (p.x_train[:, 0] == 0).all()
    assert any("'c' is constant" in w for w in p.report["warnings"])


def test_stratified_split_keeps_class_proportions():
    cfg = {"source": {"kind": "builtin", "name": "breast_cancer"},
           "split": {"validation": 0.2, "test": 0.1, "shuffle": True, "stratify": True, "seed": 1}}
    p = prepare_data(cfg, None)
    total = len(p.y_train) + len(p.y_val) + len(p.y_test)
    assert (len(p.y_val), len(p.y_test)) == (round(0.2 * total), round(0.1 * total))
    overall = np.mean(np.concatenate([p.y_train, p.y_val, p.y_test]))
    for y in (p.y_train, p.y_val, p.y_test):
        assert abs(y.mean() - overall) < 0.02
    # no row in two splits: the rows are distinct in this dataset
    rows = {r.tobytes() for r in np.concatenate([p.x_train, p.x_val, p.x_test])}
    assert len(rows) == total


def test_seed_makes_it_repeatable_and_changing_it_changes_the_split():
    cfg = {"source": {"kind": "builtin", "name": "iris"}, "split": {"validation": 0.2, "test": 0.1, "seed": 7}}
    a, b = prepare_data(cfg, None), prepare_data(cfg, None)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    c = prepare_data({**cfg, "split": {**cfg["split"], "seed": 8}}, None)
    assert not np.array_equal(a.x_train, c.x_train)


def test_no_shuffle_keeps_row_order(tmp_path):
    text = "x,label\n" + "".join(f"{i},{i % 2}\n" for i in range(10))
    p = prepare_data(csv_cfg(tmp_path, text, split={"validation": 0.2, "test": 0.2, "shuffle": False}), tmp_path)
    assert p.x_train[:, 0].tolist() == list(range(6))
    assert p.x_val[:, 0].tolist() == [6, 7] and p.x_test[:, 0].tolist() == [8, 9]


def test_bad_split_fractions(tmp_path):
    with pytest.raises(DataError, match="leave rows for training"):
        prepare_data({"source": {"kind": "builtin", "name": "iris"}, "split": {"validation": 0.6, "test": 0.4}})


def test_duplicates_reported_and_dropped(tmp_path):
    text = "x,label\n1,a\n1,a\n2,b\n3,a\n"
    kept = prepare_data(csv_cfg(tmp_path, text), tmp_path)
    assert kept.report["duplicates"] == 1 and len(kept.x_train) == 4
    dropped = prepare_data(csv_cfg(tmp_path, text, drop_duplicates=True), tmp_path)
    assert dropped.report["duplicates_dropped"] == 1 and len(dropped.x_train) == 3


def test_id_like_column_is_flagged(tmp_path):
    text = "id,x,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30))
    p = prepare_data(csv_cfg(tmp_path, text), tmp_path)
    assert any("'id' looks like an ID" in w for w in p.report["warnings"])
    assert not any("'x'" in w for w in p.report["warnings"])


def test_rows_without_target_are_dropped(tmp_path):
    p = prepare_data(csv_cfg(tmp_path, "x,label\n1,a\n2,\n3,b\n"), tmp_path)
    assert len(p.x_train) == 2 and p.report["rows_dropped_missing_target"] == 1


def test_features_subset_and_task_inference(tmp_path):
    text = "a,b,c,label\n" + "".join(f"{i},{i * 0.5},{i * 2},{i * 1.25}\n" for i in range(30))
    cfg = csv_cfg(tmp_path, text, features=["c", "a"])
    del cfg["task"]
    p = prepare_data(cfg, tmp_path)
    assert p.task == "regression" and p.feature_names == ["c", "a"] and p.y_train.shape == (30, 1)
    assert any("treating 'label' as regression" in w for w in p.report["warnings"])


def test_transform_replays_on_new_rows_and_names_missing_columns():
    p = prepare_data({"source": {"kind": "builtin", "name": "iris"}}, None)
    from designer.data import load_table

    df = load_table({"kind": "builtin", "name": "iris"})
    x = p.preprocessor.transform(df.drop(columns=["species"]))
    assert x.shape == (150, 4) and x.dtype == np.float32
    assert np.allclose(x.mean(axis=0), 0, atol=0.15)
    with pytest.raises(DataError, match="lacks the column\\(s\\) 'petal_width_cm'"):
        p.preprocessor.transform(df.drop(columns=["petal_width_cm"]))
    y = p.preprocessor.encode_target(df)
    assert y.tolist() == [0] * 50 + [1] * 50 + [2] * 50
    with pytest.raises(DataError, match="not seen in training: rose"):
        p.preprocessor.encode_target(df.assign(species="rose"))
    with pytest.raises(DataError, match="'abc' is not a number"):
        p.preprocessor.transform(df.assign(sepal_length_cm=["abc"] + [1.0] * 149))
    filled = p.preprocessor.transform(df.assign(sepal_length_cm=[np.nan] + [1.0] * 149))
    assert np.isfinite(filled).all() and p.preprocessor.filled == {"sepal_length_cm": 1}


def test_too_many_categories(tmp_path):
    text = "name,x,label\n" + "".join(f"n{i},{i % 7},{i % 2}\n" for i in range(1100))
    with pytest.raises(DataError, match="'name' has 1100 different text values"):
        prepare_data(csv_cfg(tmp_path, text), tmp_path)
