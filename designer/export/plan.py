"""A trained project reduced to what every exporter needs: layers in order, shapes, checked float32 arrays.

Each exporter walks `ExportPlan.steps` (topological order, Input excluded) and never re-reads the graph, so
the checks live in one place: the graph is valid for its input shape, there is one input and one output,
and each layer with weights has all of them with the shapes the graph implies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from designer.engine.conv import pair, same_padding
from designer.engine.registry import LAYER_TYPES, layer_type
from designer.errors import DesignerError, ExportError
from designer.export.preprocessing import preprocessing_spec
from designer.export.source import identifier

log = logging.getLogger(__name__)

Shape = tuple[int, ...]



@dataclass
class Step:
    id: str
    type: str
    params: dict  # canonical (registry coerce_params)
    inputs: list[str]  # node ids; the Input node's id for the first layer
    in_shapes: list[Shape]  # without the batch axis
    out_shape: Shape
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # float32


@dataclass
class ExportPlan:
    name: str
    input_id: str
    input_shape: Shape
    output_id: str
    output_shape: Shape
    steps: list[Step]
    task: str | None = None
    classes: list[str] | None = None
    loss: str | None = None
    training: dict = field(default_factory=dict)
    # the fitted data preparation as JSON (designer.export.preprocessing), None when the data was not available
    preprocessing: dict | None = None
    # a standardised regression target (data.target_scaling): every format answers y = out * scale + mean,
    # in the target's own units, as `predict` does; None when the outputs are the target as they are
    target_mean: list[float] | None = None
    target_scale: list[float] | None = None
    # the PreparedData when available: the PyTorch export ships its training and validation splits (data.npz)
    data: object | None = field(default=None, repr=False)

    @property
    def target_scaling(self) -> tuple[list[float], list[float]] | None:
        if self.target_mean is None or self.target_scale is None:
            return None
        return list(self.target_mean), list(self.target_scale)

    def types(self) -> set[str]:
        return {s.type for s in self.steps}

    def require_types(self, supported: set[str], fmt: str) -> None:
        for s in self.steps:
            if s.type not in supported:
                raise ExportError(f'{fmt} export does not support layer type {s.type} (layer "{s.id}")')


def spatial_pads(step: Step, kernel_key: str) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) padding of a Conv2D or MaxPooling2D step."""
    if step.params.get("padding", "valid") != "same":
        return 0, 0, 0, 0
    kh, kw = pair(step.params[kernel_key])
    strides = step.params.get("strides")
    sh, sw = pair(strides) if strides is not None else (kh, kw)
    h, w, _ = step.in_shapes[0]
    _, t, b = same_padding(h, kh, sh)
    _, left, r = same_padding(w, kw, sw)
    return t, b, left, r


def strides_of(step: Step, kernel_key: str) -> tuple[int, int]:
    strides = step.params.get("strides")
    return pair(strides) if strides is not None else pair(step.params[kernel_key])


def concat_axis(step: Step) -> int:
    """The Concatenate axis counted on batched tensors (params count axes of one sample, like the registry)."""
    axis = int(step.params.get("axis", -1))
    rank = len(step.in_shapes[0])
    return (axis % rank) + 1


def expected_arrays(step: Step) -> dict[str, Shape]:
    """The arrays the step's layer type owns (its LayerType's `weights`): the same table project files use."""
    shapes = layer_type(step.type).weight_shapes(step.params, step.in_shapes[0] if step.in_shapes else None)
    return {name: tuple(shape) for name, shape in shapes.items() if shape is not None}


def _prepare(project, prepared, base_dir, need_shape: bool):
    """The project's PreparedData when given or obtainable: the input shape (Input without one) and the class
    labels come from it. Data that cannot be read only matters when the shape must come from it."""
    if prepared is not None or base_dir is None:
        return prepared
    from designer.data import prepare_data

    try:
        shape = project.graph.nodes[project.graph.input_nodes()[0]].params.get("shape")
        return prepare_data(project.data, base_dir, input_shape=shape)
    except DesignerError as err:
        if need_shape:
            raise
        log.warning("exporting without the data preparation (the exported model needs prepared inputs): %s", err)
        return None


def _input_shape(project, prepared) -> Shape:
    inputs = project.graph.input_nodes()
    shape = project.graph.nodes[inputs[0]].params.get("shape")
    if shape:
        return tuple(int(d) for d in shape)
    if prepared is not None and prepared.input_shape:
        return tuple(int(d) for d in prepared.input_shape)
    raise ExportError(f'the Input layer "{inputs[0]}" has no shape: set it, or export with the project\'s data')


