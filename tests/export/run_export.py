"""Run one exported model in a fresh process, as its user would: import it, feed it raw rows, print predictions.

    python -I run_export.py FORMAT EXPORTED_PATH ROWS.csv OUT.json [PREPARED.npy]

FORMAT is python, pytorch, keras or onnx. Imports every generated module (model and, for PyTorch, the training
script) so anything a hostile name could smuggle into top-level code would run here. Writes
{"outputs": [[...], ...]} (the network's outputs for the rows) to OUT.json. Imports nothing from designer.
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


def main():
    fmt, path, rows, out = sys.argv[1:5]
    if fmt == "python":
        module = _import(path, "exported_predictor")
        outputs = module.predict(module.prepare(rows))
    elif fmt == "pytorch":
        import torch

        sys.path.insert(0, os.path.dirname(path))
        module = _import(path, "model")
        _import(os.path.join(os.path.dirname(path), "train.py"), "train")
        with torch.no_grad():
            outputs = module.load_model()(torch.from_numpy(module.prepare(rows))).numpy()
    elif fmt == "keras":
        import keras

        module = _import(path, "model")
        outputs = keras.ops.convert_to_numpy(module.load_model()(module.prepare(rows), training=False))
    else:
        import onnxruntime

        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        x = np.load(sys.argv[5], allow_pickle=False)
        outputs = session.run(None, {session.get_inputs()[0].name: x})[0]
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"outputs": np.asarray(outputs, dtype=float).reshape(len(outputs), -1).tolist()}, f)


if __name__ == "__main__":
    main()
