""".keras → project without Keras running anything: a model built directly in Keras and the app's own Keras
export come back with identical predictions; Lambda layers, custom functions and broken files are refused."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

from designer.engine.network import Network  # noqa: E402
from designer.export import export_project  # noqa: E402
from designer.importers import ModelImportError, import_model  # noqa: E402
from tests.export import nets  # noqa: E402
from tests.export.test_export import load_module  # noqa: E402


def _engine(project):
    net = Network.from_graph(project.graph)
    net.set_weights(project.weights)
    return net


def test_a_functional_model_built_in_keras_imports(tmp_path):
    keras.utils.set_random_seed(0)
    inp = keras.Input((6, 6, 2), name="pixels")
    a = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(inp)
    b = keras.layers.Conv2D(4, 1, name="skip")(inp)
    x = keras.layers.Add()([a, b])
    x = keras.layers.BatchNormalization(epsilon=0.01)(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.LeakyReLU(negative_slope=0.1)(x)
    x = keras.layers.Flatten()(x)
    h1 = keras.layers.Dense(5, activation="tanh")(x)
    h2 = keras.layers.Dense(3, activation="elu")(x)
    x = keras.layers.Concatenate()([h1, h2])
    x = keras.layers.Dropout(0.2)(x)
    out = keras.layers.Dense(3, activation="softmax")(x)
    model = keras.Model(inp, out)
    bn = model.layers[4]
    bn.set_weights([w + np.float32(0.3) for w in bn.get_weights()])  # statistics off their defaults
    model.save(tmp_path / "m.keras")
    project = import_model(tmp_path / "m.keras")
    x = np.random.default_rng(0).normal(size=(7, 6, 6, 2)).astype(np.float32)
    expected = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(_engine(project).predict(x), expected, rtol=1e-5, atol=1e-6)
    assert {n.type for n in project.graph.nodes.values()} == {
        "Input", "Conv2D", "Add", "BatchNormalization", "MaxPooling2D", "Activation", "Flatten", "Dense",
        "Concatenate", "Dropout"}


def test_a_sequential_model_imports(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="relu"),
                              keras.layers.Dense(2, activation="sigmoid", use_bias=False)])
    model.save(tmp_path / "s.keras")
    project = import_model(tmp_path / "s.keras")
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_allclose(_engine(project).predict(x), keras.ops.convert_to_numpy(model(x)), rtol=1e-5,
                               atol=1e-6)


def test_without_h5py_the_import_says_what_to_do(tmp_path, monkeypatch):
    """The installers leave h5py out (their size budget): the .keras import then names the file and the way on."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.save(tmp_path / "s.keras")
    monkeypatch.setitem(__import__("sys").modules, "h5py", None)  # `import h5py` raises ImportError
    with pytest.raises(ModelImportError) as err:
        import_model(tmp_path / "s.keras")
    assert str(err.value).startswith("s.keras: reading a .keras file's weights needs h5py")
    assert "pip install h5py" in str(err.value) and "ONNX" in str(err.value)


@pytest.mark.parametrize("name", ["mlp", "cnn", "residual"])
def test_the_apps_keras_export_comes_back_identical(name, tmp_path, monkeypatch):
    project, net, x = nets.trained(getattr(nets, name)())
    written = export_project(project, "keras", tmp_path / "k")
    module = load_module(written[0], f"kimport_{name}")
    module.load_model().save(tmp_path / "net.keras")
    imported = import_model(tmp_path / "net.keras")
    np.testing.assert_allclose(_engine(imported).predict(x), net.predict(x), rtol=1e-5, atol=1e-6)


def test_lambda_and_custom_functions_are_refused_without_running_them(tmp_path):
    marker = tmp_path / "PWNED"
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda t: t * 2),
                              keras.layers.Dense(2, activation="gelu")])
    model.save(tmp_path / "l.keras")
    with pytest.raises(ModelImportError, match="Keras model uses 2 operator\\(s\\).*: Lambda, activation gelu"):
        import_model(tmp_path / "l.keras")
    assert not marker.exists()


@pytest.mark.parametrize("members", [{}, {"config.json": b"{not json"}, {"config.json": b"[1, 2]",
                                                                          "model.weights.h5": b"x"},
                                     {"config.json": b'{"class_name": "Sequential", "config": {"layers": []}}',
                                      "model.weights.h5": b"not hdf5"}])
def test_broken_keras_files_give_one_clear_error(members, tmp_path):
    path = tmp_path / "bad.keras"
    with zipfile.ZipFile(path, "w") as z:
        for k, v in members.items():
            z.writestr(k, v)
    with pytest.raises(ModelImportError) as err:
        import_model(path)
    assert "\n" not in str(err.value)
    (tmp_path / "notzip.keras").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(ModelImportError):
        import_model(tmp_path / "notzip.keras")


@pytest.mark.parametrize("layer, message", [
    (lambda: keras.layers.ReLU(max_value=6.0, name="odd"), "a ReLU with max_value, slope or threshold"),
    (lambda: keras.layers.Conv2D(2, 3, dilation_rate=2, name="odd"), "dilated or grouped convolutions"),
    (lambda: keras.layers.BatchNormalization(center=False, name="odd"),
     "only BatchNormalization over the last axis with centre and scale"),
    (lambda: keras.layers.BatchNormalization(axis=1, name="odd"), "only BatchNormalization over the last axis"),
    (lambda: keras.layers.Softmax(axis=1, name="odd"), "Softmax over an axis other than the last"),
])
def test_layer_variants_the_app_cannot_represent_are_refused_naming_the_layer(layer, message, tmp_path):
    """Each Keras class's reader (the importer's own table, or a layer type's `imports` hook) refuses what it
    cannot represent with one sentence naming the layer."""
    inp = keras.Input((6, 6, 2))
    model = keras.Model(inp, layer()(inp))
    model.save(tmp_path / "v.keras")
    with pytest.raises(ModelImportError, match=f'layer "odd": {message}') as err:
        import_model(tmp_path / "v.keras")
    assert "\n" not in str(err.value)
