"""The command line against hostile situations: an unwritable --out, a diverging run, formula-like labels,
non-finite numbers in JSON, a network that does not fit in memory. One `error:` line, exit 1, nothing written."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import stat

import numpy as np
import pytest

from designer.cli import strict_json
from designer.graph import Graph
from designer.project import Project
from designer.project.io import save_project
from designer.training.run import build_and_prepare
from tests.cli.test_cli import EXAMPLES, digest, run


def test_train_out_to_a_read_only_file_fails_before_training(tmp_path, capsys):
    out = tmp_path / "locked.nnproj"
    out.write_bytes(b"the user's file")
    os.chmod(out, stat.S_IRUSR)
    code, stdout, err = run(capsys, "train", str(EXAMPLES / "spiral.nnproj"), "--epochs", "50", "--out", str(out))
    assert code == 1 and stdout == ""
    assert err.strip().splitlines() == [f"error: cannot write {out}: the file is read-only"]  # no epoch ran
    assert out.read_bytes() == b"the user's file"


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs a folder that refuses new files, even for root")
def test_train_out_into_a_folder_that_refuses_files_fails_before_training(capsys):
    code, stdout, err = run(capsys, "train", str(EXAMPLES / "spiral.nnproj"), "--epochs", "50", "--out",
                            "/proc/self/trained.nnproj")
    assert code == 1 and stdout == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot write /proc/self/trained.nnproj")


def test_a_diverging_run_exits_1_and_saves_nothing_even_quiet(tmp_path, capsys):
    g = Graph()
    g.add_node("Input", {}, node_id="input_1")
    g.add_node("Dense", {"units": 1}, node_id="dense_1")
    g.connect("input_1", "dense_1")
    project = Project(name="wild", graph=g)
    project.data = {"source": {"kind": "builtin", "name": "diabetes"}, "target": "progression",
                    "task": "regression", "missing": "drop", "scaling": "none"}
    project.training = dict(project.training, loss="mean_squared_error",
                            optimizer={"type": "sgd", "learning_rate": 10.0})
    path = tmp_path / "wild.nnproj"
    save_project(project, path)
    before = digest(path)
    code, stdout, err = run(capsys, "train", str(path), "--epochs", "5", "--quiet")
    assert code == 1 and stdout == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: training diverged (")
    assert f"nothing was saved, {path} is unchanged" in lines[0]
    assert digest(path) == before


def _labelled_project(tmp_path, labels) -> Project:
    rows = [["a", "b", "label"]] + [[f"{i * 0.1:.2f}", f"{(i * 7 % 5) * 0.3:.2f}", labels[i % len(labels)]]
                                    for i in range(30)]
    with open(tmp_path / "d.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    g = Graph()
    g.add_node("Input", {}, node_id="input_1")
    g.add_node("Dense", {"units": len(labels), "activation": "softmax"}, node_id="dense_1")
    g.connect("input_1", "dense_1")
    project = Project(name="labels", graph=g)
    project.data = {"source": {"kind": "csv", "path": "d.csv"}, "target": "label", "task": "classification",
                    "missing": "drop", "scaling": "standard",
                    "split": {"validation": 0.0, "test": 0.0, "shuffle": False, "stratify": False, "seed": 0}}
    net, _ = build_and_prepare(project, tmp_path)
    weights = net.get_weights()
    rng = np.random.default_rng(3)
    for arr in weights.values():
        arr[...] = rng.normal(size=arr.shape)
    project.weights = weights
    save_project(project, tmp_path / "p.nnproj")
    return project


def test_predict_neutralises_formula_cells_but_not_numbers(tmp_path, capsys):
    labels = ["=cmd|' /C calc'!A0", "+SUM(A1)", "@risk", "-1", "plain"]
    _labelled_project(tmp_path, labels)
    out = tmp_path / "pred.csv"
    code, _, err = run(capsys, "predict", str(tmp_path / "p.nnproj"), str(tmp_path / "d.csv"), "--out", str(out))
    assert code == 0, err
    table = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    cells = {c for row in table for c in row}
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    shown = {label: "'" + label if label[0] in "=+@" else label for label in labels}  # "-1" is a number: as is
    predicted = {row[0] for row in table[1:]}
    assert predicted <= set(shown.values()) and predicted & {"'+SUM(A1)", "'@risk", "'=cmd|' /C calc'!A0"}
    assert table[0][0] == "label" and "p_=cmd|' /C calc'!A0" in table[0]  # "p_" already keeps a header text
    probabilities = [float(c) for c in table[1][1:]]
    assert math.isclose(sum(probabilities), 1.0, abs_tol=1e-4)


def test_the_exported_predictor_neutralises_formula_cells_too(tmp_path):
    from designer.export.templates.raw_rows import write_predictions_csv

    buf = io.StringIO()
    write_predictions_csv(buf, ["=target", "p"], [["=1+2", "-1", "@x"], [0.5, -0.25, 1.0]])
    assert buf.getvalue().splitlines() == ["'=target,p", "'=1+2,0.5", "-1,-0.25", "'@x,1.0"]


def test_json_output_is_strict():
    text = strict_json({"loss": float("nan"), "r2": float("-inf"), "nested": [1.5, float("inf")], "n": 3})
    assert json.loads(text) == {"loss": None, "r2": None, "nested": [1.5, None], "n": 3}
    assert "NaN" not in text and "Infinity" not in text


def test_a_network_too_big_for_the_memory_is_refused_before_training(tmp_path, capsys, monkeypatch):
    """The limit is a user setting (NN_DESIGNER_MEMORY_LIMIT); the estimate is the real one."""
    monkeypatch.setenv("NN_DESIGNER_MEMORY_LIMIT", "1M")
    code, stdout, err = run(capsys, "train", str(EXAMPLES / "digits_cnn.nnproj"), "--epochs", "1", "--out",
                            str(tmp_path / "o.nnproj"))
    assert code == 1 and stdout == ""
    line = err.strip().splitlines()[-1]
    assert line.startswith("error: training needs about ") and "but only 1.0 MB is free" in line
    assert "smaller batch size" in line or "fewer units" in line
    assert not (tmp_path / "o.nnproj").exists()


def test_memory_error_outside_training_is_one_clear_line(capsys, monkeypatch):
    """Data too big to prepare used to show "internal error (MemoryError)"."""
    import designer.data.prepare as prepare

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(prepare, "prepare_table", no_memory)
    code, stdout, err = run(capsys, "evaluate", str(EXAMPLES / "spiral.nnproj"))
    assert code == 1 and stdout == ""
    assert err.strip().splitlines()[-1].startswith("error: the computer ran out of memory")
