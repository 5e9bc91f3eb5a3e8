import hashlib

import numpy as np
import pandas as pd
import pytest

from designer.data import load_table, prepare_data, read_csv, read_npz, sniff_csv
from designer.errors import DataError

TABLE = "a,b,name,label\n1,2.5,x,yes\n3,4.5,y,no\n5,6.5,z,yes\n"


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_detected(tmp_path, delimiter):
    path = write(tmp_path, TABLE.replace(",", delimiter), "data.tsv" if delimiter == "\t" else "data.csv")
    df, info = read_csv(path)
    assert info.delimiter == delimiter and info.header
    assert list(df.columns) == ["a", "b", "name", "label"]
    assert df["b"].tolist() == [2.5, 4.5, 6.5] and df["name"].tolist() == ["x", "y", "z"]


def test_quoted_fields_with_delimiters_and_newlines(tmp_path):
    path = write(tmp_path, 'id,text,v\n1,"hello, world",2\n2,"two\nlines",3\n3,"say ""hi""",4\n')
    df, info = read_csv(path)
    assert info.delimiter == "," and info.rows == 3
    assert df["text"].tolist() == ["hello, world", "two\nlines", 'say "hi"']


def test_header_is_detected_and_absent_header_gets_names(tmp_path):
    _, info = read_csv(write(tmp_path, "x,y\n1,2\n3,4\n"))
    assert info.header
    df, info = read_csv(write(tmp_path, "1,2,a\n3,4,b\n5,6,a\n"))
    assert not info.header and list(df.columns) == ["column_1", "column_2", "column_3"] and len(df) == 3


def test_decimal_comma_with_semicolons(tmp_path):
    df, info = read_csv(write(tmp_path, "x;y\n1,5;2\n3,25;4\n"))
    assert info.delimiter == ";" and info.decimal == ","
    assert df["x"].tolist() == [1.5, 3.25]


@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                               ("latin-1", "latin-1"), ("cp1252", "cp1252"),
                                               ("utf-16", "utf-16")])
def test_encodings_are_detected_and_reported(tmp_path, encoding, expected):
    text = "city,temp,label\nMünchen,1.5,a\nZürich,2.5,b\nSão Paulo,30,a\n"
    if encoding == "cp1252":
        text = text.replace("São Paulo", "“Quote”")
    df, info = read_csv(write(tmp_path, text, encoding=encoding))
    assert info.encoding == expected
    assert list(df.columns) == ["city", "temp", "label"]  # no BOM left in the first name
    assert df["city"][0] == "München"
    if expected not in ("utf-8", "utf-8-sig"):
        assert any(expected in w for w in info.warnings)


def test_missing_markers(tmp_path):
    df, _ = read_csv(write(tmp_path, "a,b\n1,NA\n2,NaN\n3,null\n4,?\n5,\n6,7\n"))
    assert df["b"].isna().tolist() == [True] * 5 + [False]
    assert df["b"].dtype.kind == "f"


def test_relative_path_is_relative_to_the_project_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", TABLE)
    df = load_table({"kind": "csv", "path": "data.csv"}, tmp_path / "sub")
    assert len(df) == 3


def test_reading_never_modifies_the_file(tmp_path):
    path = write(tmp_path, "a;b;label\n1,5;NA;x\n2;3;y\n2;3;y\n4;;x\n")
    before = hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns
    prepare_data({"source": {"kind": "csv", "path": str(path)}, "target": "label", "task": "classification",
                  "missing": "mean", "drop_duplicates": True, "split": {"validation": 0, "test": 0}}, None)
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before


def test_sniff_returns_preview_rows(tmp_path):
    info, rows = sniff_csv(write(tmp_path, TABLE))
    assert rows[0] == ["a", "b", "name", "label"] and len(rows) == 4 and info.columns[2] == "name"


# --- failures: one DataError naming the file (and line/column where it can) ---

