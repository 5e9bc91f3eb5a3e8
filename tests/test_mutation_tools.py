"""The mutation sample is the same every time and uniform per package; the score interval is Wilson's."""
from __future__ import annotations

import json

import pytest

from tests.mutation_sample import sample
from tests.mutation_score import report, wilson_interval


def _meta(root, module, names, code=None):
    path = root / "designer" / module
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_name(path.name + ".meta").write_text(json.dumps({"exit_code_by_key": {n: code for n in names}}))


@pytest.fixture
def mutants(tmp_path):
    _meta(tmp_path, "engine/losses.py", [f"designer.engine.losses.x_f__mutmut_{i}" for i in range(50)])
    _meta(tmp_path, "data/reader.py", [f"designer.data.reader.x_g__mutmut_{i}" for i in range(3)])
    _meta(tmp_path, "ui/canvas.py", ["designer.ui.canvas.x_h__mutmut_1"])  # not a core package: never sampled
    return tmp_path


def test_the_sample_is_seeded_per_package_and_core_only(mutants):
    first = sample(10, mutants)
    assert first == sample(10, mutants)
    assert sum(n.startswith("designer.engine.") for n in first) == 10
    assert sum(n.startswith("designer.data.") for n in first) == 3  # fewer than asked: all of them
    assert not any(n.startswith("designer.ui.") for n in first)
    assert len(set(first)) == len(first)


def test_wilson_interval_closed_forms():
    # no detections in n: the upper end is z²/(n + z²); all detected: the lower end is n/(n + z²)
    z2 = 1.96**2
    assert wilson_interval(0, 10) == pytest.approx((0.0, z2 / (10 + z2)))
    assert wilson_interval(10, 10) == pytest.approx((10 / (10 + z2), 1.0))
    low, high = wilson_interval(180, 200)
    assert low < 0.9 < high and high - low == pytest.approx(0.0837, abs=1e-3)


def test_the_report_counts_only_mutants_that_ran(tmp_path):
    _meta(tmp_path, "engine/losses.py", ["designer.engine.losses.x_f__mutmut_1"], code=1)   # killed
    _meta(tmp_path, "engine/layers.py", ["designer.engine.layers.x_g__mutmut_1"], code=0)   # survived
    _meta(tmp_path, "data/reader.py", ["designer.data.reader.x_h__mutmut_1"], code=None)    # not run
    text = report(tmp_path)
    assert "| engine | 2 | 1 | 1 | 0 | 50.0% |" in text
    assert "| data | 0 | 0 | 0 | 1 | – | – |" in text
    assert "designer.engine.layers.x_g__mutmut_1" in text.split("not detected")[1]
