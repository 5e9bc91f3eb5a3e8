"""The Data view's plot numbers for wide tables: the correlation of the most variable columns (labelled so),
and scatter columns converted only when asked for."""

import numpy as np
import pandas as pd

from designer.data.overview import LazyColumns, correlation_overview, data_overview


def wide_table(n=300, width=100, seed=0):
    rng = np.random.default_rng(seed)
    data = {f"px{i}": np.zeros(n) for i in range(width)}  # constant border pixels
    z = rng.uniform(-1, 1, n)
    for i in range(30, 30 + 40):  # std ÷ mean grows with i
        data[f"px{i}"] = 100 + i * z + rng.normal(0, 0.01, n)
    data["label"] = rng.integers(0, 3, n)
    return pd.DataFrame(data)


def test_narrow_tables_keep_every_numeric_column_in_order():
    df = wide_table()[[f"px{i}" for i in range(28, 38)]]
    names, matrix, caption = correlation_overview(df, list(df.columns))
    assert names == [f"px{i}" for i in range(28, 38)] and matrix.shape == (10, 10)
    assert caption == "Correlation of the 10 numeric columns"


def test_wide_tables_show_the_most_variable_columns_never_constant_ones():
    df = wide_table()
    names, matrix, caption = correlation_overview(df, [c for c in df.columns if c != "label"], max_columns=20)
    assert len(names) == 20 and matrix.shape == (20, 20) and not np.isnan(matrix).any()
    assert names == [f"px{i}" for i in range(50, 70)]  # the largest std ÷ mean, in the table's order
    assert caption.startswith("Correlation of the 20 most variable of 100 numeric columns")


def test_scatter_columns_are_converted_on_demand():
    df = wide_table()
    columns = LazyColumns(df, ["px40", "px41"])
    assert list(columns) == ["px40", "px41"] and len(columns) == 2 and columns._cache == {}
    np.testing.assert_array_equal(columns["px40"], df["px40"].to_numpy(dtype=np.float64))
    assert list(columns._cache) == ["px40"] and columns.get("label") is None


def test_overview_of_a_classification_table():
    df = wide_table()
    views = data_overview(df, "label", "classification")
    assert views["classes"] == ["0", "1", "2"] and views["counts"].sum() == 300
    assert "label" not in views["features"] and len(views["labels"]) == 300
    assert len(views["correlation"][0]) == 40  # 60 constant columns left out
