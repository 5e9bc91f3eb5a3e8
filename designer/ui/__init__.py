"""The PySide6 user interface (the only package that imports Qt)."""

import sys

if sys.implementation.name == "cpython" and sys.version_info < (3, 12):
    # PySide6 6.12 drops one reference to None on every call from C++ into Python (it treats None as
    # immortal, which it is only from Python 3.12 on). On 3.11 the count reaches zero after some tens of
    # thousands of calls and the interpreter aborts with "none_dealloc" (True/False likewise). Give these
    # singletons a reference count no session can use up, so they behave as immortal here too.
    import ctypes

    for _singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(_singleton)).value += 1 << 40
    del _singleton
