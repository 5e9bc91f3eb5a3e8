"""One piece of core work (an LR range test, a sweep, a learning curve) on its own thread, for the window's
learning tools. The work is a plain function `work(report, should_stop) -> result`; `report(obj)` passes
progress on. The job's signals are delivered on the GUI thread (queued: the job object lives there).
Always joined: `stop()` asks the work to end and waits for the thread.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable

from PySide6.QtCore import QThread, Signal

from designer.blas import threads_leaving_one_core
from designer.errors import DesignerError


class BackgroundJob(QThread):
    progress = Signal(object)
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Callable, parent=None, control=None) -> None:
        """`control`: a TrainingControl the work's training runs use; stopping the job stops the run in the
        middle of its epoch, so closing a window never waits for a long run to end."""
        super().__init__(parent)
        self._work = work
        self._stop = threading.Event()
        self.control = control

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        from threadpoolctl import threadpool_limits

        try:
            # leave a core to the GUI thread, as the training worker does
            with threadpool_limits(limits=threads_leaving_one_core(), user_api="blas"):
                result = self._work(self.progress.emit, self.should_stop)
        except DesignerError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug: say so in one line, keep the trace for the log
            traceback.print_exc()
            self.failed.emit(f"internal error: {type(exc).__name__}: {exc}")
        else:
            self.done.emit(result)

    def stop(self) -> None:
        self._stop.set()
        if self.control is not None:
            self.control.stop()
        self.wait()
