"""Export helpers at their edges: the raw-rows runtime text copied into exports, and the self-check's
tolerance for outputs near zero (absolute) and far from it (relative)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import designer.export
from designer.errors import ExportError
from designer.export import preprocessing, selfcheck


def test_the_runtime_copied_into_exports_is_the_template_below_its_marker():
    template = Path(designer.export.__file__).parent / "templates" / "raw_rows.py"
    lines = template.read_text(encoding="utf-8").splitlines()
    below = lines[lines.index("# ---- COPY BELOW INTO EXPORTS ----") + 1:]
    while not below[0]:
        below.pop(0)
    while not below[-1]:
        below.pop()
    expected = "\n".join(below) + "\n"
    assert preprocessing._runtime_source() == expected  # read afresh, as a new process would
    assert preprocessing.RUNTIME_SOURCE == expected


def test_the_self_check_allows_1e_5_absolute_near_zero_and_1e_4_relative_elsewhere():
    expected = np.array([[0.0, 1000.0]])
    selfcheck._agree("onnx", [[9e-6, 1000.09]], expected)  # 9e-6 ≤ 1e-5; 0.09 ≤ 1e-5 + 1e-4 × 1000
    with pytest.raises(ExportError) as err:
        selfcheck._agree("onnx", [[2e-5, 1000.0]], expected)
    assert str(err.value) == "the onnx export's outputs differ from the engine's (largest difference 2e-05)"
    with pytest.raises(ExportError, match=r"the python export's outputs .* \(largest difference 0\.2\)"):
        selfcheck._agree("python", [[0.0, 1000.2]], expected)
