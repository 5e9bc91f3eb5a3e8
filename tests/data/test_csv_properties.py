"""Property tests of the CSV reader: tables survive a write/read round trip; garbage only raises DataError."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.data import prepare_data, read_csv
from designer.errors import DataError

RESERVED = {"NA", "NAN", "NULL", "N/A", "TRUE", "FALSE", "INF", "INFINITY", "NONE"}
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHÄÖÜäöüé ,;\"'|", min_size=1, max_size=8).filter(
    lambda s: s.strip() == s and s.strip().upper() not in RESERVED and s.strip() != "")
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=6)
floats = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False, width=64)
ints = st.integers(min_value=-10**12, max_value=10**12)


@st.composite
def tables(draw):
    n_rows = draw(st.integers(1, 15))
    n_text = draw(st.integers(0, 3))
    n_num = draw(st.integers(1, 4))  # one numeric column at least, so the header is unambiguous
    cols = draw(st.lists(names, min_size=n_text + n_num, max_size=n_text + n_num, unique=True))
    data = {}
    for i, name in enumerate(cols):
        if i < n_num:
            data[name] = draw(st.lists(draw(st.sampled_from([floats, ints])), min_size=n_rows, max_size=n_rows))
        else:
            data[name] = draw(st.lists(words, min_size=n_rows, max_size=n_rows))
    order = draw(st.permutations(cols))
    return pd.DataFrame(data)[list(order)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(df=tables(), sep=st.sampled_from([",", ";", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
def test_round_trip(tmp_path, df, sep, encoding):
    path = tmp_path / "t.csv"
    df.to_csv(path, sep=sep, index=False, encoding=encoding)
    back, info = read_csv(path)
    assert list(back.columns) == list(df.columns)
    assert len(back) == len(df)
    for col in df.columns:
        if pd.api.types.is_numeric_dtype(df[col]):
            np.testing.assert_allclose(back[col].to_numpy(dtype=float), df[col].to_numpy(dtype=float),
                                       rtol=1e-12, err_msg=f"{col} sep={sep!r}")
        else:
            assert back[col].tolist() == df[col].tolist()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.one_of(st.binary(max_size=400),
                      st.text(alphabet=",;\t|\"'\n\r abc123.-?", max_size=200).map(str.encode)))
def test_random_bytes_raise_only_data_error(tmp_path, blob):
    path = tmp_path / "junk.csv"
    path.write_bytes(blob)
    try:
        df, _ = read_csv(path)
    except DataError as e:
        assert "\n" not in str(e)
        return
    try:
        prepare_data({"source": {"kind": "csv", "path": str(path)}, "target": str(df.columns[-1])}, None)
    except DataError:
        pass
