"""Readers a layer type declares for the foreign layers and operators of its own name (its LayerType's
`imports` hooks), so the Keras and ONNX importers ask the registry instead of naming the type.

- "keras": fn(class_name, config, arrays, layer_name) -> (params, weights); `arrays` in Keras's stored order.
- "onnx":  fn(node, attrs, consts) -> (params, weights); `consts` the initialisers by tensor name.
Either raises ModelImportError naming the layer for a variant the app cannot represent.
"""

from __future__ import annotations

from designer.engine.registry import layer_type
from designer.importers.common import ModelImportError


def _array_names(type_name: str) -> list[str]:
    """The arrays the type owns, in its declared order (Keras and ONNX store batch statistics in the same)."""
    return list(layer_type(type_name).weight_shapes({}, None))


def keras_batch_norm(cls: str, c: dict, arrays: list, name: str):
    if c.get("axis", -1) not in (-1, [-1]) or not c.get("center", True) or not c.get("scale", True):
        raise ModelImportError(f'layer "{name}": only {cls} over the last axis with centre and scale is supported')
    params = {"momentum": float(c.get("momentum", 0.99)), "epsilon": float(c.get("epsilon", 0.001))}
    return params, dict(zip(_array_names(cls), arrays))


def onnx_batch_norm(n, attrs: dict, consts: dict):
    stats = [consts[i] for i in n.input[1:5]]  # scale, bias, mean, variance
    return {"epsilon": float(attrs.get("epsilon", 1e-5))}, dict(zip(_array_names(n.op_type), stats))


def reader(fmt: str, foreign_name: str):
    """The `fmt` reader the layer type named `foreign_name` declares, or None."""
    from designer.engine.factory import load_hook
    from designer.engine.registry import LAYER_TYPES

    ltype = LAYER_TYPES.get(foreign_name)
    return load_hook(ltype.imports.get(fmt, "")) if ltype is not None else None


def readable(fmt: str) -> set[str]:
    """The foreign names `fmt`'s importer reads through a layer type's hook."""
    from designer.engine.registry import LAYER_TYPES

    return {name for name, t in LAYER_TYPES.items() if fmt in t.imports}
