"""Standard streams that behave the same on every system.

- A windowed program (the `nn-designer-gui` launcher, `pythonw`, a bundle built with `console=False`) starts
  with `sys.stdout` and `sys.stderr` set to None on Windows (and with closed descriptors anywhere): every
  `print` would raise. `ensure_std_streams` points the missing ones at a log file, so messages are kept.
- Results (CSV, JSON) are UTF-8 with "\\n" line ends everywhere: a Windows pipe is cp1252 by default (a
  non-ASCII class label raised UnicodeEncodeError) and its text layer turns "\\n" into "\\r\\n".
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from designer.user_folders import user_folder

LOG_NAME = "nn-designer.log"


def log_path() -> Path:
    """Where a windowed program's messages go: NN_DESIGNER_LOG, else the system's place for app logs."""
    if os.environ.get("NN_DESIGNER_LOG"):
        return Path(os.environ["NN_DESIGNER_LOG"])
    return user_folder("Logs", "XDG_STATE_HOME", ".local/state") / LOG_NAME


def ensure_std_streams() -> None:
    """Replace a missing sys.stdout / sys.stderr with the log file (os.devnull when that cannot be opened)."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = open(path, "a", encoding="utf-8", errors="backslashreplace", buffering=1)  # noqa: SIM115
    except OSError:
        stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream


def utf8_results() -> None:
    """stdout as UTF-8 with "\\n" (results are bytes scripts compare); stderr never fails on a character."""
    out = sys.stdout
    if hasattr(out, "reconfigure"):
        try:
            out.reconfigure(encoding="utf-8", newline="\n")
        except (ValueError, OSError):  # a stream that cannot change any more: keep it
            pass
    err = sys.stderr
    if hasattr(err, "reconfigure"):
        try:
            err.reconfigure(errors="backslashreplace")
        except (ValueError, OSError):
            pass
