"""Export a trained network to ONNX (opset 17), checked with onnx.checker before it is written.

The engine is channels-last (NHWC); ONNX Conv, MaxPool and batch normalisation want channels first. Each
tensor is tracked with the layouts it already exists in, and a Transpose is inserted only when a consumer
needs a layout that is missing, so a conv → BN → pool chain stays in NCHW with two transposes in all.
The graph's input is `input` (batch, *input_shape) and its output `output`, both channels-last like the
project's data. When the project's data preparation is known the graph takes raw rows: with every feature
numeric it starts with fill (NaN → training value) and scaling on `input`; with text columns it has one input
per raw column and one-hot encodes inside the graph (onnx_rows.py). The spec is in the metadata (docs/export.md).
Each layer type's nodes come from its emitter (designer.export.emitters).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from designer.errors import ExportError
from designer.export import layers as _built_in  # noqa: F401  (registers the built-in types' emitters)
from designer.export.emitters import emitter, require_all
from designer.export.plan import ExportPlan
from designer.export.preprocessing import all_numeric
from designer.fileio import atomic_write_bytes

OPSET = 17
IR_VERSION = 8  # the oldest IR that carries opset 17: readable by older runtimes

TO_NCHW = [0, 3, 1, 2]
TO_NHWC = [0, 2, 3, 1]


@dataclass
class _Value:
    """One layer output: its rank (batch included) and the tensor names it exists under, by layout."""

    rank: int
    names: dict[str, str] = field(default_factory=dict)  # "nhwc" (the engine's layout) and/or "nchw"


class _Builder:
    def __init__(self):
        import onnx
        from onnx import helper, numpy_helper

        self.onnx, self.helper, self.numpy_helper = onnx, helper, numpy_helper
        self.nodes = []
        self.initializers = []
        self._names: set[str] = set()

    def name(self, base: str) -> str:
        n, i = base, 1
        while n in self._names:
            i += 1
            n = f"{base}_{i}"
        self._names.add(n)
        return n

    def const(self, base: str, arr) -> str:
        name = self.name(base)
        self.initializers.append(self.numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name))
        return name

    def node(self, op: str, inputs: list[str], base: str, **attrs) -> str:
        out = self.name(base)
        self.nodes.append(self.helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def get(self, value: _Value, layout: str, base: str) -> str:
        """The value's tensor in `layout`, transposing (once, then cached) if it is not there yet."""
        if layout in value.names:
            return value.names[layout]
        if layout == "nchw":
            value.names["nchw"] = self.node("Transpose", [value.names["nhwc"]], f"{base}/to_nchw", perm=TO_NCHW)
        else:
            value.names["nhwc"] = self.node("Transpose", [value.names["nchw"]], f"{base}/to_nhwc", perm=TO_NHWC)
        return value.names[layout]

    def value(self, rank: int, **names: str) -> _Value:
        """A layer output of `rank` (batch included) existing as the given tensor names, by layout."""
        return _Value(rank, dict(names))

    # ------------------------------------------------------------------------------------------------
    def activation(self, name: str, params: dict, x: str, base: str, channel_axis: int) -> str:
        n = self.node
        if name == "linear":
            return x
        if name == "relu":
            return n("Relu", [x], base)
        if name == "sigmoid":
            return n("Sigmoid", [x], base)
        if name == "tanh":
            return n("Tanh", [x], base)
        if name == "leaky_relu":
            return n("LeakyRelu", [x], base, alpha=float(params.get("negative_slope", 0.01)))
        if name == "elu":
            return n("Elu", [x], base, alpha=float(params.get("alpha", 1.0)))
        if name == "softmax":
            return n("Softmax", [x], base, axis=channel_axis)
        if name == "silu":
            return n("Mul", [x, n("Sigmoid", [x], f"{base}/sigmoid")], base)
        if name == "softplus":
            # max(x, 0) + log(1 + e^−|x|): the Softplus op's log(1 + e^x) overflows for large x
            e = n("Exp", [n("Neg", [n("Abs", [x], f"{base}/abs")], f"{base}/neg")], f"{base}/exp")
            log = n("Log", [n("Add", [e, self.const(f"{base}/one", 1.0)], f"{base}/add1")], f"{base}/log")
            return n("Add", [n("Relu", [x], f"{base}/relu"), log], base)
        if name == "gelu":
            # tanh approximation, as the engine: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
            cube = n("Mul", [n("Mul", [x, x], f"{base}/sq"), x], f"{base}/cube")
            inner = n("Add", [x, n("Mul", [cube, self.const(f"{base}/k", 0.044715)], f"{base}/kx3")], f"{base}/in")
            t = n(
                "Tanh",
                [n("Mul", [inner, self.const(f"{base}/c", math.sqrt(2 / math.pi))], f"{base}/s")],
                f"{base}/tanh",
            )
            half = n("Mul", [x, self.const(f"{base}/half", 0.5)], f"{base}/halfx")
            return n("Mul", [half, n("Add", [t, self.const(f"{base}/one", 1.0)], f"{base}/t1")], base)
        raise ExportError(f'ONNX export does not support the activation "{name}"')

    def activate(self, value: _Value, name: str, params: dict, base: str) -> _Value:
        if name == "linear":
            return value
        layout = "nchw" if "nchw" in value.names else "nhwc"
        axis = 1 if layout == "nchw" else -1
        return _Value(value.rank, {layout: self.activation(name, params, value.names[layout], base, axis)})


