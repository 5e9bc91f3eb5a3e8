"""Export a trained network as PyTorch code, in PyTorch's idiom: model.py (an nn.Module whose forward returns
logits, `predict_proba`/`predict` applying the output activation and the target's un-scaling, a weight loader),
weights.npz, train.py with train_config.json (the same script for every project: one process or many under
torchrun, see designer/export/templates/torch_train.py), and, when the project's data could be prepared,
preprocessing.json (what model.prepare(rows) applies to raw rows) and data.npz (the training and validation
splits exactly as the app prepared them, which train.py reads by default).

`out_path` is a folder (created if missing, beside an existing parent) or a `.py` file name for the model,
in which case the other files are written beside it. The model takes channels-last tensors like the project's
data; convolution, pooling and image batch normalisation permute to channels-first around the torch call.
Nothing generated imports designer, and no user data is in train.py at all (it reads its JSON).
"""

from __future__ import annotations

import dataclasses
import io
import json
import keyword
from importlib import resources
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
    # the model's own methods and constants
    "predict",
    "predict_proba",
    "classes_of",
    "LOSS",
    "OUTPUT_ACTIVATION",
}

# forward returns logits where the output's activation pairs with the loss as PyTorch's fused losses want
# (CrossEntropyLoss, BCEWithLogitsLoss); predict_proba applies it
_FUSED = {"categorical_crossentropy": "softmax", "binary_crossentropy": "sigmoid"}


def output_activation(plan: ExportPlan) -> str:
    """The output activation predict_proba applies to forward's logits ("linear": forward has it already)."""
    out = next(s for s in plan.steps if s.id == plan.output_id)
    act = out.params.get("activation", "linear")  # canonical params: every layer with an activation has one
    if _FUSED.get(plan.loss or "") == act:
        return act
    return "linear"




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


def project_weights(model):
    """`model`'s weights as the project's arrays ("<layer id>/<name>", channels-last kernels), float32."""
    model = getattr(model, "module", model)  # a DistributedDataParallel wrapper holds the model in .module
    out = {}
    for attr, node_id, tensors in WEIGHT_LAYERS:
        module = getattr(model, attr)
        for tensor, name, perm in tensors:
            value = getattr(module, tensor).detach().cpu().numpy()
            out[node_id + "/" + name] = value if perm is None else value.transpose(np.argsort(perm))
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def save_weights(model, path):
    """Write `model`'s weights in the project's .npz format: `nn-designer load-weights PROJECT path` brings
    them into Network Designer."""
    np.savez(path, **project_weights(model))


def pick_device(device="auto"):
    """"auto": a CUDA GPU, else Apple's MPS, else the CPU."""
    if device == "auto":
        mps = getattr(torch.backends, "mps", None)
        device = "cuda" if torch.cuda.is_available() else "mps" if mps is not None and mps.is_available() else "cpu"
    return torch.device(device)


def load_model(path=None, device="cpu"):
    """The model with the exported weights (weights.npz beside this file unless `path` is given), in eval mode,
    on `device` ("cpu", "cuda", "mps" or "auto")."""
    if path is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), WEIGHTS_FILE)
    return load_weights(Net(), path).eval().to(pick_device(device))
'''

_METHODS = '''
    def predict_proba(self, x):
        """What `nn-designer predict` gives: class probabilities (the output activation applied to the logits),
        or for regression the values in the target's own units. Inference mode is the caller's (model.eval())."""
        out = self(x)
        if OUTPUT_ACTIVATION == "softmax":
            out = torch.softmax(out, dim=-1)
        elif OUTPUT_ACTIVATION == "sigmoid":
            out = torch.sigmoid(out)
        if TARGET_SCALING is not None:  # trained on the standardised target: answer in the target's units
            out = out * out.new_tensor(TARGET_SCALING[1]) + out.new_tensor(TARGET_SCALING[0])
        return out

    def classes_of(self, out):
        """Class indices (into CLASSES) from forward's output."""
        out = out.reshape(out.shape[0], -1)
        if out.shape[1] == 1:
            threshold = 0.0 if OUTPUT_ACTIVATION == "sigmoid" or LOSS == "hinge" else 0.5
            return (out[:, 0] > threshold).long()
        return out.argmax(dim=1)

    def predict(self, x):
        """Class indices into CLASSES (classification), or values in the target's units (regression)."""
        if TASK == "classification":
            return self.classes_of(self(x))
        return self.predict_proba(x)
