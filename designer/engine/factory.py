"""Layer type name → engine Layer class.

The convolution and normalisation layers live in their own modules and are imported only when a graph
uses them, so the core layers work (and import fast) on their own.
"""

from __future__ import annotations

import importlib

import numpy as np

from designer.engine.layer_base import Layer
from designer.engine.layers import CORE_LAYERS
from designer.engine.registry import LAYER_TYPES
from designer.errors import GraphError, ParamError

# type name → (module, class name) for layers outside layers.py
_LAZY = {
    "Conv2D": ("designer.engine.conv", "Conv2D"),
    "MaxPooling2D": ("designer.engine.conv", "MaxPooling2D"),
    "BatchNormalization": ("designer.engine.normalization", "BatchNormalization"),
}


def layer_class(type_name: str) -> type[Layer]:
    cls = CORE_LAYERS.get(type_name)
    if cls is not None:
        return cls
    if type_name not in _LAZY:
        raise ParamError(f'unknown layer type "{type_name}"; known: {", ".join(LAYER_TYPES)}')
    module_name, class_name = _LAZY[type_name]
    try:
        return getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        raise GraphError(f"{type_name} layers are not available in this build of the engine") from None


def make_layer(node_id: str, type_name: str, params: dict, dtype=np.float32) -> Layer:
    """An unbuilt layer for one graph node; `params` are the canonical (coerced) parameters."""
    return layer_class(type_name)(node_id, params, dtype)
