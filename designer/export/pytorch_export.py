"""Export a trained network as PyTorch code: model.py (an nn.Module + weight loader), weights.npz, train.py,
and preprocessing.json (the fitted data preparation that model.prepare(rows) applies to raw rows) when the
project's data could be prepared.

`out_path` is a folder (created if missing, beside an existing parent) or a `.py` file name for the model,
in which case the weights and the training script are written beside it. The model takes and returns
channels-last tensors like the project's data; convolution, pooling and image batch normalisation permute
to channels-first around the torch call. Nothing generated imports designer.
"""

from __future__ import annotations

import io
import keyword
from pathlib import Path

import numpy as np

from designer.errors import ExportError
from designer.export import layers as _built_in  # noqa: F401  (registers the built-in types' emitters)
from designer.export.emitters import emitter, require_all
from designer.export.plan import ExportPlan, python_identifiers
from designer.export.preprocessing import rows_api, spec_json
from designer.export.source import literal, plan_constants
from designer.export.staging import write_all

_RESERVED = {
    "TARGET_SCALING",
    "forward",
    "training",
    "eval",
    "train",
    "modules",
    "parameters",
    "state_dict",
    "to",
    "cuda",
    "cpu",
    "float",
    "double",
    "half",
    "apply",
    "zero_grad",
    "children",
    "buffers",
    "type",
    "x",
    "np",
    "torch",
    "nn",
    "F",
    # names forward() itself uses: a layer called "self" must not shadow the module
    "self",
    "super",
    "to_nchw",
    "to_nhwc",
    "INPUT_SHAPE",
}



def _activation(name: str, params: dict, x: str) -> str:
    if name == "linear":
        return x
    if name == "relu":
        return f"F.relu({x})"
    if name == "sigmoid":
        return f"torch.sigmoid({x})"
    if name == "tanh":
        return f"torch.tanh({x})"
    if name == "leaky_relu":
        return f"F.leaky_relu({x}, {float(params.get('negative_slope', 0.01))!r})"
    if name == "elu":
        return f"F.elu({x}, {float(params.get('alpha', 1.0))!r})"
    if name == "softmax":
        return f"torch.softmax({x}, dim=-1)"
    if name == "gelu":
        return f'F.gelu({x}, approximate="tanh")'
    if name == "silu":
        return f"F.silu({x})"
    if name == "softplus":
        return f"F.softplus({x})"
    raise ExportError(f'PyTorch export does not support the activation "{name}"')


_HELPERS = """

def to_nchw(x):
    return x.permute(0, 3, 1, 2)


def to_nhwc(x):
    return x.permute(0, 2, 3, 1)
"""

_LOADER = '''

def load_weights(model, path):
    """Copy the arrays of a weights .npz ("<layer id>/<name>", the project's format) into `model`."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    with torch.no_grad():
        for attr, node_id, tensors in WEIGHT_LAYERS:
            module = getattr(model, attr)
            for tensor, name, perm in tensors:
                value = arrays[node_id + "/" + name]
                if perm is not None:
                    value = value.transpose(perm)
                getattr(module, tensor).copy_(torch.from_numpy(value.copy()))
    return model


def save_weights(model, path):
    """Write `model`'s weights back in the project's .npz format (e.g. to bring them into Network Designer)."""
    out = {}
    for attr, node_id, tensors in WEIGHT_LAYERS:
        module = getattr(model, attr)
        for tensor, name, perm in tensors:
            value = getattr(module, tensor).detach().cpu().numpy()
            out[node_id + "/" + name] = value if perm is None else value.transpose(np.argsort(perm))
    np.savez(path, **{k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()})


def load_model(path=None):
    """The model with the exported weights (weights.npz beside this file unless `path` is given), in eval mode."""
    if path is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), WEIGHTS_FILE)
    return load_weights(Net(), path).eval()
'''


