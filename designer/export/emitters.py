"""Per-format dispatch tables: how each layer type is written in each export format.

An exporter never branches on a layer's type; it asks `emitter(fmt, step)` for the function registered for
that type and format. The built-in types register theirs in `designer.export.layers` (one module per family,
next to the engine's: core, conv, merge, normalization), so everything one format needs to know about one
type lives in one function. A new layer type adds its emitters with `@emits("onnx", "MyType")` and so on,
from any module; a format without one refuses the type with a readable error before anything is written.

What each format's emitter receives and returns:
- "onnx":    fn(builder, step, input_values) -> value (see onnx_export._Builder / _Value)
- "keras":   fn(step, var, input_vars, activation_layer) -> list of source lines assigning `var`
- "pytorch": fn(step, attr, input_vars, activation) -> TorchLayer
- "numpy":   NumpyLayer(fields, source): the step record's extra fields and the runtime function's source
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from designer.errors import ExportError

FORMATS = ("onnx", "keras", "pytorch", "numpy")
_LABELS = {"onnx": "ONNX", "keras": "Keras", "pytorch": "PyTorch", "numpy": "Python"}
_TABLES: dict[str, dict[str, Any]] = {f: {} for f in FORMATS}


@dataclass(frozen=True)
class TorchLayer:
    """One step in generated PyTorch code: the nn.Module constructor (None: no module), the forward expression,
    and how its arrays map to the module's tensors: (tensor attribute, project array name, permutation taking
    the project's layout to torch's, or None)."""

    ctor: str | None
    call: str
    tensors: tuple[tuple[str, str, tuple[int, ...] | None], ...] = ()


@dataclass(frozen=True)
class NumpyLayer:
    """One layer type in the generated NumPy predictor: `fields(step)` adds what the runtime reads to the step's
    record; `source` defines `function` (taking the record and the input arrays) in the generated file."""

    function: str
    source: str
    fields: Callable[[Any], dict] = field(default=lambda step: {})


def emits(fmt: str, *type_names: str):
    """Decorator registering `fn` as the `fmt` emitter of each of `type_names` (replacing an earlier one)."""
    if fmt not in _TABLES:
        raise ValueError(f"unknown export format {fmt!r}")

    def register(fn):
        for name in type_names:
            _TABLES[fmt][name] = fn
        return fn

    return register


def register_emitter(fmt: str, type_name: str, emitter: Any) -> None:
    emits(fmt, type_name)(emitter)


def unregister_emitters(type_name: str) -> None:
    for table in _TABLES.values():
        table.pop(type_name, None)


def supported(fmt: str) -> set[str]:
    """The layer types `fmt` can write."""
    return set(_TABLES[fmt])


def emitter(fmt: str, step) -> Any:
    """The `fmt` emitter of `step`'s type, or ExportError naming the type and the layer."""
    try:
        return _TABLES[fmt][step.type]
    except KeyError:
        raise ExportError(
            f'{_LABELS[fmt]} export does not support layer type {step.type} (layer "{step.id}")'
        ) from None


def require_all(plan, fmt: str) -> None:
    """Refuse, before anything is written, a plan with a layer type `fmt` has no emitter for."""
    plan.require_types(supported(fmt), _LABELS[fmt])
