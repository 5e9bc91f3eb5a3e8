"""Column roles: the defaults a new table gets (ID-like and constant columns ignored, target guessed by name and
values, task from the target's type) and turning roles into a data section and back."""

from __future__ import annotations

import numpy as np
import pandas as pd

from designer.data.roles import apply_roles, roles_of, suggest_roles


def penguins(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    bill = rng.normal(44, 5, n).round(1)
    bill[3] = np.nan
    return pd.DataFrame({
        "rownames": np.arange(1, n + 1), "species": rng.choice(["Adelie", "Gentoo", "Chinstrap"], n),
        "island": rng.choice(["Biscoe", "Dream"], n), "bill_length_mm": bill,
        "sex": rng.choice(["male", "female", None], n), "year": rng.choice([2007, 2008, 2009], n)})


def titanic(n: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "rownames": np.arange(1, n + 1), "name": [f"Passenger, Mr. {i}" for i in range(n)],
        "survived": rng.choice(["yes", "no"], n), "sex": rng.choice(["male", "female"], n),
        "age": rng.uniform(1, 70, n).round(), "passengerClass": rng.choice(["1st", "2nd", "3rd"], n)})


def test_penguins_target_is_species_and_row_numbers_are_ignored():
    s = suggest_roles(penguins())
    assert s.target == "species" and s.task == "classification"
    assert list(s.ignored) == ["rownames"]
    assert s.features(list(penguins().columns)) == ["island", "bill_length_mm", "sex", "year"]


def test_titanic_target_is_survived_and_names_are_not_features():
    s = suggest_roles(titanic())
    assert s.target == "survived"
    assert set(s.ignored) == {"rownames", "name"}
    assert "different text in every row" in s.ignored["name"]


def test_constant_and_named_id_columns_are_ignored_but_not_paid():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"passengerId": rng.permutation(30), "paid": rng.normal(size=30),
                       "const": [7] * 30, "y": rng.choice([0, 1], 30)})
    s = suggest_roles(df)
    assert s.target == "y" and set(s.ignored) == {"passengerId", "const"}
    assert "constant" in s.ignored["const"] and "ID" in s.ignored["passengerId"]


def test_a_numeric_target_with_many_values_is_regression():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"x": rng.normal(size=50), "petal": rng.uniform(4.3, 7.9, 50).round(1)})
    s = suggest_roles(df)
    assert s.target == "petal" and s.task == "regression"
    assert suggest_roles(df, target="x").task == "regression"


def test_without_a_target_name_the_last_column_with_few_values_is_chosen():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"a": rng.normal(size=40), "kind": rng.choice(["p", "q"], 40), "b": rng.normal(size=40)})
    s = suggest_roles(df)
    assert s.target == "kind" and s.task == "classification"


def test_roles_round_trip_through_a_data_section():
    columns = ["id", "a", "b", "t"]
    cfg = apply_roles({"missing": "mean"}, {"id": "ignore", "a": "feature", "b": "feature", "t": "target"})
    assert cfg == {"missing": "mean", "target": "t", "features": ["a", "b"]}
    assert roles_of(columns, cfg["target"], cfg["features"]) == {"id": "ignore", "a": "feature", "b": "feature",
                                                                "t": "target"}
    every = apply_roles(cfg, {"id": "feature", "a": "feature", "b": "feature", "t": "target"})
    assert "features" not in every and every["target"] == "t"
