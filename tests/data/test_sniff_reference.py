"""Delimiter detection against a reference read with the delimiter given: pandas told the truth.

`csv.Sniffer` alone is fooled by text cells that quote another candidate delimiter with single quotes
(`'it;s'`, `'yes';'no'`): it reads the quote-delimiter-quote pattern as the file's delimiter. The reader
must keep a guess only when it splits every sampled row into the same number of columns.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from designer.data import read_csv

CASES = {
    # survey answers exported as a quoted list inside one cell
    "answers": ("x,y,answers\n1.5,2,'yes';'no'\n3,4.5,maybe\n5,6,'a';'b'\n", ","),
    # a comment cell quoting a word with a semicolon in it
    "comment": ("id,comment,score\n1,;'it;s';,3\n2,fine,4\n3,ok,5\n", ","),
    # the mirror image: semicolon file, a cell quoting commas
    "semicolon": ("name;note;v\nann;,'it,s',;1\nbob;x;2\ncid;y;3\n", ";"),
    # the tab file of the issue: a quoted cell with a semicolon
    "tab": ("a\tb\tnote\n1\t2\t;'it;s';\n3\t4\tok\n", "\t"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_sniffer_alone_would_be_fooled(name):
    """The cases are the hard ones: the standard library's guess is wrong for at least the first two."""
    text, delimiter = CASES[name]
    guess = csv.Sniffer().sniff(text, delimiters=",;\t|").delimiter
    if name in ("answers", "comment"):
        assert guess != delimiter


@pytest.mark.parametrize("name", list(CASES))
def test_quoted_candidate_delimiters_do_not_fool_detection(tmp_path, name):
    text, delimiter = CASES[name]
    path = tmp_path / ("data.tsv" if delimiter == "\t" else "data.csv")
    path.write_text(text, encoding="utf-8")
    df, info = read_csv(path)
    reference = pd.read_csv(io.StringIO(text), sep=delimiter)
    assert info.delimiter == delimiter
    assert list(df.columns) == list(reference.columns)
    pd.testing.assert_frame_equal(df.reset_index(drop=True), reference, check_dtype=False)
