"""The Keras export of convolutional image models, run as a user runs it: trained on real images, exported with
`nn-designer export --format keras`, then imported in a fresh Python process (KERAS_BACKEND=torch, as `make test`
sets) that calls the generated prepare() on raw inputs and model.predict(). Its probabilities must equal the
engine's (`predict`'s own path, at full precision) to 1e-5.

Two projects: an RGB image folder read at a non-square size (a swapped height/width, channel order or flatten
order changes the answer, so the channels are tinted differently) with every image layer the registry has
(Conv2D same and valid, non-square kernels and strides, BatchNormalization, MaxPooling2D with same padding,
Dropout, Flatten); and the shipped 8×8 digits table as 8×8×1 images. Then a sweep of convolution and pooling
windows whose "same" padding is uneven (the odd pixel goes after, as in Keras) against the engine in-process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from designer.cli import main
from designer.data import load_table
from designer.export import export_project
from designer.pipeline import predict_frame, predict_images
from designer.project.io import load_project, save_project
from tests.export.nets import _graph, trained
from tests.export.test_export import load_module
from tests.image_folders import digit_images, image_project

keras = pytest.importorskip("keras")
DATASETS = Path(__file__).resolve().parents[2] / "resources" / "datasets"
CLASSES = ("0", "1", "2")

# What a user types after the export: import the generated module, prepare raw inputs, predict.
_USER_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import keras
import model
x = model.prepare(sys.argv[2:] if len(sys.argv) > 3 else sys.argv[2])
print(json.dumps({"backend": keras.backend.backend(), "shape": list(x.shape),
                  "probs": model.load_model().predict(x, verbose=0).tolist()}))
"""


