"""`python -m designer` is the same command as `nn-designer`."""

import sys

from designer.cli import main

if __name__ == "__main__":
    sys.exit(main())
