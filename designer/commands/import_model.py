"""`nn-designer import MODEL --out PROJECT.nnproj`: a project from an .onnx, a .keras or an exported folder."""

from __future__ import annotations

import sys
from pathlib import Path

NAME = "import"
HELP = "make a project from an .onnx, .keras or exported PyTorch/Keras folder (the app's layer types only)"


def add_arguments(parser) -> None:
    parser.add_argument("model", help="an .onnx file, a .keras file, or a folder written by `export`")
    parser.add_argument("--out", required=True, help="the project file to write (.nnproj)")


def run(args) -> int:
    from designer.errors import ProjectError
    from designer.filenames import is_project_path
    from designer.importers import import_model
    from designer.project.io import save_project

    out = Path(args.out)
    if not is_project_path(out):
        raise ProjectError(f"--out must name a project file ending in .nnproj, got {out.name}")
    project = import_model(Path(args.model))
    save_project(project, out)
    layers = len(project.graph.nodes) - 1
    sys.stderr.write(f"imported {layers} layer(s) with {len(project.weights)} weight array(s) into {out}\n")
    return 0
