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


class JobSlot:
    """The one background job a dialog or panel runs at a time, and the buttons that follow it: `idle` widgets
    (Run, Run again …) are enabled only while no job runs, `busy` ones (Stop) only while one does. `start` wires
    the job's progress, done and failed to the owner's handlers (buttons updated first); `stop` asks the job to
    end and joins its thread, so closing never leaves one behind."""

    def __init__(self, parent, idle=(), busy=()) -> None:
        self._parent = parent
        self._idle, self._busy = tuple(idle), tuple(busy)
        self.job: BackgroundJob | None = None

    def isRunning(self) -> bool:  # noqa: N802 (reads like the QThread it holds)
        return self.job is not None and self.job.isRunning()

    def start(self, work: Callable, done: Callable, failed: Callable, progress: Callable | None = None,
              control=None) -> None:
        """Run `work` (see BackgroundJob) unless a job is already running."""
        if self.isRunning():
            return
        self._set_busy(True)
        self.job = BackgroundJob(work, self._parent, control)
        if progress is not None:
            self.job.progress.connect(progress)
        self.job.done.connect(lambda result: (self._set_busy(False), done(result)))
        self.job.failed.connect(lambda message: (self._set_busy(False), failed(message)))
        self.job.start()

    def stop(self) -> None:
        if self.job is not None:
            self.job.stop()

    def _set_busy(self, on: bool) -> None:
        for widget in self._idle:
            widget.setEnabled(not on)
        for widget in self._busy:
            widget.setEnabled(on)
