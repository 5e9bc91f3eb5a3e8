"""Export a trained project in every format and run what can run here: the installers' smoke test.

A packaged app (PyInstaller bundle, .deb, .app, Windows setup) ships bytecode and a pruned set of libraries, so an
export that works from a checkout can still fail there (it once did: the raw-rows runtime was read from a module's
source). `check_exports` proves each format end to end in the running interpreter:
- python: the generated predictor is imported and must give the engine's outputs;
- onnx: the model runs in onnx's reference evaluator (pure NumPy) and must give the engine's outputs;
- pytorch, keras: the generated code must compile and its weights file must load (the frameworks are not part
  of the app, so the code cannot be run here).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np

from designer.errors import ExportError
from designer.export import FORMATS, export_project

SAMPLE_ROWS = 16
RTOL, ATOL = 1e-4, 1e-5  # float32 engine against float32 exports


def _import_file(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _agree(fmt: str, got, expected: np.ndarray) -> None:
    got = np.asarray(got, dtype=np.float64).reshape(expected.shape)
    if not np.allclose(got, expected, rtol=RTOL, atol=ATOL):
        worst = float(np.max(np.abs(got - expected)))
        raise ExportError(f"the {fmt} export's outputs differ from the engine's (largest difference {worst:.3g})")


def _run_python(path: Path, x: np.ndarray, expected: np.ndarray) -> str:
    _agree("python", _import_file(path, "selfcheck_predictor").predict(x), expected)
    return f"python: {path.name} imported, predictions match the engine on {len(x)} rows"


def _run_onnx(path: Path, x: np.ndarray, expected: np.ndarray) -> str:
    import onnx
    from onnx.reference import ReferenceEvaluator

    model = onnx.load(str(path))
    meta = {p.key: p.value for p in model.metadata_props}
    if "raw_inputs" in meta:  # one input per raw column: turn the prepared rows back into raw cells
        feeds = _raw_feeds(json.loads(meta["raw_inputs"]), json.loads(meta["preprocessing"]), x)
        _agree("onnx", ReferenceEvaluator(model).run(None, feeds)[0], expected)
        return f"onnx: {path.name} run on raw columns in onnx.reference, predictions match the engine on {len(x)} rows"
    if meta.get("input_preprocessing", "").startswith("embedded"):  # the graph scales raw numbers itself
        columns = json.loads(meta["preprocessing"])["columns"]
        scale = np.asarray([c["scale"] for c in columns], np.float32).reshape(x.shape[1:])
        offset = np.asarray([c["offset"] for c in columns], np.float32).reshape(x.shape[1:])
        x = x * scale + offset
    _agree("onnx", ReferenceEvaluator(model).run(None, {"input": x.astype(np.float32)})[0], expected)
    return f"onnx: {path.name} run in onnx.reference, predictions match the engine on {len(x)} rows"


def _raw_feeds(raw_inputs: list[dict], spec: dict, x: np.ndarray) -> dict:
    """Prepared rows → the raw cells that prepare to them: numbers unscaled, one-hot blocks back to their
    category (an all-zero block to a text no category has)."""
    flat = x.reshape(len(x), -1)
    feeds, j = {}, 0
    for col, raw in zip(spec["columns"], raw_inputs):
        if col["kind"] == "numeric":
            feeds[raw["input"]] = (flat[:, j : j + 1] * col["scale"] + col["offset"]).astype(np.float32)
            j += 1
            continue
        k = len(col["categories"])
        block = flat[:, j : j + k]
        cells = [col["categories"][int(r.argmax())] if r.max() > 0.5 else "\x00unseen" for r in block]
        feeds[raw["input"]] = np.array([[c] for c in cells], dtype=object)
        j += k
    return feeds


def _check_code(fmt: str, written: list[Path]) -> str:
    code, weights = written[0], written[1]
    compile(code.read_text(encoding="utf-8"), str(code), "exec")
    with np.load(weights, allow_pickle=False) as arrays:
        if not arrays.files:
            raise ExportError(f"the {fmt} export's {weights.name} holds no weights")
        count = len(arrays.files)
    return f"{fmt}: {code.name} compiles, {weights.name} loads ({count} arrays); not run (no {fmt} in the app)"


def check_exports(project, base_dir, out_dir: Path) -> list[str]:
    """Export the trained `project` in every format into `out_dir` and check each; one line per format.

    Raises ExportError (or the export's own DesignerError) naming the format that failed."""
    from designer.training.metrics import reshape_inputs
    from designer.training.run import build_and_prepare

    network, prepared = build_and_prepare(project, base_dir)
    x = reshape_inputs(prepared.x_val[:SAMPLE_ROWS] if len(prepared.x_val) else prepared.x_train[:SAMPLE_ROWS],
                       network.input_shape).astype(np.float32)
    expected = np.asarray(network.predict(x), dtype=np.float64)
    out_dir = Path(out_dir)
    lines = []
    for fmt in FORMATS:
        target = out_dir / {"onnx": "model.onnx", "python": "predictor.py"}.get(fmt, fmt)
        written = export_project(project, fmt, target, prepared=prepared, base_dir=base_dir)
        if fmt == "python":
            lines.append(_run_python(written[0], x, expected))
        elif fmt == "onnx":
            lines.append(_run_onnx(written[0], x, expected))
        else:
            lines.append(_check_code(fmt, written))
    return lines
