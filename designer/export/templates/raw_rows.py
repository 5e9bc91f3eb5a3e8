"""Raw rows → the network's input, and network outputs → class probabilities, outside Network Designer.

Everything below the COPY marker is pasted verbatim into exported predictors (python, pytorch, keras), so it
uses only the standard library and NumPy. This file is package data, not a module of the app: it is read as
text (designer.export.preprocessing), so installers that ship bytecode only must still ship it.

It replays `designer.data.preprocess.Preprocessor.transform` from the JSON spec that
`designer.export.preprocessing.preprocessing_spec` writes, and `designer.pipeline._class_probabilities` for the
probabilities; tests/export check both agree with the engine.
"""

import csv
import os

import numpy as np

# ---- COPY BELOW INTO EXPORTS ----


def read_csv_rows(path, encoding="utf-8-sig"):
    """The rows of a CSV file with a header line, as dicts keyed by column name (cells stay text)."""
    with open(path, newline="", encoding=encoding) as f:
        sample = f.read(65536)
        f.seek(0)
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
        reader = csv.DictReader(f, delimiter=delimiter, skipinitialspace=True)
        # empty lines are skipped; a line of empty cells is a row of missing values. Column names lose the
        # spaces around them, as Network Designer's reader strips them
        return [{k.strip() if isinstance(k, str) else k: v for k, v in row.items()} for row in reader]


def _is_missing(value, na_values):
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    return isinstance(value, str) and value.strip() in na_values


def _as_number(value, column, row_number):
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.number)):
        return float(value)
    text = str(value).strip()
    if text.lower() in ("true", "false"):
        return 1.0 if text.lower() == "true" else 0.0
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"column {column!r}, row {row_number}: {value!r} is not a number") from None


def image_files(paths, spec):
    """Image files, and the images inside folders, named by `paths` (one path or a list), in order."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    suffixes = tuple(spec["images"]["suffixes"])
    out = []
    for p in paths:
        p = os.fspath(p)
        if os.path.isdir(p):
            out += sorted(os.path.join(p, f) for f in os.listdir(p)
                          if f.lower().endswith(suffixes) and os.path.isfile(os.path.join(p, f)))
        else:
            out.append(p)
    return out


def is_image_input(rows, spec):
    """True when `rows` names image files or folders (an image project's predictor takes raw images)."""
    if not spec.get("images"):
        return False
    items = [rows] if isinstance(rows, (str, os.PathLike)) else rows
    if not isinstance(items, (list, tuple)) or not items:
        return False
    suffixes = tuple(spec["images"]["suffixes"])
    return all(isinstance(p, (str, os.PathLike)) and (os.path.isdir(p) or os.fspath(p).lower().endswith(suffixes))
               for p in items)


def read_images(paths, spec):
    """float32 (n, height × width × channels) of pixel values in [0, 1], read exactly as the project read its image
    folder: upright (EXIF), grayscale or RGB, resized bilinear. Needs Pillow (pip install pillow)."""
    from PIL import Image, ImageOps

    h, w = spec["images"]["size"]
    mode = "L" if spec["images"]["color"] == "grayscale" else "RGB"
    files = image_files(paths, spec)
    out = np.zeros((len(files), spec["n_features"]), dtype=np.float32)
    for i, path in enumerate(files):
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im).convert(mode).resize((w, h), Image.Resampling.BILINEAR)
            out[i] = (np.asarray(im, dtype=np.float32) / np.float32(255.0)).reshape(-1)
    return out


def prepare_rows(rows, spec):
    """float32 (n, n_features): missing cells filled, categories one-hot encoded (unseen ones → all zeros),
    numbers scaled as (x - offset) / scale, in the training feature order.

    `rows`: a list of dicts keyed by the original column names, one dict, or the path of a CSV file; for an image
    project also image files or folders of them (one path or a list)."""
    if is_image_input(rows, spec):
        offset = np.array([c["offset"] for c in spec["columns"]], dtype=np.float64)
        scale = np.array([c["scale"] for c in spec["columns"]], dtype=np.float64)
        return ((read_images(rows, spec).astype(np.float64) - offset) / scale).astype(np.float32)
    if isinstance(rows, (str, os.PathLike)):
        rows = read_csv_rows(rows)
    elif isinstance(rows, dict):
        rows = [rows]
    rows = list(rows)
    na_values = set(spec["na_values"])
    out = np.zeros((len(rows), spec["n_features"]), dtype=np.float32)
    absent = object()
    j = 0
    for col in spec["columns"]:
        name = col["name"]
        cells = [row.get(name, absent) for row in rows]
        if rows and all(c is absent for c in cells):
            raise ValueError(f"the rows lack the column {name!r} that the model was trained on")
        cells = [None if c is absent else c for c in cells]
        if col["kind"] == "numeric":
            values = np.array(
                [col["fill"] if _is_missing(c, na_values) else _as_number(c, name, i + 1) for i, c in enumerate(cells)],
                dtype=np.float64,
            )
            out[:, j] = (values - col["offset"]) / col["scale"]
            j += 1
            continue
        index = {cat: k for k, cat in enumerate(col["categories"])}
        for i, c in enumerate(cells):
            if _is_missing(c, na_values):
                c = col["fill"]  # None when training had no value at all: the row stays all zeros
            k = None if c is None else index.get(str(c))
            if k is not None:
                out[i, j + k] = 1.0
        j += len(col["categories"])
    return out


def class_indices(out, loss):
    """Predicted class per row: argmax, or a threshold for one output unit (0 for hinge scores, else 0.5)."""
    out = out.reshape(out.shape[0], -1)
    if out.shape[1] == 1:
        return (out[:, 0] > (0.0 if loss == "hinge" else 0.5)).astype(np.int64)
    return out.argmax(axis=1)


def class_probabilities(out, loss):
    """One probability column per class. A single sigmoid unit gives P(class 1); hinge scores and outputs
    that are not probabilities go through a softmax (a sigmoid for one hinge unit)."""
    out = out.reshape(out.shape[0], -1)
    if out.shape[1] == 1:
        p1 = out[:, 0] if loss != "hinge" else 1.0 / (1.0 + np.exp(-out[:, 0]))
        p1 = np.clip(p1, 0.0, 1.0)
        return np.stack([1.0 - p1, p1], axis=1)
    if np.all(out >= 0) and np.allclose(out.sum(axis=1), 1.0, atol=1e-3):
        return out
    shifted = np.exp(out - out.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _csv_cell(value):
    """Numbers as Network Designer's predict writes them (the shortest text that reads back as the same float32
    or float64, empty for NaN); a text cell a spreadsheet would run as a formula (= + - @ tab CR) gets a '."""
    if isinstance(value, (float, np.floating)):
        return "" if value != value else str(value)
    text = str(value)
    if text.startswith(("=", "+", "-", "@", "\t", "\r")) and not _plain_number(text):
        return "'" + text
    return text


def _plain_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text


def write_predictions_csv(stream, header, columns):
    """`columns`: one sequence per header name, all of the same length."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([_csv_cell(h) for h in header])
    for row in zip(*columns):
        writer.writerow([_csv_cell(v) for v in row])

