"""Names valid on every system, suffixes without case, and paths compared as each platform's file systems do."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from designer.errors import DesignerError
from designer.fileio import atomic_write_bytes
from designer.filenames import is_project_path, is_reserved_name, path_key, portable_name_problem, safe_stem


@pytest.mark.parametrize("name", ["CON", "con.nnproj", "Aux.onnx", "NUL.py", "com1.csv", "LPT9", "model.", "model "])
def test_reserved_names(name):
    assert is_reserved_name(name) and portable_name_problem(name)


@pytest.mark.parametrize("name", ["CONSOLE.py", "com10.csv", "my.con", "model.onnx", "Café.nnproj"])
def test_ordinary_names(name):
    assert not is_reserved_name(name) and portable_name_problem(name) is None


@pytest.mark.parametrize("name", ["a:b.py", "what?.onnx", 'q"uote', "pipe|.csv", "tab\t.py"])
def test_invalid_characters(name):
    assert "does not allow" in portable_name_problem(name)


@pytest.mark.parametrize(("name", "stem"), [("CON", "CON_"), ("nul.backup", "nul_.backup"), ("a/b\\c", "a_b_c"),
                                            ("dots...", "dots"), ("  ", "project"), ("x" * 300, "x" * 100)])
def test_safe_stem(name, stem):
    assert safe_stem(name) == stem


def test_suffix_without_case():
    assert is_project_path("X.NNPROJ") and is_project_path("x.NnProj") and not is_project_path("x.nnproj.zip")


def test_path_keys_follow_each_platform():
    nfc, nfd = "/p/Café.nnproj", unicodedata.normalize("NFD", "/p/Café.nnproj")
    assert path_key(nfc, "darwin") == path_key(nfd.upper(), "darwin")
    assert path_key("C:\\P\\X.nnproj", "win32") == path_key("c:/p/x.NNPROJ", "win32")
    assert path_key("/p/X.nnproj", "linux") != path_key("/p/x.nnproj", "linux")


@pytest.mark.parametrize("name", ["CON.onnx", "model.", "what?.py"])  # ("a:b" would be a drive on Windows)
def test_writing_a_reserved_name(tmp_path, name):
    """Windows: refused with the reason (CON.onnx would go to the console). Elsewhere these are ordinary
    names and the file is written."""
    if sys.platform == "win32":
        with pytest.raises(DesignerError, match="Windows"):
            atomic_write_bytes(tmp_path / name, b"x")
        assert list(tmp_path.iterdir()) == []
    else:
        atomic_write_bytes(tmp_path / name, b"x")
        assert (tmp_path / name).read_bytes() == b"x"


@pytest.mark.parametrize("fmt", ["python", "pytorch"])
def test_exports_take_an_upper_case_py_suffix(tmp_path, fmt):
    from designer.export import export_project
    from tests.export.test_raw_rows import iris

    written = export_project(iris(tmp_path), fmt, tmp_path / "MODEL.PY", base_dir=tmp_path)
    assert written[0] == tmp_path / "MODEL.PY" and written[0].is_file()
