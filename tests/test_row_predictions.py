"""Rows loaded or pasted in the window: bad rows are marked and skipped, the others predicted as `predict` does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from designer.data import load_table
from designer.errors import DataError
from designer.pipeline import predict_frame
from designer.row_predictions import predict_rows, read_pasted_rows, save_predictions
from tests.export.test_onnx_raw_rows import penguin_rows, penguins
from tests.export.test_raw_rows import categorical_diabetes

PASTED = """island,bill_length_mm,body_mass_g,sex
Biscoe,39.1,3750,male
Dream,forty,3800,female
Atlantis,45,,NA
Torgersen,,4100,
"""


def test_bad_rows_are_marked_and_the_others_match_predict(tmp_path):
    project = penguins(tmp_path)
    rows = read_pasted_rows(PASTED)
    result = predict_rows(project, tmp_path, rows)
    assert result.problems == {1: "column 'bill_length_mm': 'forty' is not a number"}
    assert result.notes == {2: "column 'island': 'Atlantis' not seen in training (encoded as zeros)"}
    good = rows.drop(index=1)
    expected = predict_frame(project, tmp_path, good)
    got = result.table.drop(index=1).reset_index(drop=True)
    assert got["species"].tolist() == expected["species"].tolist()
    p = ["p_Adelie", "p_Chinstrap", "p_Gentoo"]
    np.testing.assert_allclose(got[p].to_numpy(float), expected[p].to_numpy(float), atol=1e-6)
    assert result.table.loc[1, "species"] == "" and result.table.loc[1, p].isna().all()
    assert result.table["row"].tolist() == [1, 2, 3, 4]


def test_regression_rows(tmp_path):
    project = categorical_diabetes(tmp_path)
    df = load_table({"kind": "csv", "path": "diabetes_cat.csv"}, tmp_path).head(10)
    result = predict_rows(project, tmp_path, df)
    expected = predict_frame(project, tmp_path, df)
    np.testing.assert_allclose(result.table["progression_predicted"], expected["progression_predicted"], rtol=1e-6)
    assert result.value_columns == ["progression_predicted"] and not result.problems


def test_a_missing_column_is_one_clear_error(tmp_path):
    project = penguins(tmp_path)
    with pytest.raises(DataError, match="lack the column\\(s\\) 'sex'"):
        predict_rows(project, tmp_path, pd.DataFrame({"island": ["Biscoe"], "bill_length_mm": [1.0],
                                                      "body_mass_g": [3.0]}))


@pytest.mark.parametrize("text", ["", "   \n", "\x00\x01\x02garbage"])
def test_hostile_pastes_give_one_error(text, tmp_path):
    project = penguins(tmp_path)
    with pytest.raises(DataError) as err:
        predict_rows(project, tmp_path, read_pasted_rows(text))
    assert "\n" not in str(err.value) and "pasted-rows-" not in str(err.value)


def test_saved_csv_is_spreadsheet_safe(tmp_path):
    project = penguins(tmp_path)
    df = pd.read_csv(penguin_rows(tmp_path), dtype=str, keep_default_na=False)
    df.loc[0, "island"] = "=HYPERLINK(1)"
    result = predict_rows(project, tmp_path, df)
    out = save_predictions(result, tmp_path / "pred.csv")
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "row,species,p_Adelie,p_Chinstrap,p_Gentoo,note"
    assert "'=HYPERLINK(1)" in text.splitlines()[1]
