"""Deployment artefacts from a trained project: ONNX, a standalone NumPy predictor, PyTorch and Keras code.

    written = export_project(project, "onnx", Path("model.onnx"))   # -> list of files written

With the project's data (`base_dir`, as the CLI and the app pass it) the fitted data preparation (fill values,
categories, scaling; designer.export.preprocessing) goes into every format, so the exported model can be fed
raw rows. Every file is written atomically (temp file + os.replace). Problems the user can fix (no weights, a layer a
format cannot express, a bad output path) raise ExportError with one readable line.
"""

from __future__ import annotations

from pathlib import Path

from designer.errors import ExportError

FORMATS = ("onnx", "python", "pytorch", "keras")


def export_project(project, fmt: str, out_path, prepared=None, base_dir=None, card: bool = True) -> list[Path]:
    """Write `project` (a designer.project.Project with trained weights) in format `fmt` to `out_path`.

    `prepared` (PreparedData) supplies the class labels, the fitted preprocessing and, when the Input layer has
    no shape, the input shape; without it the project's data is prepared from `base_dir` (exactly as
    `nn-designer predict` does). Without either, the export works on prepared inputs only.
    Returns the paths written, the main file first; a MODEL_CARD.md is written beside them (`card=False`: not).
    """
    from designer.export.plan import build_plan

    if fmt not in FORMATS:
        raise ExportError(f'unknown export format "{fmt}"; choose one of {", ".join(FORMATS)}')
    plan = build_plan(project, prepared, base_dir)
    written = _write_format(plan, fmt, Path(out_path))
    if fmt in ("pytorch", "keras"):  # the graph as data, so the folder can be imported back without running code
        from designer.fileio import atomic_write_bytes
        from designer.importers.folder_import import NETWORK_FILE, network_json

        atomic_write_bytes(written[0].parent / NETWORK_FILE, network_json(project, plan.input_shape), ExportError)
    if card:  # MODEL_CARD.md beside the export (designer.export.model_card); not in the returned list
        from designer.export.model_card import write_card

        write_card(project, plan, plan.preprocessing, base_dir, fmt, Path(out_path), written)
    return written


def _write_format(plan, fmt: str, out_path: Path) -> list[Path]:
    if fmt == "python":
        from designer.export.numpy_predictor import export_python

        return export_python(plan, out_path)
    if fmt == "onnx":
        from designer.export.onnx_export import export_onnx

        return export_onnx(plan, out_path)
    if fmt == "keras":
        from designer.export.keras_export import export_keras

        return export_keras(plan, out_path)
    from designer.export.pytorch_export import export_pytorch

    return export_pytorch(plan, out_path)


__all__ = ["FORMATS", "ExportError", "export_project"]
