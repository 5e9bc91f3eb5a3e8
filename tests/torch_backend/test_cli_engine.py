"""`nn-designer train --engine torch --device …` and the project's training.engine/device settings."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from designer.cli import main
from designer.project.io import load_project

torch = pytest.importorskip("torch")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_train_on_the_torch_engine_gives_the_numpy_engines_metrics(tmp_path, capsys):
    results = {}
    for engine in ("numpy", "torch"):
        out = tmp_path / f"{engine}.nnproj"
        code, stdout, err = run(capsys, "train", str(EXAMPLES / "digits_cnn.nnproj"), "--epochs", "2", "--reset",
                                "--engine", engine, "--device", "auto", "--out", str(out))
        assert code == 0, err
        results[engine] = json.loads(stdout)
        assert load_project(out).weights  # the weights came home into the project
    assert results["torch"]["loss"] == pytest.approx(results["numpy"]["loss"], rel=1e-3)
    assert results["torch"]["val_accuracy"] == pytest.approx(results["numpy"]["val_accuracy"], abs=0.02)
    # the override is not written into the project's settings
    assert "engine" not in load_project(tmp_path / "torch.nnproj").training


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_a_missing_gpu_is_one_error_line_and_nothing_is_written(tmp_path, capsys):
    out = tmp_path / "out.nnproj"
    code, stdout, err = run(capsys, "train", str(EXAMPLES / "spiral.nnproj"), "--engine", "torch", "--device", "cuda",
                            "--out", str(out))
    assert code == 1 and stdout == ""
    assert err.startswith("error:") and "no CUDA GPU" in err and "Traceback" not in err
    assert not out.exists()


def test_wrong_engine_on_the_command_line_is_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", str(EXAMPLES / "spiral.nnproj"), "--engine", "jax"])
    assert exc.value.code == 2


def _with_training(tmp_path, **extra) -> Path:
    src, dst = EXAMPLES / "spiral.nnproj", tmp_path / "p.nnproj"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "project.json":
                doc = json.loads(data)
                doc["training"].update(extra)
                data = json.dumps(doc).encode()
            zout.writestr(item, data)
    return dst


def test_a_project_asking_for_torch_trains_on_it_and_keeps_the_setting(tmp_path, capsys):
    path = _with_training(tmp_path, engine="torch", device="cpu")
    assert load_project(path).training["engine"] == "torch"
    code, stdout, err = run(capsys, "train", str(path), "--epochs", "1")
    assert code == 0, err
    saved = load_project(path)
    assert saved.training["engine"] == "torch" and saved.training["device"] == "cpu"


@pytest.mark.parametrize("key,value", [("engine", "jax"), ("device", "tpu"), ("engine", 3)])
def test_a_bad_engine_or_device_in_the_file_is_refused_clearly(tmp_path, capsys, key, value):
    path = _with_training(tmp_path, **{key: value})
    code, _, err = run(capsys, "summary", str(path))
    assert code == 1 and f"training.{key}" in err and "Traceback" not in err
