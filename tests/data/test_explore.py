import numpy as np
import pandas as pd
import pytest

from designer.data import class_balance, correlation, histogram, load_table, numeric_columns, summarize


def test_summarize_columns():
    df = pd.DataFrame({"a": [1.0, 2.0, np.nan, 5.0], "s": ["x", "y", "x", None], "b": [True, False, True, True]})
    s = summarize(df)
    assert list(s.index) == ["a", "s", "b"]
    assert s.loc["a", "count"] == 3 and s.loc["a", "missing"] == 1 and s.loc["a", "unique"] == 3
    assert s.loc["a", "mean"] == pytest.approx(8 / 3) and s.loc["a", "min"] == 1 and s.loc["a", "max"] == 5
    assert s.loc["a", "std"] == pytest.approx(np.std([1, 2, 5]))
    assert s.loc["s", "kind"] == "categorical" and np.isnan(s.loc["s", "mean"]) and s.loc["s", "missing"] == 1
    assert s.loc["b", "kind"] == "numeric" and s.loc["b", "mean"] == 0.75


def test_histogram_split_by_class_counts_every_row():
    df = load_table({"kind": "builtin", "name": "iris"})
    edges, counts = histogram(df, "petal_length_cm", "species", bins=10)
    assert len(edges) == 11 and list(counts) == ["setosa", "versicolor", "virginica"]
    assert [c.sum() for c in counts.values()] == [50, 50, 50]
    assert counts["setosa"][:3].sum() == 50  # short petals: setosa sits in the lowest bins
    edges, counts = histogram(df, "petal_length_cm")
    assert counts["all"].sum() == 150


def test_correlation_matrix():
    df = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 4, 6, 8], "c": [4, 3, 2, 1], "t": list("xyxy")})
    names, m = correlation(df)
    assert names == ["a", "b", "c"] == numeric_columns(df)
    np.testing.assert_allclose(m, [[1, 1, -1], [1, 1, -1], [-1, -1, 1]])


def test_class_balance():
    classes, counts = class_balance(pd.Series([10, 2, 2, 1, None]))
    assert classes == ["1", "2", "10"] and counts.tolist() == [1, 2, 1]
