"""Layer type name → engine Layer class, as each type's LayerType declares it (`engine`)."""

from __future__ import annotations

import importlib

import numpy as np

from designer.engine.layer_base import Layer
from designer.engine.registry import layer_type
from designer.errors import GraphError


def load_hook(hook):
    """A LayerType hook: the object itself, or the one "module:name" names, imported on first use (so
    convolution, normalisation and torch load only when something needs them). None for an empty hook;
    ImportError/AttributeError when the named one is missing."""
    if not isinstance(hook, str):
        return hook
    if not hook:
        return None
    module_name, _, attr = hook.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def layer_class(type_name: str) -> type[Layer]:
    """The engine class of a layer type, as its LayerType names it (`engine`)."""
    engine = layer_type(type_name).engine  # ParamError for an unknown type
    try:
        return load_hook(engine)
    except (ImportError, AttributeError):
        raise GraphError(f"{type_name} layers are not available in this build of the engine") from None


def make_layer(node_id: str, type_name: str, params: dict, dtype=np.float32) -> Layer:
    """An unbuilt layer for one graph node; `params` are the canonical (coerced) parameters."""
    return layer_class(type_name)(node_id, params, dtype)
