"""A layer type is one declaration (designer.engine.registry.LayerType): every built-in type provides every
hook, and a toy type from a test module is listed, validated, trained, saved and loaded with no other file
touched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from designer.engine.factory import layer_class, load_hook
from designer.engine.network import Network
from designer.engine.registry import LAYER_TYPES, ParamSpec, register_layer_type
from designer.errors import ExportError, ParamError, ProjectError
from designer.graph import Graph
from designer.project import Project
from designer.project.document import project_from_json
from designer.project.io import load_project, save_project
from designer.training.run import train_project
from tests.layers import toy_scale

# An input each type accepts, and the parameters it needs.
SAMPLE = {
    "Input": ([], {"shape": [6]}),
    "Dense": ([(6,)], {"units": 3}),
    "Activation": ([(6,)], {}),
    "Dropout": ([(6,)], {}),
    "BatchNormalization": ([(5, 5, 2)], {}),
    "Flatten": ([(5, 5, 2)], {}),
    "Conv2D": ([(5, 5, 2)], {"filters": 4, "kernel_size": 3}),
    "MaxPooling2D": ([(6, 6, 2)], {}),
    "Add": ([(6,), (6,)], {}),
    "Concatenate": ([(6,), (4,)], {}),
}


def test_every_built_in_type_provides_every_hook():
    assert set(SAMPLE) == set(LAYER_TYPES)
    for name, ltype in LAYER_TYPES.items():
        assert ltype.category and ltype.description and ltype.icon, name
        assert ltype.default_prefix().isidentifier(), name
        assert callable(ltype.output_shape), name
        assert issubclass(layer_class(name), object) and layer_class(name).type_name == name
        assert all(isinstance(p, ParamSpec) for p in ltype.params)
        assert set(ltype.frozen) <= set(ltype.weight_shapes(ltype.defaults(), None)), name
        assert callable(load_hook(ltype.torch)), name  # its op in the PyTorch engine
        assert all(callable(load_hook(hook)) for hook in ltype.imports.values()), name


@pytest.mark.parametrize("name", [n for n in SAMPLE if n != "Input"])
def test_declared_weights_are_what_the_engine_builds_and_what_is_counted(name):
    """One table: the arrays the type declares are exactly those its engine class allocates, with the same
    shapes, and the parameter count is their size."""
    in_shapes, given = SAMPLE[name]
    ltype = LAYER_TYPES[name]
    params = ltype.coerce_params({**ltype.initial, **given})
    layer = layer_class(name)(f"{name.lower()}_1", params)
    layer.build(in_shapes, np.random.default_rng(0))
    built = {k: tuple(v.shape) for k, v in layer.weight_arrays().items()}
    declared = ltype.weight_shapes(params, in_shapes[0])
    assert built == declared
    assert ltype.param_count(params, in_shapes) == sum(int(np.prod(s)) for s in built.values())
    assert tuple(layer.output_shape) == tuple(ltype.output_shape(params, in_shapes))


def test_a_dense_layer_without_bias_keeps_no_bias_in_files():
    """Project files and the export plan read the same table: `use_bias` false means no bias array."""
    from designer.project.io import expected_weight_shapes

    g = Graph()
    g.add_node("Input", {"shape": [4]}, node_id="in")
    g.add_node("Dense", {"units": 2, "use_bias": False}, node_id="d")
    g.connect("in", "d")
    assert expected_weight_shapes(g) == {"d/kernel": (4, 2)}


@pytest.fixture
def scale_type():
    toy_scale.register()
    yield toy_scale.SCALE
    toy_scale.unregister()


def toy_project() -> Project:
    project = load_project(Path(__file__).resolve().parents[2] / "examples" / "iris_mlp.nnproj")
    project.weights, project.history = {}, []
    g = Graph()
    g.add_node("Input", {"shape": [4]}, (0, 0))
    g.add_node("Scale", {"start": 0.5}, (0, 100))
    g.add_node("Dense", {"units": 3, "activation": "softmax"}, (0, 200))
    g.connect("input_1", "scale_1")
    g.connect("scale_1", "dense_1")
    project.graph = g
    project.training.update(epochs=3, loss="categorical_crossentropy")
    return project


def test_a_toy_type_from_a_test_module_works_everywhere(scale_type, qtbot, tmp_path):
    from designer.ui.palette import LayerPalette

    # listed in the palette, under its category
    palette = LayerPalette()
    qtbot.addWidget(palette)
    assert palette.items["Scale"].parent().text(0) == "Core"

    # validated like any type: a file with it loads, a bad value is refused with the place
    project = toy_project()
    doc = project.to_json_dict()
    assert project_from_json(doc).graph.nodes["scale_1"].params["start"] == 0.5
    doc["graph"]["nodes"][1]["params"]["start"] = "big"
    with pytest.raises(ProjectError, match=r"graph\.nodes\[1\]\.params\.start: must be a number"):
        project_from_json(doc)
    assert project.graph.analyze().params["scale_1"] == 4  # counted from its declared weights

    # trained: the engine builds it and its factors learn
    trained, metrics = train_project(project, None)
    w = trained.weights["scale_1/w"]
    assert w.shape == (4,) and not np.allclose(w, 0.5) and np.isfinite(metrics["loss"])

    # saved and loaded with its weights
    path = tmp_path / "toy.nnproj"
    save_project(trained, path)
    again = load_project(path)
    assert again.graph.nodes["scale_1"].type == "Scale" and not again.warnings
    assert np.array_equal(again.weights["scale_1/w"], w)
    net = Network.from_graph(again.graph)
    assert net.set_weights(again.weights) == []  # every array fits the layer it belongs to
    x = np.ones((1, 4), dtype=np.float32)
    assert np.allclose(net.forward(x).sum(), 1.0)  # a softmax row through the loaded Scale layer


def test_a_toy_type_exports_where_it_registered_an_emitter_and_is_refused_by_name_elsewhere(scale_type, tmp_path):
    """Exporters are dispatch tables a type joins from its own module: toy_scale brings a NumPy emitter."""
    import importlib.util

    from designer.export import export_project

    trained, _ = train_project(toy_project(), None, epochs=1)
    export_project(trained, "python", tmp_path / "toy.py")
    spec = importlib.util.spec_from_file_location("toy_predictor", tmp_path / "toy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    net = Network.from_graph(trained.graph)
    assert net.set_weights(trained.weights) == []
    x = np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)
    np.testing.assert_allclose(module.predict(x), net.predict(x), rtol=1e-5, atol=1e-6)
    with pytest.raises(ExportError, match=r'ONNX export does not support layer type Scale \(layer "scale_1"\)'):
        export_project(trained, "onnx", tmp_path / "toy.onnx")
    assert not (tmp_path / "toy.onnx").exists()


def test_registering_a_taken_name_is_refused(scale_type):
    with pytest.raises(ParamError, match="already exists"):
        register_layer_type(scale_type)


def _scale_graph() -> Graph:
    g = Graph()
    g.add_node("Input", {"shape": [3]}, node_id="in")
    g.add_node("Scale", {"start": 0.5}, node_id="s")
    g.add_node("Dense", {"units": 2}, node_id="d")
    g.connect("in", "s")
    g.connect("s", "d")
    return g


def test_the_torch_engine_runs_a_type_through_its_torch_hook_and_refuses_one_without(scale_type):
    """The torch network asks each type's LayerType for its op: none declared, a readable refusal; declared
    (from the toy's own module), the same outputs as the NumPy engine."""
    import dataclasses

    pytest.importorskip("torch")
    from designer.engine.registry import unregister_layer_type
    from designer.errors import TrainingError
    from designer.torch_backend.network import TorchNetwork

    host = Network.from_graph(_scale_graph())
    with pytest.raises(TrainingError, match="the PyTorch engine has no Scale layers"):
        TorchNetwork(host, device="cpu")
    unregister_layer_type("Scale")
    register_layer_type(dataclasses.replace(scale_type, torch=toy_scale.torch_scale))
    host = Network.from_graph(_scale_graph())
    x = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    expected = host.forward(x)
    np.testing.assert_allclose(TorchNetwork(host, device="cpu").forward(x), expected, rtol=1e-6, atol=1e-6)


def test_a_layer_type_is_named_in_few_modules():
    """Other modules ask the registry (hooks, roles, concept texts) instead of naming a type: batch
    normalisation is declared (registry), computed (engine) and exported (export/layers), nowhere else."""
    root = Path(__file__).resolve().parents[2] / "designer"
    naming = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                    if "BatchNormalization" in p.read_text(encoding="utf-8"))
    assert naming == ["engine/normalization.py", "engine/registry.py", "export/layers/normalization.py"]


def test_the_neurons_view_reads_the_registry_flags_of_a_type(scale_type):
    """Element-wise types are drawn through, `neurons` types are columns, anything else is refused by name."""
    import dataclasses

    from designer.engine.registry import unregister_layer_type
    from designer.ui.neurons_view import dense_layers

    layers, reason = dense_layers(_scale_graph())
    assert layers == [] and reason == "s is a Scale layer: the neurons view draws only Dense networks"
    unregister_layer_type("Scale")
    register_layer_type(dataclasses.replace(scale_type, elementwise=True))
    assert dense_layers(_scale_graph()) == ([("in", 3), ("d", 2)], "")
    unregister_layer_type("Scale")
    register_layer_type(dataclasses.replace(scale_type, neurons=True))
    assert dense_layers(_scale_graph()) == ([("in", 3), ("s", 3), ("d", 2)], "")
