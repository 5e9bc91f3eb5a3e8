"""Two reader refusals compared word for word: a ragged row under a header, and a truncated .npz."""

from __future__ import annotations

import io

import numpy as np
import pytest

from designer.data.reader import read_csv, read_npz
from designer.errors import DataError


def test_a_row_longer_than_the_header_names_the_line_and_both_counts(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,c\n1,2,3\n4,5,6,7\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_csv(path)
    assert str(err.value) == "ragged.csv: line 3 has 4 fields but the header has 3 (ragged rows)"


def test_a_truncated_npz_says_it_is_not_complete(tmp_path):
    buf = io.BytesIO()
    np.savez(buf, x=np.zeros((4, 2)), y=np.zeros(4))
    path = tmp_path / "cut.npz"
    path.write_bytes(buf.getvalue()[:-40])
    with pytest.raises(DataError) as err:
        read_npz(path, "x", "y")
    assert str(err.value) == "cut.npz: is not a readable NPZ file of numeric arrays (not a complete .npz archive)"