'''


def render_model(plan: ExportPlan, weights_file: str, preprocessing_file: str | None = None) -> str:
    names = python_identifiers(plan, _RESERVED)
    ctors: list[str] = []
    body: list[str] = []
    weight_layers = []
    body.append(f"{names[plan.input_id]} = x.reshape(x.shape[0], *INPUT_SHAPE)")
    head = output_activation(plan)
    for s in plan.steps:
        attr = names[s.id]
        if s.id == plan.output_id and head != "linear":  # forward returns the logits
            s = dataclasses.replace(s, params={**s.params, "activation": "linear"})
        layer = emitter("pytorch", s)(s, attr, [names[i] for i in s.inputs], _activation)
        if layer.ctor:
            ctors.append(f"self.{attr} = {layer.ctor}")
        body.append(f"{attr} = {layer.call}")
        if layer.tensors:
            weight_layers.append((attr, s.id, [list(t) for t in layer.tensors]))
    body.append(f"return {names[plan.output_id]}")
    lines = [
        '"""PyTorch model for the network NETWORK_NAME, generated by Network Designer.',
        "",
        "Inputs are channels-last like the project's data: x of shape (batch, *INPUT_SHAPE), or (batch, features)",
        "reshaped in C order, prepared like the training data (same encoding and scaling). As usual in PyTorch,",
        "forward returns logits (the output layer before OUTPUT_ACTIVATION; for regression the standardised",
        "target when TARGET_SCALING is set), which CrossEntropyLoss / BCEWithLogitsLoss take; predict_proba",
        "applies the activation and the un-scaling, and gives what `nn-designer predict` gives:",
        "    model = load_model()            # trained weights from the .npz beside this file, eval mode",
        "    with torch.no_grad():",
        "        p = model.predict_proba(torch.as_tensor(x, dtype=torch.float32))   # probabilities or values",
        "        labels = [CLASSES[i] for i in model.predict(torch.as_tensor(x, dtype=torch.float32))]",
        "prepare(rows) turns raw rows (a CSV path or a list of dicts keyed by column name) into such x with the",
        "data preparation fitted in training (preprocessing.json beside this file):",
        '    p = model.predict_proba(torch.from_numpy(prepare("rows.csv")))',
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
        f"LOSS = {literal(plan.loss)}",
        "# the activation predict_proba applies to forward's logits (\"linear\": forward's output is final)",
        f"OUTPUT_ACTIVATION = {literal(head)}",
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
        _METHODS,
        _LOADER,
    ]
    return "\n".join(lines)


def train_template() -> str:
    """train.py: package data (designer/export/templates/torch_train.py), the same for every project."""
    return resources.files("designer.export").joinpath("templates", "torch_train.py").read_text(encoding="utf-8")


def train_config(plan: ExportPlan, model_module: str, data_file: str | None) -> bytes:
    """train_config.json: the project's training settings for train.py (data, not code)."""
    tr = plan.training or {}
    keys = ("loss", "loss_params", "optimizer", "epochs", "batch_size", "shuffle", "seed", "regularization",
            "early_stopping", "schedule")
    cfg = {k: tr[k] for k in keys if tr.get(k) is not None}
    cfg.setdefault("loss", plan.loss or "mean_squared_error")
    cfg.setdefault("optimizer", {"type": "sgd", "learning_rate": 0.01})
    cfg["epochs"] = int(cfg.get("epochs") or 10)
    cfg["batch_size"] = int(cfg.get("batch_size") or 32)
    cfg["seed"] = int(cfg.get("seed") or 0)
    cfg.update({"format": "nn-designer-train-config", "version": 1, "model_module": model_module,
                "data_file": data_file})
    return (json.dumps(cfg, indent=1, allow_nan=False) + "\n").encode("utf-8")


def _data_npz(plan: ExportPlan) -> bytes | None:
    """The training and validation splits exactly as the app prepared them (None without the data)."""
    data = plan.data
    if data is None or getattr(data, "x_train", None) is None:
        return None
    arrays = {"x_train": np.asarray(data.x_train, np.float32), "y_train": np.asarray(data.y_train)}
    if data.x_val is not None and len(data.x_val):
        arrays.update(x_val=np.asarray(data.x_val, np.float32), y_val=np.asarray(data.y_val))
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


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
    config_file = "train_config.json" if model_file == "model.py" else f"train_{stem}_config.json"
    data = _data_npz(plan)
    data_file = None if data is None else ("data.npz" if model_file == "model.py" else f"{stem}_data.npz")
    model_src = render_model(plan, weights_file, spec_file)
    train_src = train_template()
    if config_file != "train_config.json":  # a model named by the user: its own config beside it
        train_src = train_src.replace('CONFIG_FILE = "train_config.json"', f"CONFIG_FILE = {literal(config_file)}")
    files = [(model_file, model_src.encode("utf-8")), (weights_file, _weights_npz(plan)),
             (train_file, train_src.encode("utf-8")), (config_file, train_config(plan, stem, data_file))]
    if spec_file is not None:
        files.append((spec_file, spec_json(plan.preprocessing)))
    if data is not None:
        files.append((data_file, data))
    return write_all(folder, files)  # all or nothing
