"""An exported PyTorch or Keras folder → project: `network.json` (the graph, written by every folder export) and
the weights in the project's `.npz` layout — `trained_weights.npz` (what the folder's train.py writes) when it
is there, else `weights.npz`. model.py is never imported: the folder's code does not run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from designer.errors import DesignerError
from designer.importers.common import Layer, ModelImportError, to_project

NETWORK_FILE = "network.json"
MAX_JSON_BYTES = 64 * 1024**2


def network_json(project, input_shape) -> bytes:
    """What folder exports write beside their code so the folder can come back in (see import_folder)."""
    doc = {"format": 1, "name": project.name, "input_shape": [int(d) for d in input_shape],
           "graph": project.graph.to_dict()}
    return (json.dumps(doc, indent=1) + "\n").encode("utf-8")


def import_folder(folder: Path):
    doc_path = folder / NETWORK_FILE
    if not doc_path.is_file():
        raise ModelImportError(f"{folder.name} has no {NETWORK_FILE}: it is not a folder exported by Network "
                               "Designer (give an .onnx or .keras file instead)")
    if doc_path.stat().st_size > MAX_JSON_BYTES:
        raise ModelImportError(f"{doc_path.name} is too large to be a network description")
    try:
        doc = json.loads(doc_path.read_text(encoding="utf-8"))
        from designer.graph import Graph

        graph = Graph.from_dict(doc["graph"])
        input_shape = [int(d) for d in doc["input_shape"]]
        name = str(doc.get("name") or folder.name)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as err:
        raise ModelImportError(f"{doc_path.name} is not a readable network description ({type(err).__name__})") \
            from None
    except DesignerError as err:
        raise ModelImportError(f"{doc_path.name}: {err}") from None
    weights_path = next((folder / n for n in ("trained_weights.npz", "weights.npz") if (folder / n).is_file()), None)
    if weights_path is None:
        raise ModelImportError(f"{folder.name} has no weights.npz")
    try:
        z = np.load(weights_path, allow_pickle=False)
        if not hasattr(z, "files"):
            raise ValueError("a single array, not an .npz archive of named arrays")
        with z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError) as err:
        raise ModelImportError(f"{weights_path.name} is not a readable weights file ({err})") from None
    try:
        inputs = graph.input_nodes()
        if len(inputs) != 1:
            raise ModelImportError(f"{doc_path.name} describes {len(inputs)} inputs; a network has one")
        layers = []
        for nid in graph.topological_order():
            node = graph.nodes[nid]
            if node.type == "Input":
                continue
            prefix = f"{nid}/"
            layers.append(Layer(nid, node.type, dict(node.params), graph.inputs_of(nid),
                                {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}))
    except ModelImportError:
        raise
    except (DesignerError, KeyError, TypeError, ValueError, AttributeError) as err:
        raise ModelImportError(f"{doc_path.name} does not describe a valid network ({type(err).__name__})") \
            from None
    return to_project(name, inputs[0], input_shape, layers,
                      {"imported_from": {"format": "folder", "file": folder.name, "weights": weights_path.name}})
