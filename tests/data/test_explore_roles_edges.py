"""Edges of the exploration histogram and of the column-role rules, each with the value written out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from designer.data.cleaning import ID_MIN_ROWS
from designer.data.explore import histogram
from designer.data.roles import apply_roles, ignore_reason


def test_a_histogram_of_no_numbers_has_unit_edges_and_no_counts():
    edges, counts = histogram(pd.DataFrame({"f": ["a", None, "b"]}), "f", bins=4)
    assert edges.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0] and counts == {}


def test_a_constant_columns_histogram_spans_one_unit_above_the_value():
    edges, counts = histogram(pd.DataFrame({"f": [3.0, 3.0, 3.0]}), "f", bins=2)
    assert edges.tolist() == [3.0, 3.5, 4.0]
    assert counts["all"].tolist() == [3, 0]


def test_histogram_counts_per_class_share_the_edges():
    df = pd.DataFrame({"f": [0.0, 1.0, 2.0, 3.0, None], "t": ["b", "a", "b", None, "a"]})
    edges, counts = histogram(df, "f", "t", bins=3)
    assert edges.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert list(counts) == ["a", "b"]
    assert counts["a"].tolist() == [0, 1, 0] and counts["b"].tolist() == [1, 0, 1]


def test_a_whole_number_column_counting_up_by_row_is_a_row_number():
    n = ID_MIN_ROWS + 5
    assert ignore_reason(pd.Series(np.arange(n)), "n") == "looks like a row number (counts up by row)"
    assert ignore_reason(pd.Series(np.arange(n)[::-1] * 3), "n") == "looks like a row number (counts up by row)"
    assert ignore_reason(pd.Series(np.arange(n) + 0.5), "n") is None  # measurements, not a count
    shuffled = np.random.default_rng(0).permutation(n)
    assert ignore_reason(pd.Series(shuffled), "n") is None


def test_without_a_target_the_data_section_has_no_target_key():
    out = apply_roles({"source": "x.csv", "target": "old", "features": ["a"]}, {"a": "feature", "b": "ignore"})
    assert out == {"source": "x.csv", "features": ["a"]}
    all_features = apply_roles({"source": "x.csv", "features": ["a"]}, {"a": "feature", "t": "target"})
    assert all_features == {"source": "x.csv", "target": "t"}