def _run_as_user(folder: Path, inputs: list) -> dict:
    env = dict(os.environ, KERAS_BACKEND="torch", OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-I", "-c", _USER_SCRIPT, str(folder), *map(str, inputs)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _tinted_folder(root: Path, per_class: int = 20) -> Path:
    """root/<class>/<i>.png: RGB digits whose channels differ (the digit, the digit shifted two pixels right, its
    negative), drawn 14 wide and 16 high so the import's resize matters."""
    for c, images in digit_images(CLASSES, per_class).items():
        (root / c).mkdir(parents=True, exist_ok=True)
        for i, img in enumerate(images):
            rgb = np.stack([img, np.roll(img, 2, axis=1), 255 - img], axis=-1).astype(np.uint8)
            Image.fromarray(rgb, "RGB").resize((14, 16), Image.Resampling.NEAREST).save(root / c / f"{c}_{i:03d}.png")
    return root


def _image_cnn(height: int, width: int, channels: int, classes: int):
    return _graph(
        [
            ("input_1", "Input", {"shape": [height, width, channels]}),
            ("conv_a", "Conv2D", {"filters": 6, "kernel_size": 3, "padding": "same", "activation": "relu"}),
            ("bn", "BatchNormalization", {}),
            ("pool", "MaxPooling2D", {"pool_size": 2, "padding": "same"}),
            ("conv_b", "Conv2D", {"filters": 5, "kernel_size": [3, 2], "strides": [2, 1], "activation": "elu"}),
            ("drop", "Dropout", {"rate": 0.2}),
            ("flat", "Flatten", {}),
            ("dense_1", "Dense", {"units": classes, "activation": "softmax"}),
        ],
        [("input_1", "conv_a"), ("conv_a", "bn"), ("bn", "pool"), ("pool", "conv_b"), ("conv_b", "drop"),
         ("drop", "flat"), ("flat", "dense_1")],
    )


def _train(project_path: Path) -> Path:
    out = project_path.with_name("trained.nnproj")
    assert main(["train", str(project_path), "--out", str(out), "--quiet"]) == 0
    trained_project = load_project(out)
    assert trained_project.history and trained_project.weights
    return out


def _export(project_path: Path, folder: Path) -> Path:
    assert main(["export", str(project_path), "--format", "keras", "--out", str(folder)]) == 0
    assert {"model.py", "preprocessing.json", "weights.npz"} <= {p.name for p in folder.iterdir()}
    return folder


@pytest.fixture(scope="module")
def rgb_folder_project(tmp_path_factory):
    base = tmp_path_factory.mktemp("keras_images")
    folder = _tinted_folder(base / "data" / "digits")
    path = image_project(folder, base / "proj" / "digits.nnproj", color="rgb", epochs=4)
    project = load_project(path)
    project.data["source"]["size"] = [12, 10]  # height 12, width 10
    project.data["scaling"] = "standard"  # per-pixel offsets and scales, replayed by prepare()
    project.graph = _image_cnn(12, 10, 3, len(CLASSES))
    save_project(project, path)
    return folder, _train(path)


def test_a_trained_rgb_image_cnn_exported_to_keras_answers_like_the_app(rgb_folder_project, tmp_path, capsys):
    folder, trained_path = rgb_folder_project
    exported = _export(trained_path, tmp_path / "keras_model")
    capsys.readouterr()
    files = [folder / "2" / "2_003.png", folder / "0" / "0_004.png", folder / "1" / "1_010.png",
             folder / "0" / "0_017.png"]
    got = _run_as_user(exported, files)
    assert got["backend"] == "torch" and got["shape"] == [4, 12, 10, 3]
    project = load_project(trained_path)
    expected = predict_images(project, trained_path.parent, [str(f) for f in files])
    np.testing.assert_allclose(got["probs"], expected[[f"p_{c}" for c in CLASSES]].to_numpy(), rtol=0, atol=1e-5)
    assert expected["class"].tolist() == [CLASSES[i] for i in np.argmax(got["probs"], axis=1)]
    # a whole class folder as one input, as the generated docstring allows
    whole = _run_as_user(exported, [folder / "1", folder / "1" / "1_000.png"])
    assert len(whole["probs"]) == 21


def test_a_trained_digits_cnn_exported_to_keras_answers_like_the_app_on_raw_rows(tmp_path, capsys):
    """The shipped 8×8 digits table (pixel columns 0–16, min-max scaled) as 8×8×1 images, ten classes."""
    project = load_project(Path(__file__).resolve().parents[2] / "examples" / "digits_cnn.nnproj")
    project.graph = _image_cnn(8, 8, 1, 10)
    project.training.update({"epochs": 5, "batch_size": 32})
    project.training["optimizer"] = {"type": "adam", "learning_rate": 0.01}
    project.weights, project.history = {}, []
    path = tmp_path / "digits.nnproj"
    save_project(project, path)
    trained_path = _train(path)
    exported = _export(trained_path, tmp_path / "keras_digits")
    capsys.readouterr()
    rows = tmp_path / "rows.csv"
    table = load_table({"kind": "csv", "path": str(DATASETS / "digits.csv")}, None).head(40)
    table.to_csv(rows, index=False)
    got = _run_as_user(exported, [rows])
    assert got["shape"] == [40, 8, 8, 1]
    expected = predict_frame(load_project(trained_path), tmp_path, table)
    probs = expected[[f"p_{c}" for c in range(10)]].to_numpy()
    np.testing.assert_allclose(got["probs"], probs, rtol=0, atol=1e-5)
    assert (np.argmax(probs, axis=1) == table["digit"].to_numpy()).mean() > 0.5  # it learnt something


# (input height, width), kernel, strides, padding, (pool size, pool strides, pool padding): uneven "same" padding
# on even and odd sides, non-square windows and strides, pooling strides other than its size
WINDOWS = [
    ((8, 8), 3, 2, "same", (2, 2, "valid")),
    ((7, 9), 3, 2, "same", (3, 2, "same")),
    ((8, 8), 2, 1, "same", (2, 1, "same")),
    ((12, 5), [3, 2], [2, 1], "same", ([3, 1], [1, 2], "same")),
    ((7, 9), 4, 3, "same", (2, 2, "same")),
    ((12, 5), [3, 2], 1, "valid", (3, 2, "same")),
    ((7, 9), 1, [2, 1], "valid", (2, 2, "same")),
    ((8, 8), [1, 3], 3, "same", (2, 1, "same")),
]


@pytest.mark.parametrize("size, kernel, strides, padding, pool", WINDOWS, ids=[str(i) for i in range(len(WINDOWS))])
def test_keras_windows_match_the_engine(size, kernel, strides, padding, pool, tmp_path, monkeypatch):
    pool_size, pool_strides, pool_padding = pool
    graph = _graph(
        [
            ("img", "Input", {"shape": [*size, 2]}),
            ("conv", "Conv2D", {"filters": 3, "kernel_size": kernel, "strides": strides, "padding": padding,
                                "activation": "tanh"}),
            ("pool", "MaxPooling2D", {"pool_size": pool_size, "strides": pool_strides, "padding": pool_padding}),
            ("flat", "Flatten", {}),
            ("out", "Dense", {"units": 2}),
        ],
        [("img", "conv"), ("conv", "pool"), ("pool", "flat"), ("flat", "out")],
    )
    project, net, x = trained(graph)
    written = export_project(project, "keras", tmp_path / "k")
    monkeypatch.syspath_prepend(str(written[0].parent))
    model = load_module(written[0], f"keras_window_{tmp_path.name}").load_model()
    got = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(got, net.predict(x), rtol=1e-5, atol=1e-5)
