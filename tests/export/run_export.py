"""Run one exported model in a fresh process, as its user would: import it, feed it raw rows, print predictions.

    python -I run_export.py ROWS.csv OUT_DIR PREPARED.npy FORMAT=EXPORTED_PATH ...

FORMAT is python, pytorch, keras or onnx. Imports every generated module (model and, for PyTorch, the training
script) so anything a hostile name could smuggle into top-level code would run here. Writes
{"outputs": [[...], ...]} (the network's outputs for the rows) to OUT_DIR/FORMAT.json. One process runs all the
formats given (torch and keras load once). Imports nothing from designer.
"""

import importlib.util
import json
import os
import sys

import numpy as np


def _import(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run(fmt, path, rows, prepared):
    if fmt == "python":
        module = _import(path, "exported_predictor")
        return module.predict(module.prepare(rows))
    if fmt == "pytorch":
        import torch

        sys.path.insert(0, os.path.dirname(path))
        try:
            module = _import(path, "model")
            _import(os.path.join(os.path.dirname(path), "train.py"), "train")
            with torch.no_grad():
                return module.load_model().predict_proba(torch.from_numpy(module.prepare(rows))).numpy()
        finally:
            sys.path.remove(os.path.dirname(path))
            sys.modules.pop("model", None)
    if fmt == "keras":
        import keras

        module = _import(path, "model")
        sys.modules.pop("model", None)
        return keras.ops.convert_to_numpy(module.load_model()(module.prepare(rows), training=False))
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    if "raw_inputs" in meta:  # text columns: the graph takes the raw cells, one input per column
        return session.run(None, _raw_feeds(meta, rows))[0]
    x = np.load(prepared, allow_pickle=False)
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def _raw_feeds(meta, rows):
    """ONNX Runtime feeds from a CSV with the standard library; cells and names lose surrounding spaces, as the
    app's reader drops them."""
    import csv

    na = set(json.loads(meta["preprocessing"])["na_values"])
    with open(rows, newline="", encoding="utf-8") as f:
        table = [{k.strip(): (v or "").strip() for k, v in r.items()} for r in csv.DictReader(f)]
    feeds = {}
    for i in json.loads(meta["raw_inputs"]):
        cells = [r.get(i["column"], "") for r in table]
        if i["kind"] == "numeric":
            feeds[i["input"]] = np.array([[np.nan if c in na else float(c)] for c in cells], dtype=np.float32)
        else:
            feeds[i["input"]] = np.array([[c] for c in cells], dtype=object)
    return feeds


def main():
    rows, out_dir, prepared = sys.argv[1:4]
    for job in sys.argv[4:]:
        fmt, path = job.split("=", 1)
        outputs = run(fmt, path, rows, prepared)
        with open(os.path.join(out_dir, fmt + ".json"), "w", encoding="utf-8") as f:
            json.dump({"outputs": np.asarray(outputs, dtype=float).reshape(len(outputs), -1).tolist()}, f)


if __name__ == "__main__":
    main()
