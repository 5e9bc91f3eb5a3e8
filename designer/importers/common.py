"""What every importer produces (a list of layers in the app's terms) and how it becomes a checked project."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from designer.errors import DesignerError

MAX_FILE_BYTES = 2 * 1024**3  # a model file larger than this is refused before parsing


class ModelImportError(DesignerError):
    """A model file that cannot become a project: unreadable, hostile, or made of layers the app lacks."""


@dataclass
class Layer:
    id: str
    type: str
    params: dict
    inputs: list[str]
    weights: dict[str, np.ndarray] = field(default_factory=dict)


def unsupported(what: str, names) -> ModelImportError:
    names = sorted(set(names))
    return ModelImportError(f"this {what} uses {len(names)} operator(s) Network Designer has no layer for: "
                            f"{', '.join(names)}")


def safe_id(name: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "_", str(name)).strip("_")[:48] or "layer"
    if not base[0].isalpha():
        base = "l_" + base
    out, i = base, 1
    while out in used:
        i += 1
        out = f"{base}_{i}"
    used.add(out)
    return out


def to_project(name: str, input_id: str, input_shape, layers: list[Layer], extra: dict | None = None):
    """A Project from `layers` (topological order; `inputs` name the input or earlier layers): nodes laid out
    left to right by depth, weights checked against the shapes the graph implies."""
    from designer.graph import Graph
    from designer.project import Project

    graph = Graph()
    depth = {input_id: 0}
    rows: dict[int, int] = {0: 1}
    try:
        graph.add_node("Input", {"shape": [int(d) for d in input_shape]}, (0.0, 0.0), node_id=input_id)
        for layer in layers:
            d = 1 + max(depth[i] for i in layer.inputs)
            depth[layer.id] = d
            row = rows.get(d, 0)
            rows[d] = row + 1
            if isinstance(layer.params.get("padding"), tuple):  # ONNX pads: 'valid' or 'same' for this input
                in_shape = graph.analyze(tuple(int(v) for v in input_shape)).shapes[layer.inputs[0]]
                layer.params["padding"] = _padding(layer, in_shape)
            graph.add_node(layer.type, layer.params, (260.0 * d, 140.0 * row), node_id=layer.id)
            for src in layer.inputs:
                graph.connect(src, layer.id, check_shapes=False)
        analysis = graph.analyze(tuple(int(d) for d in input_shape))
    except DesignerError as err:
        raise ModelImportError(f"the imported network is not valid: {err}") from None
    errors = [p for p in analysis.problems if p.severity == "error"]
    if errors:
        raise ModelImportError(f"the imported network is not valid: {errors[0].message}"
                               + (f' (layer "{errors[0].node_id}")' if errors[0].node_id else ""))
    from designer.engine.registry import layer_type

    weights = {}
    for layer in layers:
        srcs = graph.inputs_of(layer.id)
        expected = layer_type(layer.type).weight_shapes(graph.nodes[layer.id].params, analysis.shapes[srcs[0]])
        for key, shape in expected.items():
            if shape is None:
                continue
            if key not in layer.weights:
                raise ModelImportError(f'layer "{layer.id}" has no {key} in the file')
            arr = np.asarray(layer.weights[key])
            if tuple(arr.shape) != tuple(shape):
                raise ModelImportError(f'layer "{layer.id}": {key} has shape {list(arr.shape)}, the layer needs '
                                       f"{list(shape)}")
            if not np.issubdtype(arr.dtype, np.number) or not np.isfinite(arr).all():
                raise ModelImportError(f'layer "{layer.id}": {key} holds NaN, Inf or non-numbers')
            weights[f"{layer.id}/{key}"] = np.ascontiguousarray(arr, dtype=np.float32)
    project = Project(name=name or "Imported model", graph=graph)
    project.weights = weights
    if extra:
        project.extra.update(extra)
    return project


def _padding(layer: Layer, in_shape) -> str:
    from designer.engine.conv import same_padding

    pads = layer.params["padding"][1]
    if not any(pads):
        return "valid"
    key = "kernel_size" if layer.type == "Conv2D" else "pool_size"
    kernel, strides = layer.params[key], layer.params.get("strides") or layer.params[key]
    t, left, b, r = pads
    _, st, sb = same_padding(in_shape[0], kernel[0], strides[0])
    _, sl, sr = same_padding(in_shape[1], kernel[1], strides[1])
    if (t, b, left, r) == (st, sb, sl, sr):
        return "same"
    raise ModelImportError(f'layer "{layer.id}": pads {list(pads)} are neither "valid" nor "same"')
