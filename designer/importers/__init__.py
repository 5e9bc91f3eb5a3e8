"""Models made elsewhere (or exported and changed elsewhere) back into a project: ONNX, Keras `.keras`, and an
exported PyTorch or Keras folder.

    project = import_model(Path("model.onnx"))     # -> designer.project.Project with weights, laid out

Only graphs made of the app's layer types come in; anything else raises ModelImportError naming every
operator or layer that is not supported. Nothing in a file is executed: ONNX is parsed as protobuf (no external
data), `.keras` as a zip of JSON and HDF5 arrays read with h5py (never keras.saving.load_model, so no Lambda,
custom objects or pickled code), folders as JSON plus `.npz` loaded with allow_pickle=False.
"""

from __future__ import annotations

from pathlib import Path

from designer.importers.common import ModelImportError


def import_model(path) -> object:
    path = Path(path)
    if path.is_dir():
        from designer.importers.folder_import import import_folder

        return import_folder(path)
    if not path.is_file():
        raise ModelImportError(f"cannot import {path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        from designer.importers.onnx_import import import_onnx

        return import_onnx(path)
    if suffix == ".keras":
        from designer.importers.keras_import import import_keras

        return import_keras(path)
    raise ModelImportError(f"cannot import {path.name}: give an .onnx file, a .keras file or an exported folder")


__all__ = ["ModelImportError", "import_model"]
