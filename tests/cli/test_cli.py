"""The command line as scripts use it: exit codes, stdout only the result, one `error:` line on stderr."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from designer.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def trained_spiral(tmp_path, capsys):
    out = tmp_path / "spiral.nnproj"
    code, stdout, _ = run(capsys, "train", str(EXAMPLES / "spiral.nnproj"), "--epochs", "3", "--out", str(out),
                          "--quiet")
    assert code == 0
    return out, json.loads(stdout)


def test_summary_prints_the_layer_table(capsys):
    code, out, err = run(capsys, "summary", str(EXAMPLES / "digits_cnn.nnproj"))
    assert code == 0
    assert "conv2d_1" in out and "(None, 6, 6, 16)" in out and "Total params: 1,610" in out
    assert err == ""


def test_train_writes_out_and_leaves_the_source_untouched(trained_spiral, capsys):
    out, metrics = trained_spiral
    assert metrics["epochs_run"] == 3 and {"loss", "val_loss", "accuracy"} <= metrics.keys()
    before = digest(EXAMPLES / "spiral.nnproj")
    code, stdout, _ = run(capsys, "evaluate", str(out), "--split", "validation")
    assert code == 0
    result = json.loads(stdout)
    assert {"loss", "accuracy", "confusion_matrix", "samples"} <= result.keys()
    assert sum(map(sum, result["confusion_matrix"])) == result["samples"]
    assert digest(EXAMPLES / "spiral.nnproj") == before


def test_train_with_a_seed_is_repeatable(tmp_path, capsys):
    outs = []
    for i in range(2):
        code, stdout, _ = run(capsys, "train", str(EXAMPLES / "iris_mlp.nnproj"), "--epochs", "3", "--seed", "7",
                              "--out", str(tmp_path / f"{i}.nnproj"), "--quiet")
        assert code == 0
        outs.append(stdout)
    assert outs[0] == outs[1]


def test_train_progress_goes_to_stderr_only(tmp_path, capsys):
    code, stdout, err = run(capsys, "train", str(EXAMPLES / "iris_mlp.nnproj"), "--epochs", "2",
                            "--out", str(tmp_path / "i.nnproj"))
    assert code == 0
    json.loads(stdout)  # nothing but the JSON object
    assert "epoch 1" in err and "epoch 2" in err


def test_train_computes_nothing_it_does_not_report(tmp_path, capsys, monkeypatch):
    """The command line prints metrics only: no activation histograms, no weight or gradient norms."""
    from designer.training.trainer import Trainer

    def not_reported(*_args, **_kwargs):
        raise AssertionError("the command line computed a probe it never reports")

    monkeypatch.setattr(Trainer, "_histograms", not_reported)
    monkeypatch.setattr(Trainer, "_norms", not_reported)
    code, stdout, err = run(capsys, "train", str(EXAMPLES / "iris_mlp.nnproj"), "--epochs", "4",
                            "--out", str(tmp_path / "i.nnproj"))
    assert code == 0, err
    assert json.loads(stdout)["epochs_run"] == 4 and "epoch 4" in err


def test_predict_writes_class_and_probabilities(trained_spiral, tmp_path, capsys):
    out, _ = trained_spiral
    rows = tmp_path / "rows.csv"
    rows.write_text("x1,x2\n0.1,0.2\n-0.5,0.4\n", encoding="utf-8")
    code, stdout, _ = run(capsys, "predict", str(out), str(rows))
    assert code == 0, stdout
    lines = stdout.strip().splitlines()
    assert lines[0].split(",")[0] == "label" and len(lines) == 3
    probs = [float(v) for v in lines[1].split(",")[1:]]
    assert abs(sum(probs) - 1) < 1e-4


def test_predict_to_file(trained_spiral, tmp_path, capsys):
    out, _ = trained_spiral
    rows = tmp_path / "rows.csv"
    rows.write_text("x1,x2\n0.1,0.2\n", encoding="utf-8")
    code, stdout, _ = run(capsys, "predict", str(out), str(rows), "--out", str(tmp_path / "p.csv"))
    assert code == 0 and stdout == ""
    assert (tmp_path / "p.csv").read_text(encoding="utf-8").startswith("label,")


@pytest.mark.parametrize("fmt,name", [("onnx", "m.onnx"), ("python", "m.py"), ("pytorch", "torch_model"),
                                      ("keras", "keras_model")])
def test_export_formats(trained_spiral, tmp_path, capsys, fmt, name):
    out, _ = trained_spiral
    code, _, err = run(capsys, "export", str(out), "--format", fmt, "--out", str(tmp_path / name))
    assert code == 0, err
    assert (tmp_path / name).exists()


# ---------------------------------------------------------------- bad input: exit 1, one error line


def one_error_line(err: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_missing_project_file(tmp_path, capsys):
    code, out, err = run(capsys, "summary", str(tmp_path / "nope.nnproj"))
    assert code == 1 and out == ""
    assert "nope.nnproj" in one_error_line(err)


def test_not_a_project(tmp_path, capsys):
    bad = tmp_path / "bad.nnproj"
    bad.write_text("hello", encoding="utf-8")
    before = digest(bad)
    code, _, err = run(capsys, "train", str(bad))
    assert code == 1
    one_error_line(err)
    assert digest(bad) == before


def test_evaluate_untrained_project(capsys):
    code, _, err = run(capsys, "evaluate", str(EXAMPLES / "iris_mlp.nnproj"))
    assert code == 1
    assert "no trained weights" in one_error_line(err)


def test_predict_with_missing_columns(trained_spiral, tmp_path, capsys):
    out, _ = trained_spiral
    rows = tmp_path / "rows.csv"
    rows.write_text("x1\n0.1\n", encoding="utf-8")
    code, _, err = run(capsys, "predict", str(out), str(rows))
    assert code == 1
    assert "x2" in one_error_line(err)


def test_train_out_into_missing_folder_keeps_everything(tmp_path, capsys):
    before = digest(EXAMPLES / "spiral.nnproj")
    code, _, err = run(capsys, "train", str(EXAMPLES / "spiral.nnproj"), "--epochs", "1", "--quiet",
                       "--out", str(tmp_path / "missing" / "x.nnproj"))
    assert code == 1
    one_error_line(err)
    assert digest(EXAMPLES / "spiral.nnproj") == before
    assert list(tmp_path.iterdir()) == []


def test_network_that_does_not_fit_the_data(tmp_path, capsys):
    from designer.project.io import load_project, save_project

    project = load_project(EXAMPLES / "iris_mlp.nnproj")
    project.graph.set_param("dense_2", "units", 2)
    path = tmp_path / "misfit.nnproj"
    save_project(project, path)
    code, _, err = run(capsys, "train", str(path), "--epochs", "1")
    assert code == 1
    assert "3 classes" in one_error_line(err)


# ---------------------------------------------------------------- usage: exit 2


@pytest.mark.parametrize("argv", [["train"], ["train", "x", "--epochs", "0"], ["frobnicate"],
                                  ["export", "x.nnproj", "--format", "docx", "--out", "y"],
                                  ["x.nnproj", "extra"]])
def test_wrong_usage_exits_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_python_dash_m_version():
    proc = subprocess.run([sys.executable, "-m", "designer", "--version"], capture_output=True, text=True,
                          encoding="utf-8")
    assert proc.returncode == 0 and proc.stdout.startswith("nn-designer ")


def test_subprocess_error_has_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "designer", "evaluate", str(tmp_path / "none.nnproj")],
                          capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 1 and proc.stdout == ""
    one_error_line(proc.stderr)
