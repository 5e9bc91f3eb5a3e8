"""The app reports the version the installers are stamped with (pyproject.toml, read by packaging/metadata.py)."""

import re
from pathlib import Path

import designer


def test_package_version_matches_pyproject():
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert designer.__version__ == re.search(r'^version = "([^"]+)"', text, re.M).group(1)
