"""User data into generated source, safely by construction: the one door every code exporter goes through.

Anything that came from a person (project name, layer ids, column names, categories, class labels, parameter
values) reaches a generated `.py` file only as `literal(value)`: the `repr()` of plain values (None, bool,
int, finite float, str, and lists/tuples/dicts of them), checked to read back as the same value with
`ast.literal_eval`. A string, however hostile (triple quotes, a trailing backslash, newlines, U+2028, NUL,
`__import__(...)`), can then only ever be a string. Larger data goes into separate data files (JSON, npz).
Comments and docstrings of generated files hold no user data at all, and names in code are `identifier()`s.
"""

from __future__ import annotations

import ast
import keyword
import math
import re

from designer.errors import ExportError

_PLAIN_SCALARS = (type(None), bool, int, float, str)


def _plain(value, where: str):
    """`value` as plain Python data (NumPy scalars become Python numbers), or ExportError naming `where`."""
    if hasattr(value, "item") and type(value).__module__ == "numpy" and getattr(value, "ndim", 1) == 0:
        value = value.item()  # np.float32(0.5) → 0.5: its repr would be code, not a literal
    if isinstance(value, float) and not math.isfinite(value):
        raise ExportError(f"cannot export {where}: the value {value} is not a finite number")
    if type(value) in _PLAIN_SCALARS:
        return value
    if type(value) in (list, tuple):
        items = [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return items if type(value) is list else tuple(items)
    if type(value) is dict:
        out = {}
        for k, v in value.items():
            if type(k) not in (str, int):
                raise ExportError(f"cannot export {where}: the key {k!r} is not a string")
            out[k] = _plain(v, f"{where}.{k}")
        return out
    raise ExportError(f"cannot export {where}: {type(value).__name__} is not plain data")


def literal(value, where: str = "a value") -> str:
    """Python source text that evaluates to `value` and can do nothing else."""
    plain = _plain(value, where)
    text = repr(plain)
    # repr() of plain data is a literal by definition; reading it back proves it (and catches any future type)
    if ast.literal_eval(text) != plain:
        raise ExportError(f"cannot export {where}: it does not survive as a Python literal")
    return text


_NOT_IDENT = re.compile(r"[^A-Za-z0-9_]")


def identifier(name: str, reserved: frozenset[str] | set[str] = frozenset()) -> str:
    """An ASCII Python identifier made from `name` (other characters become _). ASCII only: Python folds
    non-ASCII identifiers by NFKC, so two different names could become the same variable."""
    ident = _NOT_IDENT.sub("_", name)
    if not ident or ident[0].isdigit() or keyword.iskeyword(ident) or ident in reserved or ident.startswith("_"):
        ident = f"layer_{ident}"
    assert ident.isidentifier() and ident.isascii()
    return ident


def plan_constants(plan, weights_file: str) -> list[str]:
    """The constants every generated model module starts with (PyTorch and Keras), each a checked literal."""
    return [
        f"NETWORK_NAME = {literal(plan.name, 'the project name')}",
        f"INPUT_SHAPE = {literal(tuple(plan.input_shape))}",
        f"OUTPUT_SHAPE = {literal(tuple(plan.output_shape))}",
        f"TASK = {literal(plan.task)}",
        f"CLASSES = {literal(plan.classes, 'the class labels')}",
        f"WEIGHTS_FILE = {literal(weights_file)}",
        "# (mean, scale) of the target fitted on the training split: the model outputs y = out * scale + mean",
        f"TARGET_SCALING = {literal(plan.target_scaling, 'the target scaling')}",
    ]
