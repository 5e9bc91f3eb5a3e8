"""The GUI benchmarks' stall probe: a 5 ms timer on the event loop; each gap between two of its ticks is a
sample, so the longest gap is the longest time the loop could not run (a stall a person would feel)."""

from __future__ import annotations

import os
import time

PROBE_MS = 5


class GapProbe:
    def __init__(self, interval_ms: int = PROBE_MS) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []  # seconds
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        """Start afresh: no samples, the first gap counted from now."""
        self.gaps.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def take(self) -> list[float]:
        """The samples so far (seconds); the probe goes on with none."""
        taken, self.gaps = self.gaps, []
        return taken


def scratch_settings():
    """Window settings in a temporary file: a benchmark's window neither starts from the developer's saved
    layout (a narrow dock from some earlier window changed what the screenshots show) nor overwrites it."""
    import tempfile

    from PySide6.QtCore import QSettings

    folder = tempfile.mkdtemp(prefix="nn-designer-bench-settings-")
    return QSettings(os.path.join(folder, "settings.ini"), QSettings.Format.IniFormat)