def render_model(plan: ExportPlan, weights_file: str, preprocessing_file: str | None = None) -> str:
    names = python_identifiers(plan, _RESERVED)
    ctors: list[str] = []
    body: list[str] = []
    weight_layers = []
    body.append(f"{names[plan.input_id]} = x.reshape(x.shape[0], *INPUT_SHAPE)")
    for s in plan.steps:
        attr = names[s.id]
        layer = emitter("pytorch", s)(s, attr, [names[i] for i in s.inputs], _activation)
        if layer.ctor:
            ctors.append(f"self.{attr} = {layer.ctor}")
        body.append(f"{attr} = {layer.call}")
        if layer.tensors:
            weight_layers.append((attr, s.id, [list(t) for t in layer.tensors]))
    out = names[plan.output_id]
    if plan.target_scaling is not None:  # trained on the standardised target: answer in the target's own units
        body.append(f"return {out} * {out}.new_tensor(TARGET_SCALING[1]) + {out}.new_tensor(TARGET_SCALING[0])")
    else:
        body.append(f"return {out}")
    lines = [
        '"""PyTorch model for the network NETWORK_NAME, generated by Network Designer.',
        "",
        "Inputs and outputs are channels-last like the project's data: x of shape (batch, *INPUT_SHAPE), or",
        "(batch, features) reshaped in C order, prepared like the training data (same encoding and scaling).",
        "    model = load_model()            # trained weights from the .npz beside this file, eval mode",
        "    y = model(torch.as_tensor(x, dtype=torch.float32))",
        "prepare(rows) turns raw rows (a CSV path or a list of dicts keyed by column name) into such x with the",
        "data preparation fitted in training (preprocessing.json beside this file):",
        '    y = model(torch.from_numpy(prepare("rows.csv")))',
        '"""',
        "",
        "import csv",
        "import json",
        "import os",
        "",
        "import numpy as np",
        "import torch",
        "import torch.nn.functional as F",
        "from torch import nn",
        "",
        *plan_constants(plan, weights_file),
        "# (attribute, layer id in the project, [(tensor, array name, permutation from the project's layout)]) of",
        "# every layer with weights",
        f"WEIGHT_LAYERS = {literal(weight_layers, 'the layer names')}",
        rows_api(preprocessing_file),
        _HELPERS,
        "",
        "class Net(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        *(f"        {c}" for c in ctors or ["pass"]),
        "",
        "    def forward(self, x):",
        *(f"        {line}" for line in body),
        _LOADER,
    ]
    return "\n".join(lines)


_LOSSES = {
    "categorical_crossentropy": "lambda out, y: F.nll_loss(torch.log(out.clamp_min(1e-7)), y)  # softmax output",
    "binary_crossentropy": "lambda out, y: F.binary_cross_entropy(out.clamp(1e-7, 1 - 1e-7), y)",
    "hinge": "lambda out, y: torch.clamp(1 - y * out, min=0).mean()  # targets -1/+1",
    "mean_absolute_error": "lambda out, y: F.l1_loss(out, y)",
    "mean_squared_error": "lambda out, y: F.mse_loss(out, y)",
}


def _loss_source(training: dict) -> str:
    loss = training.get("loss", "mean_squared_error")
    if loss == "huber":
        delta = float(training.get("loss_params", {}).get("delta", training.get("delta", 1.0)) or 1.0)
        return f"lambda out, y: F.huber_loss(out, y, delta={delta!r})"
    return _LOSSES.get(loss, _LOSSES["mean_squared_error"])


def _optimizer_source(training: dict) -> str:
    o = dict(training.get("optimizer") or {"type": "sgd"})
    lr = float(o.get("learning_rate", 0.01))
    t = o.get("type", "sgd")
    # Keras and PyTorch place epsilon slightly differently in Adam/RMSprop; results agree closely, not exactly.
    if t == "adam":
        return (
            f"torch.optim.Adam(params, lr={lr!r}, betas=({float(o.get('beta_1', 0.9))!r}, "
            f"{float(o.get('beta_2', 0.999))!r}), eps={float(o.get('epsilon', 1e-7))!r})"
        )
    if t == "adamw":
        return (
            f"torch.optim.AdamW(params, lr={lr!r}, betas=({float(o.get('beta_1', 0.9))!r}, "
            f"{float(o.get('beta_2', 0.999))!r}), eps={float(o.get('epsilon', 1e-7))!r}, "
            f"weight_decay={float(o.get('weight_decay', 0.004))!r})"
        )
    if t == "rmsprop":
        return (
            f"torch.optim.RMSprop(params, lr={lr!r}, alpha={float(o.get('rho', 0.9))!r}, "
            f"eps={float(o.get('epsilon', 1e-7))!r})"
        )
    if t == "adagrad":
        return (
            f"torch.optim.Adagrad(params, lr={lr!r}, "
            f"initial_accumulator_value={float(o.get('initial_accumulator_value', 0.1))!r}, "
            f"eps={float(o.get('epsilon', 1e-7))!r})"
        )
    return (
        f"torch.optim.SGD(params, lr={lr!r}, momentum={float(o.get('momentum', 0.0))!r}, "
        f"nesterov={bool(o.get('nesterov', False))})"
    )


