"""Export a trained network as one standalone Python file that predicts with NumPy alone.

The generated file holds a fixed runtime (the layer maths at inference: dropout is identity, batch
normalisation uses the moving statistics), the network as a JSON list of steps, and the weights as a
base64 .npz — or, above `EMBED_LIMIT` bytes, an .npz beside the .py file. It imports nothing from designer.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np

from designer.errors import ExportError
from designer.export import layers as _built_in  # noqa: F401  (registers the built-in types' emitters)
from designer.export.emitters import emitter, require_all
from designer.export.plan import ExportPlan
from designer.export.preprocessing import RUNTIME_SOURCE
from designer.export.source import literal
from designer.fileio import atomic_write_bytes

EMBED_LIMIT = 16 * 1024 * 1024  # bytes of weights kept inside the .py file

_RUNTIME = r'''
def _act(name, p, x):
    if name == "linear":
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 0.5 * (1 + np.tanh(0.5 * x))
    if name == "tanh":
        return np.tanh(x)
    if name == "leaky_relu":
        return np.where(x > 0, x, x * np.float32(p.get("negative_slope", 0.01)))
    if name == "elu":
        return np.where(x > 0, x, np.float32(p.get("alpha", 1.0)) * np.expm1(np.minimum(x, 0)))
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if name == "gelu":
        c = np.float32(np.sqrt(2 / np.pi))
        return 0.5 * x * (1 + np.tanh(c * (x + np.float32(0.044715) * x * x * x)))
    if name == "silu":
        return x * (0.5 * (1 + np.tanh(0.5 * x)))
    if name == "softplus":
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    raise ValueError("unknown activation " + name)


def _windows(x, kh, kw, sh, sw, oh, ow):
    """Yield (i, j, view) for each kernel offset: the input pixels it meets at every output position."""
    for i in range(kh):
        for j in range(kw):
            yield i, j, x[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :]


def _pad(x, pads, value):
    t, b, l, r = pads
    if not (t or b or l or r):
        return x
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=value)


def _step(s, xs):
    fn = LAYER_FUNCTIONS.get(s["type"])
    if fn is None:
        raise ValueError("unknown layer type " + s["type"])
    return fn(s, xs)


def _forward(x):
    values = {INPUT_ID: x}
    for s in STEPS:
        values[s["id"]] = _step(s, [values[i] for i in s["inputs"]])
        for i in s["inputs"]:
            if LAST_USE.get(i) == s["id"]:
                del values[i]  # free what no later layer needs
    return values[OUTPUT_ID]


def predict(x, batch_size=1024):
    """Network outputs for `x`: (n, *INPUT_SHAPE), or (n, features) reshaped in C order.

    `x` must be prepared like the training data (same encoding and scaling)."""
    x = np.asarray(x, dtype=np.float32)
    n_in = int(np.prod(INPUT_SHAPE))
    if x.ndim == 1 and x.size == n_in:
        x = x[None, :]  # one sample
    if x.ndim < 2 or int(np.prod(x.shape[1:])) != n_in:
        raise ValueError("expected samples of shape %s, got an array of shape %s" % (list(INPUT_SHAPE), list(x.shape)))
    x = x.reshape((x.shape[0],) + tuple(INPUT_SHAPE))
    if len(x) == 0:
        return np.zeros((0,) + tuple(OUTPUT_SHAPE), np.float32)
    out = np.concatenate([_forward(x[i : i + batch_size]) for i in range(0, len(x), batch_size)], axis=0)
    if TARGET_SCALING is not None:  # trained on the standardised target: answer in the target's own units
        mean, scale = TARGET_SCALING
        out = (out * np.asarray(scale, np.float32) + np.asarray(mean, np.float32)).astype(np.float32)
    return out


def predict_classes(x, batch_size=1024):
    """Class labels (classification exports that know their classes) or class indices."""
    out = predict(x, batch_size)
    idx = (out[:, 0] > THRESHOLD).astype(int) if out.shape[-1] == 1 else out.argmax(axis=-1)
    return [CLASSES[i] for i in idx] if CLASSES else idx


def _require_preprocessing():
    if PREPROCESSING is None:
        raise RuntimeError("this predictor was exported without the project's data preparation (its data could "
                           "not be read): give predict() inputs prepared like the training data")
    return PREPROCESSING


def prepare(rows):
    """Raw rows (list of dicts keyed by the original column names, one dict, or a CSV path) → network inputs
    (n, *INPUT_SHAPE): missing values filled, categories one-hot encoded, numbers scaled as in training."""
    x = prepare_rows(rows, _require_preprocessing())
    return x.reshape((x.shape[0],) + tuple(INPUT_SHAPE))


def predict_rows(rows, batch_size=1024):
    """Predictions for raw rows (see prepare). Classification: (class labels, probabilities of shape
    (n, len(CLASSES))). Regression: the predicted values, shape (n, outputs)."""
    spec = _require_preprocessing()
    out = predict(prepare(rows), batch_size)
    out = out.reshape(out.shape[0], -1)
    if spec["task"] != "classification":
        return out
    labels = [spec["classes"][i] for i in class_indices(out, spec["loss"])]
    return labels, class_probabilities(out, spec["loss"])


def predictions_table(rows):
    """(header, columns) of the predictions for raw rows, named as Network Designer's predict command names them."""
    spec = _require_preprocessing()
    target = spec["target"]
    result = predict_rows(rows)
    if spec["task"] != "classification":
        if result.shape[1] == 1:
            return [target + "_predicted"], [result[:, 0]]
        return ["%s_%d" % (target, i) for i in range(result.shape[1])], [result[:, i] for i in range(result.shape[1])]
    labels, probs = result
    header = [target] + ["p_" + str(c) for c in spec["classes"]]
    columns = [labels] + [np.round(probs[:, j], 6) for j in range(probs.shape[1])]
    if is_image_input(rows, spec):  # raw image files: which file each prediction is for comes first
        return ["file"] + header, [image_files(rows, spec)] + columns
    return header, columns


