"""The project's fitted data preparation as plain JSON, so exported models can be fed raw rows.

The spec is what `designer.data.preprocess.Preprocessor` learned on the training split (fill values,
categories, offset/scale) plus what is needed to read the model's output (classes, loss). Exporters embed
it; `RUNTIME_SOURCE` (the stdlib + NumPy code of templates/raw_rows.py) applies it in generated files.
"""

from __future__ import annotations

import json
import math
from importlib import resources

from designer.data.reader import NA_VALUES

SPEC_FORMAT = 1
_COPY_MARKER = "# ---- COPY BELOW INTO EXPORTS ----"


def runtime_template():
    """The raw-rows runtime template (package data, see its docstring) as an importlib.resources Traversable.

    Read as data through importlib.resources (wheels, zip imports and PyInstaller bundles alike), never from a
    module's own source: a bundle that ships bytecode only still carries this file."""
    return resources.files("designer.export").joinpath("templates").joinpath("raw_rows.py")


def _runtime_source() -> str:
    text = runtime_template().read_text(encoding="utf-8")
    return text.split(_COPY_MARKER, 1)[1].strip("\n") + "\n"


RUNTIME_SOURCE = _runtime_source()
RUNTIME_IMPORTS = ("csv", "os")  # the stdlib modules RUNTIME_SOURCE uses besides numpy as np


def preprocessing_spec(prepared, input_shape, loss: str | None) -> dict | None:
    """The JSON-ready spec of `prepared.preprocessor`, or None when there is none or its feature count does not
    fill the network's input (the export then works on prepared arrays only)."""
    pre = getattr(prepared, "preprocessor", None)
    if pre is None:
        return None
    n_features = len(pre.output_names)
    if n_features != math.prod(int(d) for d in input_shape):
        return None
    columns = []
    for name in pre.features:
        if pre.kinds[name] == "categorical":
            fill = pre.fill.get(name)
            columns.append({"name": name, "kind": "categorical", "fill": None if fill is None else str(fill),
                            "categories": [str(c) for c in pre.categories[name]]})
        else:
            columns.append({"name": name, "kind": "numeric", "fill": float(pre.fill[name]),
                            "offset": float(pre.offset[name]), "scale": float(pre.scale[name])})
    return {
        "format": SPEC_FORMAT,
        "columns": columns,
        "scaling": pre.scaling,
        "feature_names": list(pre.output_names),
        "n_features": n_features,
        "input_shape": [int(d) for d in input_shape],
        "na_values": list(NA_VALUES),
        "target": prepared.target_name or pre.target or "target",
        "task": prepared.task,
        "classes": list(prepared.classes or []),
        "loss": loss or "",
        # y = output * target_scale + target_mean: the exported model already applies it (informative here)
        "target_mean": None if pre.target_mean is None else [float(v) for v in pre.target_mean],
        "target_scale": None if pre.target_scale is None else [float(v) for v in pre.target_scale],
        # an image folder project: raw image files are read as the app read the folder (templates/raw_rows.py)
        **_image_spec(prepared),
    }


def _image_spec(prepared) -> dict:
    shape = getattr(prepared, "image_shape", None)
    if not shape:
        return {}
    color = "rgb" if shape[2] == 3 else "grayscale"
    return {"images": {"size": [int(shape[0]), int(shape[1])], "color": color,
                       "suffixes": [".png", ".jpg", ".jpeg", ".bmp"],
                       "how": "upright (EXIF), convert to grayscale (L) or RGB, resize to size (height, width) "
                              "bilinear, pixel / 255, flattened height × width × channel"}}


def all_numeric(spec: dict) -> bool:
    return all(c["kind"] == "numeric" for c in spec["columns"])


ROWS_API_SOURCE = '''
def load_preprocessing(path=None):
    """The data preparation fitted on the training split: the JSON spec beside this file unless `path`."""
    if path is None:
        if PREPROCESSING_FILE is None:
            raise RuntimeError("this model was exported without the project's data preparation (its data could "
                               "not be read): give it inputs prepared like the training data")
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), PREPROCESSING_FILE)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def prepare(rows, spec=None):
    """Raw rows (a list of dicts keyed by the original column names, one dict, or a CSV path) → float32 array
    (n, *INPUT_SHAPE): missing values filled, categories one-hot encoded (an unseen one → all zeros), numbers
    scaled, exactly as in training."""
    x = prepare_rows(rows, load_preprocessing() if spec is None else spec)
    return x.reshape((x.shape[0],) + tuple(INPUT_SHAPE))
'''


def rows_api(preprocessing_file: str | None) -> str:
    """Source for generated model files (which import csv, json, os and numpy as np and define INPUT_SHAPE):
    the stdlib raw-row runtime plus load_preprocessing() and prepare(rows)."""
    return "\n".join([f"PREPROCESSING_FILE = {preprocessing_file!r}", "", "", RUNTIME_SOURCE.rstrip("\n"), "",
                      ROWS_API_SOURCE])


def spec_json(spec: dict) -> bytes:
    return (json.dumps(spec, indent=1) + "\n").encode("utf-8")