def render_train(plan: ExportPlan, model_module: str, weights_file: str) -> str:
    tr = plan.training or {}
    classification = plan.loss in ("categorical_crossentropy",)
    target = (
        "torch.as_tensor(y, dtype=torch.long)"
        if classification
        else "torch.as_tensor(y, dtype=torch.float32).reshape(len(y), -1)"
    )
    return "\n".join(
        [
            '"""Training-script skeleton for the model in this folder, generated by Network Designer.',
            "",
            "    python train.py DATA.npz [--epochs N] [--batch-size B] [--fresh]",
            "",
            "DATA.npz holds `x` (samples prepared like the project's training data: model.prepare(rows) makes",
            "them from raw rows) and `y` (class indices for",
            "categorical cross-entropy, else targets shaped like the output). It continues from the exported",
            "weights unless --fresh, and writes the result to trained_weights.npz in the project's format.",
            '"""',
            "",
            "import argparse",
            "import os",
            "",
            "import numpy as np",
            "import torch",
            "import torch.nn.functional as F",
            "",
            f"from {model_module} import Net, load_weights, save_weights",
            "",
            f"LOSS = {_loss_source(tr)}",
            "",
            "",
            "def make_optimizer(params):",
            f"    return {_optimizer_source(tr)}",
            "",
            "",
            "def main():",
            "    ap = argparse.ArgumentParser()",
            '    ap.add_argument("data")',
            f'    ap.add_argument("--epochs", type=int, default={int(tr.get("epochs", 10) or 10)})',
            f'    ap.add_argument("--batch-size", type=int, default={int(tr.get("batch_size", 32) or 32)})',
            '    ap.add_argument("--fresh", action="store_true", help="start from random weights")',
            "    args = ap.parse_args()",
            f"    torch.manual_seed({int(tr.get('seed', 0) or 0)})",
            "    with np.load(args.data, allow_pickle=False) as z:",
            '        x, y = z["x"], z["y"]',
            "    x = torch.as_tensor(x, dtype=torch.float32)",
            f"    y = {target}",
            "    model = Net()",
            "    if not args.fresh:",
            "        here = os.path.dirname(os.path.abspath(__file__))",
            f"        load_weights(model, os.path.join(here, {literal(weights_file)}))",
            "    opt = make_optimizer(model.parameters())",
            "    for epoch in range(1, args.epochs + 1):",
            "        model.train()",
            "        perm = torch.randperm(len(x))",
            "        total = 0.0",
            "        for i in range(0, len(x), args.batch_size):",
            "            idx = perm[i : i + args.batch_size]",
            "            opt.zero_grad()",
            "            loss = LOSS(model(x[idx]), y[idx])",
            "            loss.backward()",
            "            opt.step()",
            "            total += loss.item() * len(idx)",
            '        print(f"epoch {epoch}: loss {total / len(x):.4f}")',
            '    save_weights(model, "trained_weights.npz")',
            "",
            "",
            'if __name__ == "__main__":',
            "    main()",
            "",
        ]
    )


def _weights_npz(plan: ExportPlan) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **{f"{s.id}/{name}": arr for s in plan.steps for name, arr in s.arrays.items()})
    return buf.getvalue()


def code_destination(out_path: Path, what: str) -> tuple[Path, str]:
    """(folder, model file name) for generated code: `out_path` is a folder (made by staging.write_all when
    missing, beside an existing parent) or a .py file name that must be a Python module name."""
    if out_path.suffix.lower() == ".py":
        folder, model_file = out_path.parent, out_path.name
    else:
        folder, model_file = out_path, "model.py"
        if not folder.exists():
            if not folder.parent.is_dir():
                raise ExportError(f"cannot write {folder}: the folder {folder.parent} does not exist")
        elif not folder.is_dir():
            raise ExportError(f"cannot write {what} code into {folder}: it is a file (give a folder or a .py name)")
    stem = Path(model_file).stem
    if not stem.isidentifier() or keyword.iskeyword(stem):
        raise ExportError(f'the model file name "{model_file}" must be a Python module name (letters, digits, _)')
    return folder, model_file


def export_pytorch(plan: ExportPlan, out_path: Path) -> list[Path]:
    require_all(plan, "pytorch")
    folder, model_file = code_destination(Path(out_path), "PyTorch")
    stem = Path(model_file).stem
    weights_file = "weights.npz" if model_file == "model.py" else f"{stem}_weights.npz"
    train_file = "train.py" if model_file == "model.py" else f"train_{stem}.py"
    spec_file = None
    if plan.preprocessing is not None:
        spec_file = "preprocessing.json" if model_file == "model.py" else f"{stem}_preprocessing.json"
    model_src = render_model(plan, weights_file, spec_file)
    train_src = render_train(plan, stem, weights_file)
    files = [(model_file, model_src.encode("utf-8")), (weights_file, _weights_npz(plan)),
             (train_file, train_src.encode("utf-8"))]
    if spec_file is not None:
        files.append((spec_file, spec_json(plan.preprocessing)))
    return write_all(folder, files)  # all or nothing
