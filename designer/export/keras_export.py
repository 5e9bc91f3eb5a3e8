"""Export a trained network as Keras 3 code: model.py (the same DAG in the functional API, a weight loader and
prepare(rows)), weights.npz, and preprocessing.json when the project's data could be prepared.

The engine follows Keras's conventions (channels-last tensors, HWIO convolution kernels, Keras's
BatchNormalization momentum), so weights go in unchanged: Dense and Conv2D take [kernel, bias], BatchNormalization
[gamma, beta, moving_mean, moving_variance]. Nothing generated imports designer; any Keras backend works.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from designer.errors import ExportError
from designer.export.plan import (
    LAYER_TYPES_EXPORTED,
    ExportPlan,
    Step,
    concat_axis,
    pair,
    python_identifiers,
    strides_of,
)
from designer.export.preprocessing import rows_api, spec_json
from designer.export.pytorch_export import code_destination
from designer.export.source import identifier, literal, plan_constants
from designer.export.staging import write_all

# activations Keras knows by the same name with the same maths
_KERAS_NAMED = {"relu", "sigmoid", "tanh", "softmax", "silu", "softplus"}
# names the generated module uses itself: never a layer variable
_RESERVED = {"keras", "layers", "np", "json", "os", "csv", "model", "build_model", "load_weights", "load_model",
             "target_unscaled", "TARGET_SCALING",
             "prepare", "prepare_rows", "gelu_tanh", "path", "x", "INPUT_SHAPE"}



def _activation_layer(name: str, params: dict, layer_name: str) -> str | None:
    """Source of a Keras layer computing activation `name`, or None for linear."""
    if name == "linear":
        return None
    if name in _KERAS_NAMED:
        return f'layers.Activation({literal(name)}, name={literal(layer_name)})'
    if name == "leaky_relu":
        slope = float(params.get("negative_slope", 0.01))
        return f"layers.LeakyReLU(negative_slope={slope!r}, name={literal(layer_name)})"
    if name == "elu":
        return f'layers.ELU(alpha={float(params.get("alpha", 1.0))!r}, name={literal(layer_name)})'
    if name == "gelu":
        return f'layers.Activation(gelu_tanh, name={literal(layer_name)})'
    raise ExportError(f'Keras export does not support the activation "{name}"')


def _layer_lines(s: Step, var: str, args: list[str]) -> list[str]:
    """Functional-API lines assigning `var` for one step."""
    p = s.params
    x = args[0]
    act = p.get("activation", "linear")
    act_params = p.get("activation_params") or {}
    if s.type in ("Dense", "Conv2D"):
        inline = act if act in _KERAS_NAMED or act == "linear" else "linear"
        bias = bool(p.get("use_bias", True))
        if s.type == "Dense":
            ctor = f'layers.Dense({p["units"]}, activation={literal(inline)}, use_bias={bias}, name={literal(var)})'
        else:
            kh, kw = pair(p["kernel_size"])
            sh, sw = strides_of(s, "kernel_size")
            ctor = (
                f'layers.Conv2D({p["filters"]}, kernel_size=({kh}, {kw}), strides=({sh}, {sw}), '
                f'padding={literal(p.get("padding", "valid"))}, activation={literal(inline)}, use_bias={bias}, '
                f"name={literal(var)})"
            )
        lines = [f"{var} = {ctor}({x})"]
        if inline != act:
            lines.append(f"{var} = {_activation_layer(act, act_params, f'{var}_act')}({var})")
        return lines
    if s.type == "Activation":
        layer = _activation_layer(p.get("activation", "relu"), act_params, var)
        return [f"{var} = {layer}({x})" if layer else f"{var} = {x}"]
    if s.type == "Dropout":
        return [f'{var} = layers.Dropout({float(p.get("rate", 0.5))!r}, name={literal(var)})({x})']
    if s.type == "Flatten":
        return [f'{var} = layers.Flatten(name={literal(var)})({x})']
    if s.type == "Add":
        return [f'{var} = layers.Add(name={literal(var)})([{", ".join(args)}])']
    if s.type == "Concatenate":
        return [f'{var} = layers.Concatenate(axis={concat_axis(s)}, name={literal(var)})([{", ".join(args)}])']
    if s.type == "MaxPooling2D":
        kh, kw = pair(p["pool_size"])
        sh, sw = strides_of(s, "pool_size")
        return [
            f'{var} = layers.MaxPooling2D(pool_size=({kh}, {kw}), strides=({sh}, {sw}), '
            f'padding={literal(p.get("padding", "valid"))}, name={literal(var)})({x})'
        ]
    if s.type == "BatchNormalization":
        return [
            f'{var} = layers.BatchNormalization(axis=-1, momentum={float(p.get("momentum", 0.99))!r}, '
            f'epsilon={float(p.get("epsilon", 0.001))!r}, name={literal(var)})({x})'
        ]
    raise ExportError(f'Keras export does not support layer type {s.type} (layer "{s.id}")')


_LOADER = '''

def load_weights(model, path=None):
    """Set the weights of the .npz ("<layer id>/<name>", the project's format; WEIGHTS_FILE beside this file
    unless `path`) in Keras's order: Dense/Conv2D [kernel, bias], BatchNormalization [gamma, beta,
    moving_mean, moving_variance]. Kernels are already Keras's layout (Dense (in, out), Conv2D HWIO)."""
    if path is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), WEIGHTS_FILE)
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    for layer_name, node_id, kind in WEIGHT_LAYERS:
        if kind == "bn":
            names = ["gamma", "beta", "moving_mean", "moving_variance"]
        else:
            names = ["kernel"] + (["bias"] if node_id + "/bias" in arrays else [])
        model.get_layer(layer_name).set_weights([arrays[node_id + "/" + n] for n in names])
    return model