if __name__ == "__main__":
    import sys

    args = sys.argv[1:]
    prepared = "--prepared" in args
    args = [a for a in args if a != "--prepared"]
    images = PREPROCESSING is not None and is_image_input(args, PREPROCESSING)
    if len(args) != 1 and not images:
        sys.exit("usage: python %s ROWS.csv  (raw rows with the training columns; prints predictions as CSV)\n"
                 "       python %s IMAGE_OR_FOLDER ...  (an image project: PNG/JPEG/BMP files; needs Pillow)\n"
                 "       python %s --prepared FEATURES.csv|FEATURES.npy  (prepared inputs; prints the network "
                 "outputs)" % (sys.argv[0], sys.argv[0], sys.argv[0]))
    path = args if images else args[0]
    if hasattr(sys.stdout, "reconfigure"):  # UTF-8 and "\n" everywhere (a Windows pipe: cp1252 and "\r\n")
        sys.stdout.reconfigure(encoding="utf-8", newline="\n")
    npy = not images and path.lower().endswith(".npy")
    if npy or prepared or PREPROCESSING is None:
        data = np.load(path, allow_pickle=False) if npy else np.loadtxt(path, delimiter=",", ndmin=2)
        np.savetxt(sys.stdout, predict(data), delimiter=",", fmt="%.7g")
    else:
        try:
            header, columns = predictions_table(path)
        except (OSError, ValueError) as err:
            sys.exit("error: %s" % err)
        write_predictions_csv(sys.stdout, header, columns)
