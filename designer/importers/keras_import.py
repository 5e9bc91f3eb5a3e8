"""Keras 3 `.keras` → project, without Keras and without running anything from the file.

A `.keras` file is a zip of `config.json` (the architecture as JSON) and `model.weights.h5` (arrays). We read the
JSON ourselves and the arrays with h5py; keras.saving.load_model is never called, so a Lambda layer, a custom
object or a registered function in the file is only a name in a list of what is not supported.
Layers that map: InputLayer, Dense, Activation, ReLU/LeakyReLU/ELU/Softmax, Dropout, Flatten, Conv2D, MaxPooling2D,
Add, Concatenate, and those a layer type reads itself (its `imports` hook: batch normalisation), channels-last
as the engine.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from designer.importers.common import MAX_FILE_BYTES, Layer, ModelImportError, safe_id, to_project, unsupported
from designer.importers.layers import readable, reader

MAX_CONFIG_BYTES = 64 * 1024**2
# Keras activation names → the app's (name, params); Keras's gelu is the exact erf form, the app's the tanh one
ACTIVATIONS = {"linear": ("linear", {}), "relu": ("relu", {}), "sigmoid": ("sigmoid", {}), "tanh": ("tanh", {}),
               "softmax": ("softmax", {}), "elu": ("elu", {"alpha": 1.0}), "silu": ("silu", {}),
               "swish": ("silu", {}), "softplus": ("softplus", {}),
               "leaky_relu": ("leaky_relu", {"negative_slope": 0.2})}


def supported() -> set[str]:
    """The Keras classes this importer reads: its own readers' and those a layer type reads itself."""
    return {"InputLayer", *_READERS} | readable("keras")


