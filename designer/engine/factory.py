"""Layer type name → engine Layer class, as each type's LayerType declares it (`engine`)."""

from __future__ import annotations

import importlib

import numpy as np

from designer.engine.layer_base import Layer
from designer.engine.registry import layer_type
from designer.errors import GraphError


def layer_class(type_name: str) -> type[Layer]:
    """The engine class of a layer type: its LayerType names it (a class, or "module:Class" imported when a
    network first uses the type, so convolution and normalisation load only when a graph needs them)."""
    engine = layer_type(type_name).engine  # ParamError for an unknown type
    if not isinstance(engine, str):
        return engine
    module_name, _, class_name = engine.partition(":")
    try:
        return getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        raise GraphError(f"{type_name} layers are not available in this build of the engine") from None


def make_layer(node_id: str, type_name: str, params: dict, dtype=np.float32) -> Layer:
    """An unbuilt layer for one graph node; `params` are the canonical (coerced) parameters."""
    return layer_class(type_name)(node_id, params, dtype)
