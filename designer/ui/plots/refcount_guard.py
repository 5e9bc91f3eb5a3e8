"""Work around a reference-count bug of PySide6 6.12.0 on Python 3.11.

Every call of a Qt method that returns void (setText, setPos, setVisible …) drops one reference to
`None`, and some pyqtgraph paths drop references to `True`/`False`. After some ten thousand calls — a
minute of live plotting — Python aborts with "Fatal Python error: none_dealloc: deallocating None".
Python 3.12+ made these objects immortal, which hides the bug there. On older Pythons we give them a
reference count they cannot lose, which is what 3.12 does. Plain ctypes, no Qt: safe to import anywhere.
"""

from __future__ import annotations

import ctypes
import platform
import sys

_HEADROOM = 1 << 40  # a trillion lost references before trouble; the bug loses one per Qt call
_done = False


def protect_singletons() -> bool:
    """Raise the reference counts of None, True and False once per process; True if it did."""
    global _done
    if _done or sys.version_info >= (3, 12) or platform.python_implementation() != "CPython":
        return False
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM  # ob_refcnt is the first field
    _done = True
    return True


protect_singletons()
