"""An image-folder project from the command line and its exports: raw image files in, predictions out."""

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest

from designer.cli import main
from designer.project.io import load_project
from tests.image_folders import image_project, make_digit_folder


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    base = tmp_path_factory.mktemp("images")
    folder = make_digit_folder(base / "data" / "digits", per_class=20, side=16)
    project = image_project(folder, base / "proj" / "digits.nnproj", side=12,
                            augment={"flip": False, "shift": 0.05, "rotate": 5, "seed": 1}, epochs=6)
    out = base / "proj" / "trained.nnproj"
    assert main(["train", str(project), "--out", str(out), "--quiet"]) == 0
    return folder, out


def test_the_project_keeps_the_folder_source_with_its_settings(trained):
    folder, out = trained
    source = load_project(out).data["source"]
    assert source["kind"] == "images" and source["path"] == "../data/digits"  # relative to the project file
    assert source["size"] == [12, 12] and source["color"] == "grayscale"
    assert source["augment"] == {"flip": False, "shift": 0.05, "rotate": 5.0, "seed": 1}


def test_evaluate_and_predict_on_raw_image_files(trained, capsys, tmp_path):
    folder, out = trained
    code, stdout, err = run(capsys, "evaluate", str(out))
    assert code == 0, err
    result = json.loads(stdout)
    assert result["accuracy"] > 0.8 and len(result["confusion_matrix"]) == 3
    code, stdout, err = run(capsys, "evaluate", str(out), "--data", str(folder))  # a labelled folder
    assert code == 0 and json.loads(stdout)["samples"] == 60
    code, stdout, err = run(capsys, "predict", str(out), str(folder / "2" / "2_000.png"), str(folder / "1"))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert len(rows) == 21 and rows[0]["file"].endswith("2_000.png") and list(rows[0])[:2] == ["file", "class"]
    assert sum(r["class"] == "1" for r in rows[1:]) >= 16


def test_predict_on_a_bad_image_is_one_error_line(trained, capsys, tmp_path):
    _folder, out = trained
    bad = tmp_path / "photo.png"
    bad.write_text("not a picture")
    code, stdout, err = run(capsys, "predict", str(out), str(bad))
    assert code == 1 and stdout == ""
    assert err.strip() == "error: photo.png: is not a readable PNG, JPEG or BMP image"


def test_a_project_whose_folder_is_gone_is_one_error_line(trained, capsys, tmp_path):
    folder, out = trained
    project = load_project(out)
    project.data["source"]["path"] = "nowhere/digits"
    from designer.project.io import save_project

    moved = tmp_path / "moved.nnproj"
    save_project(project, moved)
    code, _stdout, err = run(capsys, "evaluate", str(moved))
    assert code == 1 and err.startswith("error: image folder not found:") and "nowhere" in err
    assert len(err.strip().splitlines()) == 1


def _cli_predictions(capsys, out, files):
    code, stdout, err = run(capsys, "predict", str(out), *map(str, files))
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(stdout)))


def test_the_numpy_predictor_takes_raw_image_files(trained, capsys, tmp_path):
    folder, out = trained
    py = tmp_path / "digits_model.py"
    assert run(capsys, "export", str(out), "--format", "python", "--out", str(py))[0] == 0
    files = [folder / "0" / "0_001.jpg", folder / "2" / "2_005.bmp", folder / "1" / "1_003.png"]
    done = subprocess.run([sys.executable, str(py), *map(str, files)], capture_output=True, text=True, check=True)
    assert list(csv.DictReader(io.StringIO(done.stdout))) == _cli_predictions(capsys, out, files)


def test_the_onnx_graph_answers_like_the_app_on_image_files(trained, capsys, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from PIL import Image, ImageOps

    folder, out = trained
    path = tmp_path / "digits.onnx"
    assert run(capsys, "export", str(out), "--format", "onnx", "--out", str(path))[0] == 0
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    meta = sess.get_modelmeta().custom_metadata_map
    spec = json.loads(meta["preprocessing"])
    assert spec["images"]["size"] == [12, 12] and spec["images"]["color"] == "grayscale"
    files = sorted((folder / "1").iterdir())[:5]
    # the documented client (docs/export.md): Pillow reads each file as the app did, the graph does the rest
    h, w = spec["images"]["size"]
    x = np.stack([np.asarray(ImageOps.exif_transpose(Image.open(f)).convert("L").resize((w, h), Image.BILINEAR),
                             dtype=np.float32) / 255 for f in files])
    probs = sess.run(None, {"input": x.reshape([len(files)] + spec["input_shape"])})[0]
    expected = _cli_predictions(capsys, out, files)
    for row, p in zip(expected, probs):
        assert json.loads(meta["classes"])[int(p.argmax())] == row["class"]
        np.testing.assert_allclose(p, [float(row[f"p_{c}"]) for c in ("0", "1", "2")], atol=2e-6)


def test_the_pytorch_export_prepares_raw_image_files(trained, capsys, tmp_path):
    pytest.importorskip("torch")
    folder, out = trained
    target = tmp_path / "torch_model"
    assert run(capsys, "export", str(out), "--format", "pytorch", "--out", str(target))[0] == 0
    files = [folder / "2" / "2_003.png", folder / "0" / "0_004.jpg"]
    script = ("import json, sys, torch; sys.path.insert(0, sys.argv[1]); import model; "
              "x = model.prepare(sys.argv[2:]); "
              "print(json.dumps(model.load_model().predict_proba(torch.from_numpy(x)).detach().numpy().tolist()))")
    done = subprocess.run([sys.executable, "-I", "-c", script, str(target), *map(str, files)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    probs = np.array(json.loads(done.stdout))
    expected = _cli_predictions(capsys, out, files)
    for row, p in zip(expected, probs):
        np.testing.assert_allclose(p, [float(row[f"p_{c}"]) for c in ("0", "1", "2")], atol=2e-5)