def build_model(plan: ExportPlan):
    """The onnx.ModelProto for `plan`, checked (including shape inference) by onnx.checker."""
    try:
        import onnx
        from onnx import TensorProto, helper
    except ImportError:
        raise ExportError("ONNX export needs the onnx package: pip install onnx") from None
    require_all(plan, "onnx")
    b = _Builder()
    b._names.update({"input", "output"})
    embedded = plan.preprocessing is not None and all_numeric(plan.preprocessing)
    per_column = plan.preprocessing is not None and not embedded  # text columns: one input per raw column
    graph_inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", *plan.input_shape])]
    raw_inputs = None
    if per_column:
        from designer.export.onnx_rows import raw_row_inputs

        first, graph_inputs, raw_inputs = raw_row_inputs(b, plan.preprocessing, plan.input_shape)
    else:
        first = _embedded_scaling(b, plan) if embedded else "input"
    values = {plan.input_id: _Value(len(plan.input_shape) + 1, {"nhwc": first})}
    for s in plan.steps:
        values[s.id] = emitter("onnx", s)(b, s, [values[i] for i in s.inputs])
    final = b.get(values[plan.output_id], "nhwc", plan.output_id)
    if plan.target_scaling is not None:  # trained on the standardised target: output in the target's own units
        mean, scale = (np.asarray(v, dtype=np.float32).reshape(plan.output_shape) for v in plan.target_scaling)
        final = b.node("Mul", [final, b.const("target/scale", scale)], "target/scaled")
        final = b.node("Add", [final, b.const("target/mean", mean)], "target/unscaled")
    b.nodes.append(helper.make_node("Identity", [final], ["output"], name="output"))
    graph = helper.make_graph(
        b.nodes,
        _safe_graph_name(plan.name),
        graph_inputs,
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", *plan.output_shape])],
        initializer=b.initializers,
    )
    opsets = [helper.make_opsetid("", OPSET)]
    if per_column:
        from designer.export.onnx_rows import ML_DOMAIN, ML_OPSET

        opsets.append(helper.make_opsetid(ML_DOMAIN, ML_OPSET))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="Network Designer")
    model.ir_version = IR_VERSION
    meta = {
        "layout": "channels-last (NHWC) input and output",
        "input_node": plan.input_id,
        "output_node": plan.output_id,
    }
    if plan.classes:
        meta["classes"] = json.dumps(plan.classes)
    if plan.task:
        meta["task"] = plan.task
    if plan.target_scaling is not None:
        meta["output_units"] = "the target's own units (the graph un-scales its standardised output)"
    meta.update(_preprocessing_meta(plan, embedded))
    if raw_inputs is not None:
        meta["raw_inputs"] = json.dumps(raw_inputs)
    helper.set_model_props(model, meta)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as err:  # the checker's own exception types vary between onnx versions
        raise ExportError(f"the ONNX model failed its check: {str(err).splitlines()[0]}") from None
    return model


def _embedded_scaling(b: _Builder, plan: ExportPlan) -> str:
    """The graph's first tensor when the input takes raw numeric features: NaN (missing) → the training fill
    value, then (x - offset) / scale, each a constant shaped like one sample so it broadcasts over the batch."""
    columns = plan.preprocessing["columns"]
    shape = tuple(plan.input_shape)

    def per_feature(key: str):
        return np.asarray([c[key] for c in columns], dtype=np.float32).reshape(shape)

    missing = b.node("IsNaN", ["input"], "preprocessing/is_missing")
    filled = b.node("Where", [missing, b.const("preprocessing/fill", per_feature("fill")), "input"],
                    "preprocessing/filled")
    centred = b.node("Sub", [filled, b.const("preprocessing/offset", per_feature("offset"))], "preprocessing/centred")
    return b.node("Div", [centred, b.const("preprocessing/scale", per_feature("scale"))], "preprocessing/scaled")


def _preprocessing_meta(plan: ExportPlan, embedded: bool) -> dict[str, str]:
    spec = plan.preprocessing
    if spec is None:
        return {"input_preprocessing": "none recorded: the input must be prepared like the training data"}
    if embedded:
        how = ("embedded: the input takes raw numeric feature values in feature_names order (NaN = missing); "
               "filling and scaling happen in the graph")
    else:
        how = ("embedded, one input per raw column: numeric columns float32 (batch, 1) with NaN = missing, text "
               "columns string (batch, 1); filling, one-hot encoding (unseen category = all zeros) and scaling "
               "happen in the graph; 'raw_inputs' maps each input to its column")
    return {"input_preprocessing": how, "feature_names": json.dumps(spec["feature_names"]),
            "preprocessing": json.dumps(spec)}


def _safe_graph_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name) or "network"


def export_onnx(plan: ExportPlan, out_path: Path) -> list[Path]:
    model = build_model(plan)
    out_path = Path(out_path)
    atomic_write_bytes(out_path, model.SerializeToString(), ExportError)
    return [out_path]
