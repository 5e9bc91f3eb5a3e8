"""ONNX → project, for graphs made of the app's layers (as Network Designer exports them, or similar).

The file is parsed as protobuf only; external-data tensors are refused (they would make the importer open other
files named by the model). Recognised, in channels-last terms like the engine:
Gemm / MatMul(+Add) → Dense; Relu, Sigmoid, Tanh, LeakyRelu, Elu, Softmax → the preceding Dense/Conv2D's
activation (or an Activation layer); Conv → Conv2D; MaxPool → MaxPooling2D; Flatten; Sum/Add of two layers →
Add; Concat → Concatenate; an operator a layer type of its name reads itself (its `imports` hook: batch
normalisation); Dropout and Identity pass through; Transpose between
channels-last and channels-first is followed, not imported. An exported model's raw-rows front (nodes named
`preprocessing/…`) and target un-scaling (`target/…`) are recognised and their spec kept in the project.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from designer.importers.common import MAX_FILE_BYTES, Layer, ModelImportError, safe_id, to_project, unsupported
from designer.importers.layers import readable, reader

ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "LeakyRelu": "leaky_relu", "Elu": "elu",
               "Softmax": "softmax"}
NCHW_TO_NHWC_AXIS = {1: 3, 2: 1, 3: 2}


class _Value:
    """A tensor of the ONNX graph in app terms: the layer that makes it and its layout."""

    def __init__(self, layer: str, layout: str = "nhwc"):
        self.layer, self.layout = layer, layout


def _load(path: Path):
    try:
        import onnx
    except ImportError:
        raise ModelImportError("importing ONNX needs the onnx package: pip install onnx") from None
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ModelImportError(f"{path.name} is larger than {MAX_FILE_BYTES // 1024**3} GB: not imported")
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as err:  # protobuf's DecodeError and friends: the file is not an ONNX model
        raise ModelImportError(f"{path.name} is not a readable ONNX model ({type(err).__name__})") from None
    for t in model.graph.initializer:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            raise ModelImportError(f"{path.name} keeps tensor {t.name!r} in an external file: not imported")
    return model


def import_onnx(path: Path):
    from onnx import numpy_helper

    model = _load(path)
    g = model.graph
    meta = {p.key: p.value for p in model.metadata_props}
    consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    for n in g.node:  # Constant nodes are constants too
        if n.op_type == "Constant" and n.attribute:
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    bad = sorted({n.op_type for n in g.node if not _known(n)})
    if bad:
        raise unsupported("ONNX model", bad)

    used: set[str] = set()
    input_id = safe_id(meta.get("input_node") or "input_1", used)  # an export names its Input layer
    spec = json.loads(meta["preprocessing"]) if "preprocessing" in meta else None
    real_inputs = [i for i in g.input if i.name not in consts]
    if spec is not None and spec.get("input_shape"):
        input_shape = [int(d) for d in spec["input_shape"]]
    elif len(real_inputs) == 1:
        dims = real_inputs[0].type.tensor_type.shape.dim
        if len(dims) < 2 or any(not d.HasField("dim_value") for d in dims[1:]):
            raise ModelImportError("the model's input shape is not fixed (apart from the batch axis)")
        input_shape = [int(d.dim_value) for d in dims[1:]]
    else:
        raise ModelImportError(f"the model has {len(real_inputs)} inputs; Network Designer networks have one")
    values: dict[str, _Value] = {i.name: _Value(input_id) for i in real_inputs}
    layers: dict[str, Layer] = {}
    order: list[Layer] = []
    consumers: dict[str, int] = {}
    for n in g.node:
        for i in n.input:
            consumers[i] = consumers.get(i, 0) + 1

    def new(type_name, params, inputs, weights=None, name=None):
        layer = Layer(safe_id(name or type_name.lower(), used), type_name, params, inputs, weights or {})
        layers[layer.id] = layer
        order.append(layer)
        return layer

    for n in g.node:
        op, out = n.op_type, n.output[0]
        attrs = {a.name: _attr(a) for a in n.attribute}
        if n.name.startswith(("preprocessing/", "target/")) or op == "Constant":
            if n.name.startswith("preprocessing/"):
                values[out] = _Value(input_id)  # the raw-rows front: the network's input comes out of it
            else:
                values[out] = values.get(n.input[0]) or values.get(n.input[-1])
            continue
        data = [values.get(i) for i in n.input if i not in consts]
        if any(v is None for v in data):
            raise ModelImportError(f"node {n.name or op!r} reads a tensor that is neither an input nor computed")
        x = data[0] if data else None
        if op in ("Identity", "Dropout"):
            values[out] = x
        elif op == "Transpose":
            perm = list(attrs.get("perm", []))
            layout = {(0, 3, 1, 2): "nchw", (0, 2, 3, 1): "nhwc"}.get(tuple(perm))
            if layout is None:
                raise ModelImportError(f"Transpose with perm {perm} has no counterpart in Network Designer")
            values[out] = _Value(x.layer, layout)
        elif op in ("Gemm", "MatMul"):
            w = consts.get(n.input[1])
            if w is None or w.ndim != 2 or x.layout != "nhwc":
                raise ModelImportError(f"{op} {n.name!r}: only a product with a constant 2-D weight is a Dense layer")
            if attrs.get("transA"):
                raise ModelImportError(f"Gemm {n.name!r} transposes its input: not a Dense layer")
            if attrs.get("transB"):
                w = w.T
            w = w * float(attrs.get("alpha", 1.0))
            weights = {"kernel": w}
            if op == "Gemm" and len(n.input) > 2:
                weights["bias"] = np.broadcast_to(consts[n.input[2]] * float(attrs.get("beta", 1.0)),
                                                  (w.shape[1],)).copy()
            layer = new("Dense", {"units": int(w.shape[1]), "use_bias": "bias" in weights, "activation": "linear"},
                        [x.layer], weights, n.name.split("/")[0] or None)
            values[out] = _Value(layer.id)
        elif op == "Add" and len(data) == 1:  # MatMul + bias
            layer = layers.get(x.layer)
            bias = consts[[i for i in n.input if i in consts][0]]
            if layer is None or layer.type != "Dense" or "bias" in layer.weights:
                raise ModelImportError(f"Add {n.name!r} of a constant that is not a Dense layer's bias")
            layer.weights["bias"] = np.broadcast_to(bias, (layer.params["units"],)).copy()
            layer.params["use_bias"] = True
            values[out] = x
        elif op in ("Sum", "Add"):
            layout = {v.layout for v in data}
            if len(layout) != 1:
                raise ModelImportError(f"{op} {n.name!r} adds tensors of different layouts")
            values[out] = _Value(new("Add", {}, [v.layer for v in data], name=n.name or "add").id, layout.pop())
        elif op == "Concat":
            axis = int(attrs["axis"])
            layouts = {v.layout for v in data}
            if len(layouts) != 1:
                raise ModelImportError(f"Concat {n.name!r} joins tensors of different layouts")
            layout = layouts.pop()
            if axis < 0:
                raise ModelImportError(f"Concat {n.name!r} with a negative axis is not supported")
            if layout == "nchw":
                axis = NCHW_TO_NHWC_AXIS[axis]
            values[out] = _Value(new("Concatenate", {"axis": axis - 1}, [v.layer for v in data],
                                     name=n.name or "concatenate").id, layout)
        elif op in ACTIVATIONS:
            act = ACTIVATIONS[op]
            params = {}
            if op == "LeakyRelu":
                params = {"negative_slope": float(attrs.get("alpha", 0.01))}
            if op == "Elu":
                params = {"alpha": float(attrs.get("alpha", 1.0))}
            if op == "Softmax" and int(attrs.get("axis", -1)) not in (-1, 1 if x.layout == "nchw" else -1):
                raise ModelImportError(f"Softmax {n.name!r} over an axis other than the channels")
            owner = layers.get(x.layer)
            if owner is not None and owner.type in ("Dense", "Conv2D") and owner.params.get("activation") == \
                    "linear" and consumers.get(n.input[0], 0) == 1 and not _has_pending_bias(g, n.input[0]):
                owner.params["activation"] = act
                if params:
                    owner.params["activation_params"] = params
                values[out] = x
            else:
                layer = new("Activation", {"activation": act, **({"activation_params": params} if params else {})},
                            [x.layer], name=n.name or act)
                values[out] = _Value(layer.id, x.layout)
        elif op == "Flatten":
            if x.layout != "nhwc" and len(input_shape) > 1:
                raise ModelImportError(f"Flatten {n.name!r} of a channels-first tensor: the order of its features "
                                       "differs from Network Designer's (channels-last)")
            values[out] = _Value(new("Flatten", {}, [x.layer], name=n.name or "flatten").id)
        elif op == "Conv":
            values[out] = _conv(n, attrs, x, consts, new)
        elif op == "MaxPool":
            values[out] = _pool(n, attrs, x, new)
        elif (read := reader("onnx", op)) is not None:  # a layer type that reads its own operator
            params, weights = read(n, attrs, consts)
            layer = new(op, params, [x.layer], weights, n.name.split("/")[0] or None)
            values[out] = _Value(layer.id, x.layout)
    out_value = values.get(g.output[0].name)
    if out_value is None or out_value.layer == input_id:
        raise ModelImportError("the model's output is not computed by any layer")
    extra = {"imported_from": {"format": "onnx", "file": path.name}}
    if spec is not None:
        extra["imported_from"]["preprocessing"] = spec
    project = to_project(g.name or path.stem, input_id, input_shape, order, extra)
    _apply_spec(project, spec)
    return project


def _has_pending_bias(g, tensor: str) -> bool:
    """True when `tensor` is a MatMul's output whose bias Add comes next (the activation must wait)."""
    return any(n.op_type == "Add" and tensor in n.input for n in g.node)


