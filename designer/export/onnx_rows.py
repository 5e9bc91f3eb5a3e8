"""The front of an ONNX graph that takes raw table rows: one input per raw column, the whole preparation inside.

Why one input per column: a table with text columns cannot be one tensor (ONNX tensors have one element type),
and this is how converters of data pipelines (sklearn-onnx, for instance) expose mixed tables. Numeric columns
are float32 `(batch, 1)` inputs with NaN for a missing value; text columns are string `(batch, 1)` inputs.

A text column goes through `ai.onnx.ml` operators that ONNX Runtime implements:
  LabelEncoder (string → int64): each training category → its index; the missing-value texts (`""`, `NA`, …)
  → the index of the training fill category; anything else → -1;
  OneHotEncoder (int64, zeros=1): index k → a one at k; -1 (an unseen category) → all zeros, as in the app.
Every block is then concatenated in the training feature order and the numeric positions get the same
NaN → fill, (x − offset) / scale as the all-numeric graph, so the graph answers exactly what `predict` does.
"""

from __future__ import annotations

import json
import re

import numpy as np

ML_DOMAIN = "ai.onnx.ml"
ML_OPSET = 3  # LabelEncoder v2 (string keys, int64 values) and OneHotEncoder v1: both in ONNX Runtime
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")


def input_names(columns: list[dict], taken: set[str]) -> list[str]:
    """One ONNX input name per raw column: the column's own name when it is plain, else a sanitised one (the
    metadata's `raw_inputs` maps each input to its column either way)."""
    names: list[str] = []
    used = set(taken)
    for i, col in enumerate(columns):
        name = str(col["name"])
        if not _PLAIN_NAME.fullmatch(name) or name in used:
            clean = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_")[:40] or "column"
            name = f"col{i}_{clean}"
        while name in used:
            name += "_"
        used.add(name)
        names.append(name)
    return names


def raw_row_inputs(b, spec: dict, input_shape) -> tuple[str, list, list[dict]]:
    """Add the per-column inputs and the preparation to builder `b` (onnx_export._Builder).

    Returns (the prepared tensor's name shaped (batch, *input_shape), the graph inputs, the `raw_inputs`
    metadata)."""
    from onnx import TensorProto, helper, numpy_helper

    columns = spec["columns"]
    names = input_names(columns, b._names)
    b._names.update(names)
    na_values = [str(v) for v in spec["na_values"]]
    graph_inputs, blocks, meta = [], [], []
    fill, offset, scale = [], [], []
    for col, name in zip(columns, names):
        if col["kind"] == "numeric":
            graph_inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", 1]))
            blocks.append(name)
            fill.append(col["fill"])
            offset.append(col["offset"])
            scale.append(col["scale"])
            meta.append({"input": name, "column": col["name"], "kind": "numeric", "dtype": "float32"})
            continue
        cats = [str(c) for c in col["categories"]]
        fill_index = cats.index(str(col["fill"])) if col.get("fill") is not None and str(col["fill"]) in cats else -1
        keys = list(cats)
        values = list(range(len(cats)))
        for na in na_values:
            if na not in keys:  # a missing-value text → the fill category (or all zeros without one)
                keys.append(na)
                values.append(fill_index)
        graph_inputs.append(helper.make_tensor_value_info(name, TensorProto.STRING, ["batch", 1]))
        base = f"preprocessing/{name}"
        codes = b.name(f"{base}/codes")
        b.nodes.append(helper.make_node("LabelEncoder", [name], [codes], name=codes, domain=ML_DOMAIN,
                                        keys_strings=keys, values_int64s=values, default_int64=-1))
        onehot = b.name(f"{base}/onehot")
        b.nodes.append(helper.make_node("OneHotEncoder", [codes], [onehot], name=onehot, domain=ML_DOMAIN,
                                        cats_int64s=list(range(len(cats))), zeros=1))
        blocks.append(b.node("Flatten", [onehot], f"{base}/block", axis=1))  # (batch, 1, k) → (batch, k)
        fill += [0.0] * len(cats)
        offset += [0.0] * len(cats)
        scale += [1.0] * len(cats)
        meta.append({"input": name, "column": col["name"], "kind": "categorical", "dtype": "string",
                     "categories": cats})
    joined = b.node("Concat", blocks, "preprocessing/features", axis=1) if len(blocks) > 1 else blocks[0]
    missing = b.node("IsNaN", [joined], "preprocessing/is_missing")
    filled = b.node("Where", [missing, b.const("preprocessing/fill", fill), joined], "preprocessing/filled")
    centred = b.node("Sub", [filled, b.const("preprocessing/offset", offset)], "preprocessing/centred")
    prepared = b.node("Div", [centred, b.const("preprocessing/scale", scale)], "preprocessing/scaled")
    if tuple(input_shape) != (len(fill),):  # the network's Input is not flat: reshape like the app (C order)
        shape = b.name("preprocessing/shape")
        b.initializers.append(numpy_helper.from_array(np.asarray([-1, *input_shape], dtype=np.int64), shape))
        prepared = b.node("Reshape", [prepared, shape], "preprocessing/reshaped")
    return prepared, graph_inputs, meta


def raw_inputs_json(meta: list[dict]) -> str:
    return json.dumps(meta)
