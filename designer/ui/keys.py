"""Keyboard shortcuts as each system spells them.

Qt's standard keys are the platform's own (Cmd on macOS), but some are empty where the platform has no
convention — Quit and Save As on Windows — which left those actions without a key there. Shortcut hints in
menus are written from the key sequence in the platform's notation (⌘C on macOS), never as literal "Ctrl+C".
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

StandardKey = QKeySequence.StandardKey
_FALLBACKS = {StandardKey.Quit: "Ctrl+Q", StandardKey.SaveAs: "Ctrl+Shift+S"}


def standard_or_fallback(key: StandardKey) -> list[QKeySequence]:
    """The platform's bindings for `key`, or the common one where the platform has none."""
    bindings = QKeySequence.keyBindings(key)
    if not bindings and key in _FALLBACKS:
        bindings = [QKeySequence(_FALLBACKS[key])]
    return bindings


def shortcut_hint(key: StandardKey | str) -> str:
    """The text after a tab in a menu entry: `key`'s first binding in the platform's notation."""
    seq = QKeySequence(key) if isinstance(key, str) else next(iter(standard_or_fallback(key)), QKeySequence())
    return seq.toString(QKeySequence.SequenceFormat.NativeText)
