"""The chunked CSV reader: many small chunks must give what one pandas read gives (values, types, errors),
report its progress, stop when cancelled, and keep big files compact."""

import numpy as np
import pandas as pd
import pytest

from designer.data import chunked, read_csv
from designer.data.chunked import LoadCancelled
from designer.errors import DataError


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 1,000 rows whatever the width (the reader's floor), so a 5,000-row file has 5 chunks."""
    monkeypatch.setattr(chunked, "CHUNK_CELLS", 1)


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rows(n, make):
    return "".join(make(i) for i in range(n))


def one_read(path, **options):
    """What the reader gave before chunking: one pandas read of the whole file."""
    return pd.read_csv(path, na_values=["", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"], keep_default_na=False,
                       skipinitialspace=True, low_memory=False, index_col=False, **options)


def test_many_chunks_equal_one_read(tmp_path, small_chunks):
    text = "a,b,name,flag\n" + rows(4_500, lambda i: f"{i},{i / 7:.5f},{'xyz'[i % 3]},{'true' if i % 2 else 'false'}\n")
    path = write(tmp_path, text)
    df, info = read_csv(path)
    expected = one_read(path)
    assert info.rows == 4_500
    pd.testing.assert_frame_equal(df, expected)


def test_text_first_seen_in_a_later_chunk_reads_the_column_as_one_read_would(tmp_path, small_chunks):
    # numbers for 3,000 rows, then one text cell: chunk types disagree, the column is read again whole
    text = "x,y\n" + rows(3_000, lambda i: f"{i}.5,{i % 2}\n") + "oops,1\n" + rows(500, lambda i: f"{i},0\n")
    path = write(tmp_path, text)
    df, _ = read_csv(path)
    expected = one_read(path)
    pd.testing.assert_frame_equal(df, expected)
    assert df["x"].iloc[3_000] == "oops" and df["x"].iloc[0] == "0.5"  # the cells' own text, as before


def test_missing_cell_in_a_later_chunk_turns_whole_numbers_into_floats(tmp_path, small_chunks):
    text = "n,label\n" + rows(2_500, lambda i: f"{i},{i % 2}\n") + ",1\n"
    df, _ = read_csv(write(tmp_path, text))
    assert df["n"].dtype == np.float64 and np.isnan(df["n"].iloc[-1]) and df["n"].iloc[2_499] == 2_499
    assert df["label"].dtype == np.int64


def test_ragged_row_in_a_later_chunk_names_its_line(tmp_path, small_chunks):
    text = "a,b,c\n" + rows(3_000, lambda i: f"{i},{i},{i}\n") + "7,8,9,10\n"
    with pytest.raises(DataError) as err:
        read_csv(write(tmp_path, text))
    assert "line 3002" in str(err.value) and "4 fields" in str(err.value) and "ragged" in str(err.value)


def test_short_row_in_a_later_chunk_is_refused(tmp_path, small_chunks):
    text = "a,b,c\n" + rows(3_000, lambda i: f"{i},{i},{i}\n") + "7,8\n"
    with pytest.raises(DataError, match="line 3002 has 2 fields but the header has 3"):
        read_csv(write(tmp_path, text))


def test_header_only_and_latin1_and_utf16_files(tmp_path, small_chunks):
    with pytest.raises(DataError, match="has a header but no data rows"):
        read_csv(write(tmp_path, "a,b\n"))
    text = "city,v\n" + rows(2_000, lambda i: f"Zürich,{i}\n")
    df, info = read_csv(write(tmp_path, text, "latin.csv", "latin-1"))
    assert info.encoding == "latin-1" and df["city"].iloc[-1] == "Zürich" and len(df) == 2_000
    df, info = read_csv(write(tmp_path, text, "wide.csv", "utf-16"))
    assert info.encoding == "utf-16" and df["v"].tolist() == list(range(2_000))


def test_progress_rises_to_the_end_and_cancel_stops_the_read(tmp_path, small_chunks):
    # pandas reads the file in blocks of 256 kB: 2 MB give several distinct positions
    path = write(tmp_path, "a,b\n" + rows(100_000, lambda i: f"{i},{i * 2}.125\n"))
    seen = []
    read_csv(path, progress=seen.append)
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and seen[0] < 1.0

    calls = []

    def cancel_at_second(fraction):
        calls.append(fraction)
        if len(calls) == 2:
            raise LoadCancelled

    with pytest.raises(LoadCancelled):  # not a DataError: nothing is wrong with the file
        read_csv(path, progress=cancel_at_second)
    assert len(calls) == 2


def test_big_files_keep_decimals_as_float32_and_labels_as_whole_numbers(tmp_path, small_chunks, monkeypatch):
    monkeypatch.setattr(chunked, "COMPACT_BYTES", 0)  # every file counts as big
    text = "v,pixel,label,id\n" + rows(3_000, lambda i: f"{i / 3:.4f},{i % 256},{i % 10},{i * 10**6}\n")
    df, _ = read_csv(write(tmp_path, text))
    assert df["v"].dtype == np.float32 and df["pixel"].dtype == np.int16 and df["label"].dtype == np.int16
    assert df["id"].dtype == np.int64  # too large for int32: left as it is
    assert df["v"].iloc[300] == pytest.approx(100.0) and df["label"].astype(str).iloc[7] == "7"