'''


def _step_record(step) -> dict:
    rec = {"id": step.id, "type": step.type, "inputs": list(step.inputs), "out_shape": list(step.out_shape)}
    rec.update(emitter("numpy", step).fields(step))
    return rec


def _layer_functions(plan: ExportPlan) -> str:
    """The runtime function of each layer type the plan uses (from its emitter) and the table naming them."""
    used = {s.type: emitter("numpy", s) for s in plan.steps}
    table = ", ".join(f"{literal(t)}: {layer.function}" for t, layer in used.items())
    return "".join(layer.source + "\n" for layer in used.values()) + f"\nLAYER_FUNCTIONS = {{{table}}}\n"


def _weights_npz(plan: ExportPlan) -> bytes:
    buf = io.BytesIO()
    arrays = {f"{s.id}/{name}": arr for s in plan.steps for name, arr in s.arrays.items()}
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def _last_uses(plan: ExportPlan) -> dict[str, str]:
    last: dict[str, str] = {}
    for s in plan.steps:
        for i in s.inputs:
            last[i] = s.id
    return last


def render(plan: ExportPlan, weights_file: str | None, weights_bytes: bytes | None) -> str:
    """The predictor's source. Exactly one of weights_file (a sibling .npz name) or weights_bytes is given."""
    # user data (names, labels, columns, parameters) enters the source only through literal(): see source.py
    header = [
        '"""Standalone NumPy predictor for the network NETWORK_NAME, exported by Network Designer.',
        "",
        "Needs only NumPy:",
        "    from <this module> import predict_rows, predict, predict_classes",
        '    labels, probabilities = predict_rows("rows.csv")   # raw rows: a CSV path or a list of dicts',
        "    outputs = predict(x)   # x prepared like the training data (same encoding and scaling)",
        "or from a shell: python <this file> rows.csv   (prints the predictions as CSV)",
        "predict_rows fills missing values, one-hot encodes categories and scales exactly as training did",
        "(PREPROCESSING below); a category not seen in training is encoded as all zeros.",
        '"""',
        "",
        "import base64",
        "import csv",
        "import io",
        "import os",
        "",
        "import numpy as np",
        "",
        f"NETWORK_NAME = {literal(plan.name, 'the project name')}",
        f"INPUT_SHAPE = {literal(tuple(plan.input_shape))}",
        f"OUTPUT_SHAPE = {literal(tuple(plan.output_shape))}",
        f"TASK = {literal(plan.task)}",
        f"CLASSES = {literal(plan.classes, 'the class labels')}",
        "THRESHOLD = 0.0" if plan.loss == "hinge" else "THRESHOLD = 0.5",
        f"INPUT_ID = {literal(plan.input_id)}",
        f"OUTPUT_ID = {literal(plan.output_id)}",
        f"STEPS = {literal([_step_record(s) for s in plan.steps], 'the layers')}",
        f"LAST_USE = {literal(_last_uses(plan))}",
        "# (mean, scale) of the target fitted on the training split: outputs are y = out * scale + mean",
        f"TARGET_SCALING = {literal(plan.target_scaling, 'the target scaling')}",
        "# the data preparation fitted on the training split (None: exported without the project's data)",
        f"PREPROCESSING = {literal(plan.preprocessing, 'the data preparation')}",
        "",
    ]
    if weights_bytes is not None:
        b64 = base64.b64encode(weights_bytes).decode("ascii")
        chunks = "\n".join(f'    "{b64[i : i + 100]}"' for i in range(0, len(b64), 100))
        header += [
            f"_WEIGHTS_B64 = (\n{chunks}\n)",
            "_source = io.BytesIO(base64.b64decode(_WEIGHTS_B64))",
        ]
    else:
        header += [
            f"_source = os.path.join(os.path.dirname(os.path.abspath(__file__)), {literal(weights_file)})",
        ]
    header += [
        "with np.load(_source, allow_pickle=False) as _z:",
        "    W = {k: _z[k].astype(np.float32) for k in _z.files}",
        "",
    ]
    return "\n".join(header) + "\n\n" + RUNTIME_SOURCE + "\n" + _layer_functions(plan) + "\n" + _RUNTIME


def export_python(plan: ExportPlan, out_path: Path) -> list[Path]:
    require_all(plan, "numpy")
    out_path = Path(out_path)
    if out_path.suffix.lower() != ".py":  # "MODEL.PY" too: Windows and macOS ignore case
        raise ExportError(f"the Python predictor must be written to a .py file, got {out_path}")
    weights = _weights_npz(plan)
    written = []
    if len(weights) > EMBED_LIMIT:
        npz_path = out_path.with_suffix(".npz")
        atomic_write_bytes(npz_path, weights, ExportError)
        written.append(npz_path)
        source = render(plan, npz_path.name, None)
    else:
        source = render(plan, None, weights)
    atomic_write_bytes(out_path, source.encode("utf-8"), ExportError)
    return [out_path, *written]
