"""Thread caps for the BLAS library NumPy calls, including the one threadpoolctl cannot reach.

NumPy's wheels for Apple silicon (NumPy 2 on macOS 14 and later) use Apple's Accelerate. threadpoolctl
cannot see or change Accelerate's threads, so the window's "leave a core to the GUI" limit
(`threadpool_limits` in designer/ui/worker.py) and the engine's one-thread/many-threads chooser
(designer/engine/network.py, which then stays out of the way) do nothing there. Accelerate reads
VECLIB_MAXIMUM_THREADS once, when it is loaded: the window sets it before NumPy is imported. A value the user
set is kept. Elsewhere the variable is harmless and the threadpoolctl limits apply.
"""

from __future__ import annotations

import os
import sys

ACCELERATE_VAR = "VECLIB_MAXIMUM_THREADS"


def threads_leaving_one_core() -> int:
    """All cores but one: the GUI thread keeps a core for drawing."""
    return max(1, (os.cpu_count() or 2) - 1)


def cap_accelerate_before_numpy(threads: int, platform: str = sys.platform) -> bool:
    """Set VECLIB_MAXIMUM_THREADS (macOS) unless the user did; False when NumPy is loaded already (too late:
    Accelerate keeps the count it started with) or on other systems."""
    if platform != "darwin":
        return False
    if "numpy" in sys.modules:
        return False
    os.environ.setdefault(ACCELERATE_VAR, str(threads))
    return True


def numpy_blas_name() -> str:
    """The BLAS NumPy was built with ('accelerate', 'scipy-openblas', 'mkl' …), '' when it does not say."""
    import numpy as np

    try:
        return str(np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]).lower()
    except (AttributeError, KeyError, TypeError):
        return ""
