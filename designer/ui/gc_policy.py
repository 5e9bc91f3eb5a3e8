"""Python's cyclic garbage collector runs on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate when a threshold is crossed. When that is a
worker thread (the data reader, the trainer) and the garbage holds Qt objects from a closed window, their C++
destructors run off the GUI thread and the process crashes. Seen in the suite as segmentation faults while a
data-reader thread ran pandas (about one run in four of tests/ui/test_import_data.py). So automatic collection is
switched off and a timer on the GUI thread collects whenever the usual thresholds say it is due.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 250


class MainThreadCollector(QObject):
    """Owns the collector while it lives: `gc.disable()` now, generation-wise collections from a GUI-thread timer."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = CHECK_INTERVAL_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect_if_due)
        self.timer.start(interval_ms)

    def collect_if_due(self) -> int | None:
        """Collect the oldest generation whose threshold is crossed, as the automatic collector would."""
        counts = gc.get_count()
        if counts[0] <= self.thresholds[0]:
            return None
        generation = 0
        for g in (1, 2):
            if counts[g] > self.thresholds[g]:
                generation = g
        gc.collect(generation)
        return generation


def collect_on_gui_thread(app: QObject) -> MainThreadCollector:
    """Install the collector once per application (it is kept as the application's child)."""
    existing = getattr(app, "gc_collector", None)
    if existing is None:
        existing = app.gc_collector = MainThreadCollector(app)
    return existing
