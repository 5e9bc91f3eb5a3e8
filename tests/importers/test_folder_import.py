"""Exported PyTorch and Keras folders come back in from network.json + weights (model.py never runs), through
`nn-designer import` too; trained_weights.npz (written by the folder's train.py) wins over weights.npz."""

from __future__ import annotations

import json

import numpy as np
import pytest

from designer import cli
from designer.engine.network import Network
from designer.export import export_project
from designer.importers import ModelImportError, import_model
from designer.project.io import load_project
from tests.export import nets


def _predict(project, x):
    net = Network.from_graph(project.graph)
    net.set_weights(project.weights)
    return net.predict(x)


@pytest.mark.parametrize("fmt", ["pytorch", "keras"])
@pytest.mark.parametrize("name", ["mlp", "branches", "cnn"])
def test_folder_round_trip_is_identical_and_runs_no_code(fmt, name, tmp_path, capsys):
    project, net, x = nets.trained(getattr(nets, name)())
    written = export_project(project, fmt, tmp_path / "out")
    folder = written[0].parent
    (folder / "model.py").write_text("import pathlib; pathlib.Path(__file__).with_name('PWNED').write_text('1')\n")
    assert cli.main(["import", str(folder), "--out", str(tmp_path / "back.nnproj")]) == 0
    assert "imported" in capsys.readouterr().err
    back = load_project(tmp_path / "back.nnproj")
    np.testing.assert_array_equal(_predict(back, x), net.predict(x))
    assert not (folder / "PWNED").exists()
    assert sorted(back.graph.nodes) == sorted(project.graph.nodes)


def test_trained_weights_win(tmp_path):
    project, _, x = nets.trained(nets.mlp())
    folder = export_project(project, "pytorch", tmp_path / "pt")[0].parent
    changed = {k: v * np.float32(0.5) for k, v in project.weights.items()}
    np.savez(folder / "trained_weights.npz", **changed)
    back = import_model(folder)
    assert back.extra["imported_from"]["weights"] == "trained_weights.npz"
    np.testing.assert_array_equal(back.weights["dense_1/kernel"], changed["dense_1/kernel"])


@pytest.mark.parametrize("doc", ["{", "[]", '{"graph": {"nodes": [{"id": "x", "type": "Evil"}]}, "input_shape": [2]}',
                                 '{"graph": {"nodes": [], "edges": [["a", "b"]]}, "input_shape": [2]}',
                                 '{"graph": 5, "input_shape": "no"}'])
def test_hostile_network_json_gives_one_error(doc, tmp_path, capsys):
    project, _, _ = nets.trained(nets.mlp())
    folder = export_project(project, "keras", tmp_path / "k")[0].parent
    (folder / "network.json").write_text(doc, encoding="utf-8")
    with pytest.raises(ModelImportError) as err:
        import_model(folder)
    assert "\n" not in str(err.value)
    assert cli.main(["import", str(folder), "--out", str(tmp_path / "p.nnproj")]) == 1
    assert capsys.readouterr().err.startswith("error: ") and not (tmp_path / "p.nnproj").exists()


def test_pickled_weights_are_refused(tmp_path):
    project, _, _ = nets.trained(nets.mlp())
    folder = export_project(project, "pytorch", tmp_path / "pt")[0].parent
    for payload in (np.array([object()], dtype=object), np.zeros(3)):  # a pickle inside; a bare .npy array
        with open(folder / "weights.npz", "wb") as f:
            np.save(f, payload, allow_pickle=True)
        with pytest.raises(ModelImportError, match="weights.npz is not a readable weights file"):
            import_model(folder)


def test_a_folder_that_is_not_an_export_is_refused(tmp_path):
    with pytest.raises(ModelImportError, match="has no network.json"):
        import_model(tmp_path)
    assert json.loads("{}") == {}
