"""`python -m designer` is the same command as `nn-designer`."""

import os
import sys

# A windowed build (Windows installer, macOS .app) may start with no stdout/stderr; a print must not crash it.
if sys.stdout is None or sys.stderr is None:
    _devnull = open(os.devnull, "w", encoding="utf-8")  # open for the life of the process
    sys.stdout, sys.stderr = sys.stdout or _devnull, sys.stderr or _devnull

from designer.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
