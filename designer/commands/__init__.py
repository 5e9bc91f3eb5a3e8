"""Subcommands of `nn-designer` beyond the five of the first version, one module each.

A module listed in MODULES has:
- ``NAME``: the word on the command line;
- ``HELP``: one line for ``nn-designer --help``;
- ``add_arguments(parser)``: its arguments, on the subparser `designer/cli.py` made for it;
- ``run(args) -> int``: the exit code; errors are raised as ``DesignerError`` (cli.main prints them).

The list is explicit rather than discovered so that PyInstaller bundles every command without hooks.
Keep one module per line: engineers add commands in parallel and merges stay trivial.
"""
from __future__ import annotations

import importlib
from types import ModuleType

MODULES: tuple[str, ...] = (
    "import_model",
    "load_weights",
    "lr_find",
    "sweep",
)


def command_modules() -> list[ModuleType]:
    """The extra subcommands, imported (each module keeps its own heavy imports inside `run`)."""
    return [importlib.import_module(f"{__name__}.{name}") for name in MODULES]