def load_model(path=None):
    """The network with its trained weights (weights.npz beside this file unless `path` is given)."""
    return load_weights(build_model(), path)


def gelu_tanh(x):
    """GELU in its tanh approximation, the form Network Designer trains with."""
    return keras.activations.gelu(x, approximate=True)
'''


def render_model(plan: ExportPlan, weights_file: str, preprocessing_file: str | None = None) -> str:
    names = python_identifiers(plan, _RESERVED, reserved_suffix="_act")
    body = [f"{names[plan.input_id]} = keras.Input(shape=INPUT_SHAPE, name={literal(names[plan.input_id])})"]
    weight_layers = []
    for s in plan.steps:
        body.extend(_layer_lines(s, names[s.id], [names[i] for i in s.inputs]))
        kind = {"Dense": "dense", "Conv2D": "conv", "BatchNormalization": "bn"}.get(s.type)
        if kind:
            weight_layers.append((names[s.id], s.id, kind))
    model_name = identifier(plan.name)
    out = names[plan.output_id]
    if plan.target_scaling is not None:  # trained on the standardised target: answer in the target's own units
        one = len(plan.target_scaling[0]) == 1  # a scalar Rescaling for one target, per-unit lists otherwise
        scale, mean = ("TARGET_SCALING[1][0]", "TARGET_SCALING[0][0]") if one else ("TARGET_SCALING[1]",
                                                                                      "TARGET_SCALING[0]")
        body.append(f'target_unscaled = layers.Rescaling(scale={scale}, offset={mean}, name="target_unscaled")({out})')
        out = "target_unscaled"
    body.append(f"return keras.Model({names[plan.input_id]}, {out}, name={literal(model_name)})")
    lines = [
        '"""Keras 3 model for the network NETWORK_NAME, generated by Network Designer.',
        "",
        "    from model import load_model, prepare",
        "    model = load_model()                      # the functional model with the trained weights",
        '    y = model.predict(prepare("rows.csv"))    # raw rows: a CSV path or a list of dicts',
        "",
        "Inputs and outputs are channels-last (Keras's default): x of shape (batch, *INPUT_SHAPE), prepared like",
        "the training data; prepare(rows) does that from raw rows with the preparation fitted in training",
        "(preprocessing.json beside this file). Works with any Keras 3 backend (TensorFlow, JAX, PyTorch).",
        '"""',
        "",
        "import csv",
        "import json",
        "import os",
        "",
        "import keras",
        "import numpy as np",
        "from keras import layers",
        "",
        *plan_constants(plan, weights_file),
        "# (Keras layer name, layer id in the project, kind) of every layer with weights",
        f"WEIGHT_LAYERS = {literal(weight_layers, 'the layer names')}",
        rows_api(preprocessing_file),
        "",
        "def build_model():",
        '    """The network as a Keras functional model (fresh weights: see load_model)."""',
        *(f"    {line}" for line in body),
        _LOADER,
    ]
    return "\n".join(lines)


def _weights_npz(plan: ExportPlan) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **{f"{s.id}/{name}": arr for s in plan.steps for name, arr in s.arrays.items()})
    return buf.getvalue()


def export_keras(plan: ExportPlan, out_path: Path) -> list[Path]:
    plan.require_types(LAYER_TYPES_EXPORTED, "Keras")
    folder, model_file = code_destination(Path(out_path), "Keras")
    stem = Path(model_file).stem
    weights_file = "weights.npz" if model_file == "model.py" else f"{stem}_weights.npz"
    spec_file = None
    if plan.preprocessing is not None:
        spec_file = "preprocessing.json" if model_file == "model.py" else f"{stem}_preprocessing.json"
    source = render_model(plan, weights_file, spec_file)
    files = [(model_file, source.encode("utf-8")), (weights_file, _weights_npz(plan))]
    if spec_file is not None:
        files.append((spec_file, spec_json(plan.preprocessing)))
    return write_all(folder, files)  # all or nothing