def snake_case(name: str) -> str:
    """Keras's own rule for the names its weight file stores layers under (keras.src.utils.naming)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _read(path: Path) -> tuple[dict, bytes]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ModelImportError(f"{path.name} is larger than {MAX_FILE_BYTES // 1024**3} GB: not imported")
    try:
        with zipfile.ZipFile(path) as z:
            sizes = {i.filename: i.file_size for i in z.infolist()}
            if "config.json" not in sizes or "model.weights.h5" not in sizes:
                raise ModelImportError(f"{path.name} is not a Keras 3 model file (no config.json and "
                                       "model.weights.h5 inside)")
            if sizes["config.json"] > MAX_CONFIG_BYTES or sizes["model.weights.h5"] > MAX_FILE_BYTES:
                raise ModelImportError(f"{path.name} unpacks to more than its parts may hold: not imported")
            config = json.loads(z.read("config.json").decode("utf-8"))
            weights = z.read("model.weights.h5")
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise ModelImportError(f"{path.name} is not a readable .keras file ({type(err).__name__})") from None
    if not isinstance(config, dict):
        raise ModelImportError(f"{path.name}: config.json is not a model description")
    return config, weights


def import_keras(path: Path):
    config, weight_bytes = _read(path)
    cls = config.get("class_name")
    if cls not in ("Sequential", "Functional"):
        raise unsupported("Keras model", [str(cls)])
    body = config.get("config") or {}
    specs = body.get("layers")
    if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
        raise ModelImportError(f"{path.name}: config.json lists no layers")
    bad = [str(s.get("class_name")) for s in specs if s.get("class_name") not in supported()]
    bad += [f"activation {a}" for a in (_activation_name(s) for s in specs) if a is not None and a not in ACTIVATIONS]
    if bad:
        raise unsupported("Keras model", bad)
    try:
        import h5py
    except ImportError:
        # the installers leave h5py out (16 MB over their size budget); ONNX import needs nothing more
        raise ModelImportError(f"{path.name}: reading a .keras file's weights needs h5py, which this installation "
                               "does not have: pip install h5py, or save the model as ONNX (tf2onnx) and import "
                               "that") from None
    try:
        with h5py.File(io.BytesIO(weight_bytes), "r") as h5:
            arrays = _arrays(h5, specs)
    except OSError as err:
        raise ModelImportError(f"{path.name}: model.weights.h5 is not readable ({err})") from None
    used: set[str] = set()
    ids: dict[str, str] = {}
    layers: list[Layer] = []
    input_id, input_shape = None, None
    previous = None
    for i, spec in enumerate(specs):
        c = spec.get("config") or {}
        name = str(c.get("name") or spec.get("name") or spec["class_name"])
        if spec["class_name"] == "InputLayer":
            if input_id is not None:
                raise ModelImportError("the model has more than one input; Network Designer networks have one")
            shape = c.get("batch_shape") or c.get("batch_input_shape")
            if not shape or any(d is None for d in shape[1:]):
                raise ModelImportError("the model's input shape is not fixed (apart from the batch axis)")
            input_id, input_shape = safe_id(name, used), [int(d) for d in shape[1:]]
            ids[name] = previous = input_id
            continue
        if input_id is None:  # a Sequential built from its first layer's input_shape
            shape = (spec.get("build_config") or {}).get("input_shape")
            if cls != "Sequential" or not shape or any(d is None for d in shape[1:]):
                raise ModelImportError("the model has no InputLayer with a fixed shape: build it with "
                                       "keras.Input(shape)")
            input_id, input_shape = safe_id("input_1", used), [int(d) for d in shape[1:]]
            previous = input_id
        sources = [previous] if cls == "Sequential" else [ids.get(n) for n in _inbound(spec)]
        if not sources or any(s is None for s in sources):
            raise ModelImportError(f'layer "{name}" takes its input from a layer the file does not define first')
        type_name, params, weights = _layer(spec["class_name"], c, arrays[i], name)
        lid = safe_id(name, used)
        layers.append(Layer(lid, type_name, params, sources, weights))
        ids[name] = previous = lid
    outputs = body.get("output_layers")
    if cls == "Functional" and outputs:
        out_names = _history_names(outputs)
        if len(out_names) != 1:
            raise ModelImportError(f"the model has {len(out_names)} outputs; Network Designer networks have one")
    return to_project(str(body.get("name") or path.stem), input_id, input_shape, layers,
                      {"imported_from": {"format": "keras", "file": path.name}})


def _activation_name(spec: dict):
    c = spec.get("config") or {}
    if spec.get("class_name") not in ("Dense", "Conv2D", "Activation"):
        return None
    act = c.get("activation", "linear")
    return act if isinstance(act, str) else "custom function"


def _history_names(obj) -> list[str]:
    """The layer names in keras_history entries (and [name, node, tensor] triples) anywhere inside `obj`."""
    out: list[str] = []
    if isinstance(obj, dict):
        hist = (obj.get("config") or {}).get("keras_history") if obj.get("class_name") == "__keras_tensor__" else None
        if hist:
            out.append(str(hist[0]))
        else:
            for v in obj.values():
                out += _history_names(v)
    elif isinstance(obj, list):
        if len(obj) == 3 and isinstance(obj[0], str) and all(isinstance(v, int) for v in obj[1:]):
            out.append(obj[0])
        else:
            for v in obj:
                out += _history_names(v)
    return out


def _inbound(spec: dict) -> list[str]:
    nodes = spec.get("inbound_nodes") or []
    if len(nodes) != 1:
        raise ModelImportError(f'layer "{spec.get("name")}" is used {len(nodes)} times: shared layers are not '
                               "supported")
    return _history_names(nodes[0])


def _arrays(h5, specs) -> list[list]:
    """Each layer's stored arrays in order, found where Keras stores them: layers/<snake_case class>[_N]/vars."""
    counts: dict[str, int] = {}
    out = []
    for spec in specs:
        base = snake_case(str(spec.get("class_name")))
        n = counts.get(base, 0)
        counts[base] = n + 1
        key = f"layers/{base}" if n == 0 else f"layers/{base}_{n}"
        group = h5.get(f"{key}/vars")
        out.append([] if group is None else [group[str(k)][()] for k in range(len(group))])
    return out


