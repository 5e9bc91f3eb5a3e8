"""MODEL_CARD.md beside every export: data and preparation, architecture, hyperparameters, test metrics with the
confusion matrix, the export's measured agreement with the app, limitations; user data always escaped."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from designer.export import FORMATS, export_project
from designer.export.model_card import card_facts, html, markdown
from designer.export.plan import build_plan
from designer.pipeline import evaluate_project
from tests.export.test_onnx_raw_rows import penguins
from tests.export.test_raw_rows import _graph, _project, categorical_diabetes

TARGETS = {"onnx": "out/model.onnx", "python": "out/predictor.py", "pytorch": "pt", "keras": "k"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_has_a_card_beside_it(fmt, tmp_path):
    project = penguins(tmp_path)
    (tmp_path / "out").mkdir()
    written = export_project(project, fmt, tmp_path / TARGETS[fmt], base_dir=tmp_path)
    card = (written[0].parent / "MODEL_CARD.md").read_text(encoding="utf-8")
    for heading in ("Data and its preparation", "Architecture", "Hyperparameters", "Metrics on the test split",
                    "Agreement of this export with the app", "Limitations"):
        assert f"## {heading}" in card
    assert "| island | categorical | 3 categories, missing → " in card
    assert "| layer\\_1 | Dense | (None, 8) | 64 |" in card  # 7 prepared features × 8 + 8
    assert "A category never seen in training is encoded as all zeros" in card
    expected = evaluate_project(project, tmp_path, split="test")
    assert f"| accuracy | {expected['accuracy']:.4g} |" in card
    for cls, row in zip(["Adelie", "Chinstrap", "Gentoo"], expected["confusion_matrix"]):
        assert "| " + " | ".join([cls, *map(str, row)]) + " |" in card
    if fmt in ("python", "onnx"):
        diff = float(re.search(r"differ from the app's by at most ([0-9.e+-]+)\.", card).group(1))
        assert diff < 1e-5
    else:
        assert "not run at export time" in card


def test_regression_card_has_regression_metrics(tmp_path):
    project = categorical_diabetes(tmp_path)
    export_project(project, "onnx", tmp_path / "m.onnx", base_dir=tmp_path)
    card = (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "| mae |" in card and "| r2 |" in card and "Confusion matrix" not in card


def test_without_the_data_the_card_says_so(tmp_path):
    from tests.export.nets import mlp, trained

    project, _, _ = trained(mlp())
    export_project(project, "python", tmp_path / "p.py")
    card = (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "not measured: the project's data could not be read" in card


HOSTILE = ["<script>alert(1)</script>", "a|b`c*_[x](javascript:alert(1))", "<img src=x onerror=alert(2)>"]


def test_hostile_names_are_escaped_in_markdown_and_html(tmp_path):
    df = pd.DataFrame({HOSTILE[1]: np.tile(["x", "y", "z"], 20), "n\nm": np.arange(60.0),
                       "label": np.tile([HOSTILE[0], HOSTILE[2]], 30)})
    df.to_csv(tmp_path / "h.csv", index=False)
    data = {"source": {"kind": "csv", "path": "h.csv"}, "target": "label", "task": "classification",
            "missing": "mean", "scaling": "standard"}
    project = _project("</title><script>x()</script>", _graph([("Dense", {"units": 2, "activation": "softmax"})]),
                       data, tmp_path)
    plan = build_plan(project, base_dir=tmp_path)
    facts = card_facts(project, plan, plan.preprocessing, tmp_path)
    md, page = markdown(facts), html(facts, [("loss <b>", b"\x89PNG...")])
    for text in (md, page):
        assert "<script" not in text and "<img src=x" not in text and "</title><" not in text
        assert "&lt;script&gt;" in text
    assert "a\\|b\\`c\\*\\_\\[x\\](javascript:alert(1))" in md  # Markdown cannot make a link or split the cell
    assert all(line.count(" | ") + 2 == line.count("|") - line.count("\\|") for line in md.splitlines()
               if line.startswith("| ") and "javascript" in line)
    assert page.count("<img ") == 1 and 'alt="loss &lt;b&gt;"' in page


def test_an_upper_case_py_predictor_is_still_verified(tmp_path):
    project = penguins(tmp_path)
    export_project(project, "python", tmp_path / "MODEL.PY", base_dir=tmp_path)
    assert "differ from the app's by at most" in (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")
