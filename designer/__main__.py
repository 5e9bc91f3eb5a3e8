"""`python -m designer` is the same command as `nn-designer`."""

import multiprocessing
import sys

from designer.cli import main

if __name__ == "__main__":
    # In a bundle (PyInstaller) the training process is this same program started again: let it become that.
    multiprocessing.freeze_support()
    sys.exit(main())