def expect_error(path_or_cfg, *fragments, base_dir=None):
    with pytest.raises(DataError) as err:
        if isinstance(path_or_cfg, dict):
            prepare_data(path_or_cfg, base_dir)
        else:
            read_csv(path_or_cfg)
    message = str(err.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_empty_file(tmp_path):
    expect_error(write(tmp_path, ""), "data.csv", "is empty")
    expect_error(write(tmp_path, "  \n\n"), "data.csv", "is empty")


def test_header_only(tmp_path):
    expect_error(write(tmp_path, "a,b,label\n"), "data.csv", "header but no data rows")


def test_ragged_rows(tmp_path):
    expect_error(write(tmp_path, "a,b,c\n1,2,3\n4,5\n"), "data.csv", "line 3", "2 fields", "ragged")
    expect_error(write(tmp_path, "a,b,c\n1,2,3\n4,5,6,7\n"), "data.csv", "line 3", "4 fields")


def test_binary_file(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    expect_error(write(tmp_path, png, "picture.png"), "picture.png", "not a CSV text file")


def test_undecodable_bytes(tmp_path):
    path = write(tmp_path, "a,b\n1,2\n3,\x81\x8d\n".encode("latin-1"))  # C1 bytes cp1252 leaves undefined
    expect_error(path, "data.csv", "neither UTF-8, Latin-1 nor Windows-1252")
    path = write(tmp_path, b"a,b\n1,\xff\n")
    with pytest.raises(DataError, match="cannot be decoded as utf-8"):
        read_csv(path, encoding="utf-8")


def test_file_not_found_and_folder(tmp_path):
    expect_error({"source": {"kind": "csv", "path": "nope.csv"}, "target": "y"}, "file not found", "nope.csv",
                 base_dir=tmp_path)
    with pytest.raises(DataError, match="is a folder"):
        read_csv(tmp_path)


def test_missing_target_column(tmp_path):
    path = write(tmp_path, TABLE)
    expect_error({"source": {"kind": "csv", "path": str(path)}, "target": "price"}, "data.csv",
                 "target column 'price' not found", "a, b, name, label")
    expect_error({"source": {"kind": "csv", "path": str(path)}, "target": "label", "features": ["zz"]},
                 "feature column(s) 'zz' not found")


def test_target_with_one_class(tmp_path):
    path = write(tmp_path, "a,label\n1,x\n2,x\n3,x\n")
    expect_error({"source": {"kind": "csv", "path": str(path)}, "target": "label", "task": "classification"},
                 "data.csv", "only one class ('x')")


def test_non_numeric_value_in_a_numeric_column(tmp_path):
    rows = "".join(f"{i},{i * 2},a\n" for i in range(10))
    path = write(tmp_path, "x,y,label\n" + rows + "11,oops,b\n")
    expect_error({"source": {"kind": "csv", "path": str(path)}, "target": "label", "task": "classification"},
                 "data.csv", "line 12", "column 'y'", "'oops' is not a number")
    # a marker of the user's own counts as missing when listed
    marked = prepare_data({"source": {"kind": "csv", "path": str(path), "na_values": ["oops"]}, "target": "label",
                           "task": "classification", "missing": "mean", "split": {"validation": 0, "test": 0}}, None)
    assert marked.report["filled"] == {"y": 1}
    # it only matters when the column is used
    prepared = prepare_data({"source": {"kind": "csv", "path": str(path)}, "target": "label",
                             "task": "classification", "features": ["x"],
                             "split": {"validation": 0, "test": 0}}, None)
    assert prepared.x_train.shape == (11, 1)


def test_regression_needs_a_numeric_target(tmp_path):
    path = write(tmp_path, TABLE)
    expect_error({"source": {"kind": "csv", "path": str(path)}, "target": "name", "task": "regression"},
                 "target column 'name' holds text")


def test_npz_source(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((40, 4, 4, 1)).astype(np.float32)
    y = np.arange(40) % 2
    np.savez(tmp_path / "images.npz", images=x, labels=y)
    df, shape = read_npz(tmp_path / "images.npz", "images", "labels")
    assert shape == (4, 4, 1) and df.shape == (40, 17)
    prepared = prepare_data({"source": {"kind": "npz", "path": "images.npz", "x": "images", "y": "labels"},
                             "target": "labels", "task": "classification", "scaling": "none",
                             "split": {"shuffle": False, "validation": 0, "test": 0}}, tmp_path,
                            input_shape=(4, 4, 1))
    np.testing.assert_array_equal(prepared.x_train, x.reshape(40, -1))
    assert prepared.input_shape == (4, 4, 1) and prepared.classes == ["0", "1"]


def test_npz_failures(tmp_path):
    np.savez(tmp_path / "obj.npz", x=np.array([{"a": 1}], dtype=object), y=np.array([1]))
    with pytest.raises(DataError, match="obj.npz: holds Python objects, not plain arrays; they are never loaded"):
        read_npz(tmp_path / "obj.npz")
    np.savez(tmp_path / "names.npz", a=np.zeros(3), y=np.zeros(3))
    with pytest.raises(DataError, match="no array named 'x'"):
        read_npz(tmp_path / "names.npz")
    (tmp_path / "text.npz").write_text("not a zip", encoding="utf-8")
    with pytest.raises(DataError, match="text.npz"):
        read_npz(tmp_path / "text.npz")
    np.savez(tmp_path / "len.npz", x=np.zeros((3, 2)), y=np.zeros(4))
    with pytest.raises(DataError, match="one value per row"):
        read_npz(tmp_path / "len.npz")


def test_duplicate_header_names(tmp_path):
    expect_error(write(tmp_path, "a,a,b\n1,2,3\n"), "duplicate column names")


def test_table_dtypes(tmp_path):
    df, _ = read_csv(write(tmp_path, "i,f,s,b\n1,1.5,x,True\n2,2.5,y,False\n"))
    assert df["i"].dtype.kind == "i" and df["f"].dtype.kind == "f" and pd.api.types.is_string_dtype(df["s"])
    assert pd.api.types.is_bool_dtype(df["b"])


def test_windows_line_endings_and_no_final_newline(tmp_path):
    df, info = read_csv(write(tmp_path, "a,b\r\n1,x\r\n2,y"))
    assert info.rows == 2 and df["b"].tolist() == ["x", "y"] and df["a"].tolist() == [1, 2]


def test_short_row_hidden_behind_an_empty_last_column_is_found(tmp_path):
    rows = "".join(f"{i},{i},\n" for i in range(300))  # empty last cells force the full field-count pass
    expect_error(write(tmp_path, "a,b,c\n" + rows + "7,8\n"), "line 302", "2 fields", "ragged")
    df, _ = read_csv(write(tmp_path, "a,b,c\n" + rows))
    assert df["c"].isna().all() and len(df) == 300
    # with quoting the csv module decides (a quoted delimiter is not a field break)
    quoted = "".join(f'{i},"x,y",\n' for i in range(300))
    df, _ = read_csv(write(tmp_path, "a,b,c\n" + quoted))
    assert df["b"].eq("x,y").all()
    expect_error(write(tmp_path, "a,b,c\n" + quoted + '1,"p,q"\n'), "line 302", "2 fields")