def build_plan(project, prepared=None, base_dir=None) -> ExportPlan:
    """Check `project` (a designer.project.Project with trained weights) and reduce it to an ExportPlan."""
    graph = project.graph
    if not graph.nodes:
        raise ExportError("the network is empty: nothing to export")
    inputs = graph.input_nodes()
    if len(inputs) != 1:
        raise ExportError(f"the network needs exactly one Input layer to export, found {len(inputs)}")
    if not project.weights:
        raise ExportError("the project has no trained weights: train it before exporting")
    prepared = _prepare(project, prepared, base_dir, need_shape=not graph.nodes[inputs[0]].params.get("shape"))
    input_shape = _input_shape(project, prepared)
    analysis = graph.analyze(input_shape)
    errors = [p for p in analysis.problems if p.severity == "error"]
    if errors:
        where = f' (layer "{errors[0].node_id}")' if errors[0].node_id else ""
        raise ExportError(f"the network is not valid: {errors[0].message}{where}")
    outputs = [n for n in graph.output_nodes() if graph.nodes[n].type != "Input"]
    if len(outputs) != 1:
        raise ExportError(f"the network needs exactly one output layer to export, found {len(outputs)}")

    input_id = graph.input_nodes()[0]
    steps: list[Step] = []
    for nid in graph.topological_order():
        node = graph.nodes[nid]
        if node.type == "Input":
            continue
        try:
            params = LAYER_TYPES[node.type].coerce_params(node.params, f"{nid}.params")
        except DesignerError as err:
            raise ExportError(str(err)) from None
        srcs = graph.inputs_of(nid)
        step = Step(nid, node.type, params, srcs, [analysis.shapes[s] for s in srcs], analysis.shapes[nid])
        for name, shape in expected_arrays(step).items():
            step.arrays[name] = _weight(project.weights, nid, name, shape)
        steps.append(step)

    classes = list(prepared.classes) if prepared is not None and prepared.classes else None
    pre = getattr(prepared, "preprocessor", None)
    target_mean = getattr(pre, "target_mean", None)
    target_scale = getattr(pre, "target_scale", None)
    if target_mean is None and project.data.get("task") == "regression" and \
            project.data.get("target_scaling", "standard") == "standard":
        # the statistics come from the training split: without the data the outputs could not be un-scaled
        raise ExportError("this regression project standardises its target (data.target_scaling), and un-scaling "
                          "the outputs needs the training data: export with the project's data available")
    task = prepared.task if prepared is not None else project.data.get("task")
    return ExportPlan(
        name=project.name,
        input_id=input_id,
        input_shape=input_shape,
        output_id=outputs[0],
        output_shape=analysis.shapes[outputs[0]],
        steps=steps,
        task=task,
        classes=classes,
        loss=project.training.get("loss"),
        training=dict(project.training),
        preprocessing=preprocessing_spec(prepared, input_shape, project.training.get("loss")),
        target_mean=None if target_mean is None else [float(v) for v in target_mean],
        target_scale=None if target_scale is None else [float(v) for v in target_scale],
        data=prepared,
    )


def _weight(weights: dict, node_id: str, name: str, shape: Shape) -> np.ndarray:
    key = f"{node_id}/{name}"
    if key not in weights:
        raise ExportError(
            f'the project has no trained weights for layer "{node_id}" ({key} is missing): train it first'
        )
    arr = np.asarray(weights[key])
    if tuple(arr.shape) != tuple(shape):
        raise ExportError(
            f"weights {key} have shape {list(arr.shape)} but the layer needs {list(shape)}: "
            "the network changed since training; train it again"
        )
    if not np.issubdtype(arr.dtype, np.number) or not np.isfinite(arr).all():
        raise ExportError(f"weights {key} contain NaN, Inf or non-numbers: train the project again")
    return np.ascontiguousarray(arr, dtype=np.float32)


def python_identifiers(plan: ExportPlan, reserved: set[str], reserved_suffix: str | None = None) -> dict[str, str]:
    """node id → a unique Python identifier for generated code (ids may hold '-', '/' or start with a digit).

    `reserved` are names the generated module uses itself; a name ending in `reserved_suffix` is avoided too
    (the Keras code names split-off activations "<name>_act").
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for nid in [plan.input_id, *(s.id for s in plan.steps)]:
        name = identifier(nid, reserved)
        base, i = name, 1
        while name in used or (reserved_suffix and name.endswith(reserved_suffix)):
            i += 1
            name = f"{base}_{i}"
        used.add(name)
        out[nid] = name
    return out