def _known(n) -> bool:
    if n.name.startswith(("preprocessing/", "target/")):
        return True
    return n.op_type in {"Identity", "Dropout", "Transpose", "Gemm", "MatMul", "Add", "Sum", "Concat", "Flatten",
                         "Conv", "MaxPool", "Constant", *ACTIVATIONS} | readable("onnx")


def _attr(a):
    from onnx import helper

    return helper.get_attribute_value(a)


def _conv(n, attrs, x, consts, new):
    if x.layout != "nchw":
        raise ModelImportError(f"Conv {n.name!r} on a channels-last tensor")
    w = consts[n.input[1]]  # OIHW
    if int(attrs.get("group", 1)) != 1 or any(d != 1 for d in attrs.get("dilations", [1, 1])):
        raise ModelImportError(f"Conv {n.name!r} with groups or dilations has no counterpart")
    kernel = [int(k) for k in w.shape[2:]]
    strides = [int(s) for s in attrs.get("strides", [1, 1])]
    if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise ModelImportError(f"Conv {n.name!r} uses auto_pad")
    weights = {"kernel": w.transpose(2, 3, 1, 0)}
    if len(n.input) > 2:
        weights["bias"] = consts[n.input[2]]
    pads = [int(p) for p in attrs.get("pads", [0, 0, 0, 0])]
    layer = new("Conv2D", {"filters": int(w.shape[0]), "kernel_size": kernel, "strides": strides,
                           "padding": ("pending", pads), "use_bias": "bias" in weights, "activation": "linear"},
                [x.layer], weights, n.name.split("/")[0] or None)
    return _Value(layer.id, "nchw")


def _pool(n, attrs, x, new):
    if x.layout != "nchw":
        raise ModelImportError(f"MaxPool {n.name!r} on a channels-last tensor")
    kernel = [int(k) for k in attrs["kernel_shape"]]
    strides = [int(s) for s in attrs.get("strides", kernel)]
    pads = [int(p) for p in attrs.get("pads", [0, 0, 0, 0])]
    layer = new("MaxPooling2D", {"pool_size": kernel, "strides": strides, "padding": ("pending", pads)},
                [x.layer], name=n.name or "maxpool")
    return _Value(layer.id, "nchw")


def _apply_spec(project, spec) -> None:
    if spec is None:
        return
    project.data = dict(project.data, task=spec.get("task") or project.data.get("task"),
                        target=spec.get("target") or project.data.get("target"))
    if spec.get("loss"):
        project.training = dict(project.training, loss=spec["loss"])