def _act(c: dict):
    name, params = ACTIVATIONS[c.get("activation", "linear")]
    return {"activation": name, **({"activation_params": dict(params)} if params else {})}


def _pair(v):
    return [int(v), int(v)] if isinstance(v, int) else [int(d) for d in v]


def _weighted(c: dict, arrays: list) -> dict:
    return {"kernel": arrays[0]} | ({"bias": arrays[1]} if c.get("use_bias", True) else {})


def _dense(c, arrays, name):
    return "Dense", {"units": int(c["units"]), "use_bias": bool(c.get("use_bias", True)), **_act(c)}, \
        _weighted(c, arrays)


def _conv2d(c, arrays, name):
    if _pair(c.get("dilation_rate", 1)) != [1, 1] or int(c.get("groups", 1)) != 1:
        raise ModelImportError(f'layer "{name}": dilated or grouped convolutions are not supported')
    return "Conv2D", {"filters": int(c["filters"]), "kernel_size": _pair(c["kernel_size"]),
                      "strides": _pair(c.get("strides", 1)), "padding": c.get("padding", "valid"),
                      "use_bias": bool(c.get("use_bias", True)), **_act(c)}, _weighted(c, arrays)


def _max_pooling2d(c, arrays, name):
    pool = _pair(c.get("pool_size", 2))
    return "MaxPooling2D", {"pool_size": pool, "strides": _pair(c.get("strides") or pool),
                            "padding": c.get("padding", "valid")}, {}


def _relu(c, arrays, name):
    if c.get("max_value") is not None or float(c.get("negative_slope", 0.0)) or float(c.get("threshold", 0.0)):
        raise ModelImportError(f'layer "{name}": a ReLU with max_value, slope or threshold is not supported')
    return "Activation", {"activation": "relu"}, {}


def _leaky_relu(c, arrays, name):
    slope = c.get("negative_slope", c.get("alpha", 0.3))
    return "Activation", {"activation": "leaky_relu", "activation_params": {"negative_slope": float(slope)}}, {}


def _softmax(c, arrays, name):
    if c.get("axis", -1) not in (-1, [-1]):
        raise ModelImportError(f'layer "{name}": Softmax over an axis other than the last')
    return "Activation", {"activation": "softmax"}, {}


def _concatenate(c, arrays, name):
    axis = int(c.get("axis", -1))
    return "Concatenate", {"axis": axis if axis < 0 else axis - 1}, {}


# Keras class → reader(config, arrays, layer name) -> (layer type, params, weights); a layer type may also
# read its own Keras class (its LayerType's `imports` hook, designer.importers.layers).
_READERS = {
    "Dense": _dense,
    "Conv2D": _conv2d,
    "MaxPooling2D": _max_pooling2d,
    "Activation": lambda c, arrays, name: ("Activation", _act(c), {}),
    "ReLU": _relu,
    "LeakyReLU": _leaky_relu,
    "ELU": lambda c, arrays, name: ("Activation", {"activation": "elu",
                                                   "activation_params": {"alpha": float(c.get("alpha", 1.0))}}, {}),
    "Softmax": _softmax,
    "Dropout": lambda c, arrays, name: ("Dropout", {"rate": float(c.get("rate", 0.5))}, {}),
    "Flatten": lambda c, arrays, name: ("Flatten", {}, {}),
    "Add": lambda c, arrays, name: ("Add", {}, {}),
    "Concatenate": _concatenate,
}


def _layer(cls: str, c: dict, arrays: list, name: str):
    if c.get("data_format", "channels_last") != "channels_last":
        raise ModelImportError(f'layer "{name}" is channels-first; Network Designer is channels-last')
    read = _READERS.get(cls)
    if read is not None:
        return read(c, arrays, name)
    own = reader("keras", cls)
    if own is not None:
        params, weights = own(cls, c, arrays, name)
        return cls, params, weights
    raise unsupported("Keras model", [cls])
