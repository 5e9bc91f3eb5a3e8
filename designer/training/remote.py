"""Training in a process of its own, so the window never waits for it.

A window and a training thread in one process share Python's interpreter lock: every batch the trainer runs
in Python holds it, and every paint, event filter or signal the window handles waits for it (measured in the
window: the longest event-loop stall during an iris run 28-60 ms, the spiral's training at 87 % of headless
speed). A second process has its own interpreter, so neither waits for the other.

`TrainingProcess` is that process: started once (with "spawn", the one way that is safe beside Qt's threads
and the same on Windows, macOS and Linux), it runs the runs it is sent one at a time and stays for the next,
so only the first run pays for starting Python and importing NumPy and pandas. The window sends a
`RunRequest` and then commands (pause, step, learning rate …) down one pipe and reads the run's events
(`designer.training.relay`) from another, each tagged with the run's number. If the process dies (killed
for lack of memory, a crash in a native library) the window reads the end of the pipe and says so, and the
next run starts a new process: the window itself stays up.

`take_process()` / `give_back()` keep one idle process ready between runs; `prewarm()` starts it early.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from designer.training.relay import EMIT_INTERVAL_S, PROBE_INTERVAL_S, RunFailed

__all__ = ["RunRequest", "TrainingProcess", "give_back", "idle_process_id", "prewarm", "shut_down_idle",
           "take_process"]


@dataclass
class RunRequest:
    """Everything one run needs, sent to the process as plain data (pickled)."""

    project: Any  # a private snapshot of the project (designer.ui.worker.snapshot)
    base_dir: Path | None = None
    reset_weights: bool = False
    paused: bool = False  # start held, for stepping one batch or epoch at a time
    batch_delay: float = 0.0
    plane_wanted: bool = True
    emit_interval: float = EMIT_INTERVAL_S
    probe_interval: float = PROBE_INTERVAL_S


def _control_for(request: RunRequest):
    from designer.training.control import TrainingControl

    control = TrainingControl()
    control.set_batch_delay(request.batch_delay)
    if request.paused:
        control.pause()
    return control


def _apply(command: str, args: tuple, control, relayed) -> None:
    """One command from the window to a run (on the process's listening thread; the control is thread-safe)."""
    if command == "stop":
        control.stop()
    elif command == "pause":
        control.pause()
    elif command == "resume":
        control.resume()
    elif command == "step_batch":
        control.step_batches(1)
    elif command == "step_epoch":
        control.step_epoch()
    elif command == "learning_rate":
        control.set_learning_rate(float(args[0]))
    elif command == "batch_delay":
        control.set_batch_delay(float(args[0]))
    elif command == "plane_axes":
        relayed.set_plane_axes(int(args[0]), int(args[1]))
    elif command == "plane_wanted":
        relayed.plane_wanted = bool(args[0])


def serve(events: Connection, commands: Connection) -> None:
    """The training process's main: run each run it is sent, one at a time, until told to quit or until the
    window's end of the pipe closes (the window exited or crashed: a run in progress stops)."""
    from threadpoolctl import threadpool_limits

    from designer.blas import threads_leaving_one_core
    from designer.errors import DesignerError
    from designer.training.relay import RelayedRun

    runs: dict[int, tuple[Any, Any]] = {}  # run number → (control, relayed run), while it is queued or training
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    lock = threading.Lock()

    def stop_all() -> None:
        with lock:
            for control, _ in runs.values():
                control.stop()

    def send(run_id: int, event: Any) -> None:
        try:
            events.send((run_id, event))
        except (OSError, ValueError):  # nobody is listening any more: stop training for no one
            stop_all()

    def listen() -> None:
        while True:
            try:
                message = commands.recv()
            except (EOFError, OSError):
                message = ("quit", 0)
            command, run_id, *args = message
            if command == "quit":
                stop_all()
                jobs.put(None)
                return
            with lock:
                if command == "run":
                    request: RunRequest = args[0]
                    control = _control_for(request)
                    relayed = RelayedRun(request.project, request.base_dir, control,
                                         lambda event, run_id=run_id: send(run_id, event),
                                         reset_weights=request.reset_weights, emit_interval=request.emit_interval,
                                         probe_interval=request.probe_interval)
                    relayed.plane_wanted = request.plane_wanted
                    runs[run_id] = (control, relayed)
                    jobs.put(run_id)
                elif run_id in runs:  # commands for a run that has ended are dropped
                    try:
                        _apply(command, tuple(args), *runs[run_id])
                    except (DesignerError, ValueError, TypeError):
                        pass  # a value the window already checks (learning rate, axes): nothing to change

    threading.Thread(target=listen, name="commands", daemon=True).start()
    # Leave a core to the window: BLAS threads spinning on every core starve its event loop.
    with threadpool_limits(limits=threads_leaving_one_core(), user_api="blas"):
        while (run_id := jobs.get()) is not None:
            with lock:
                _, relayed = runs[run_id]
            relayed.execute()
            with lock:
                runs.pop(run_id, None)


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "the training process stopped answering"
    if code < 0:
        how = {9: "it was killed (often by the system, for lack of memory)", 11: "it crashed (segmentation fault)",
               15: "it was terminated"}.get(-code, f"it was ended by signal {-code}")
        return f"the training process ended unexpectedly: {how}; the window is unaffected, train again to retry"
    return f"the training process ended unexpectedly (exit code {code}); the window is unaffected, train again"


class TrainingProcess:
    """A Python process that trains the runs it is sent, one at a time. Used from the window's GUI thread
    (start_run, send) and from one reading thread (receive)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._events, child_events = context.Pipe(duplex=False)
        child_commands, self._commands = context.Pipe(duplex=False)
        self._process = context.Process(target=serve, args=(child_events, child_commands),
                                        name="nn-designer-training", daemon=True)
        self._process.start()
        # Only the child holds these ends now: when it dies, receive() sees the end of the pipe.
        child_events.close()
        child_commands.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def start_run(self, run_id: int, request: RunRequest) -> bool:
        return self.send("run", run_id, request)

    def send(self, command: str, run_id: int, *args: Any) -> bool:
        """Send a command; False when the process is gone (its reader then reports why)."""
        try:
            self._commands.send((command, run_id, *args))
            return True
        except (OSError, ValueError):
            return False

    def receive(self) -> tuple[int, Any]:
        """The next (run number, event); when the process has ended, (0, RunFailed) saying how it ended."""
        try:
            return self._events.recv()
        except (EOFError, OSError):
            self._process.join(timeout=5)
            return 0, RunFailed(_describe_exit(self._process.exitcode))
        except Exception as exc:  # a message that cannot be read (a bug): end the run rather than hang on it
            self.kill()
            return 0, RunFailed(f"a message from the training process could not be read ({type(exc).__name__}: "
                                f"{exc}); the window is unaffected, train again")

    def kill(self) -> None:
        """End it now (a run that does not stop): the next run starts a new process."""
        self._process.kill()
        self._process.join(timeout=5)

    def close(self, timeout: float = 2.0) -> None:
        """Ask it to quit between runs, and end it if it does not."""
        self.send("quit", 0)
        self._process.join(timeout=timeout)
        if self._process.is_alive():
            self.kill()
        self._commands.close()
        self._events.close()


# One idle process kept ready between runs (all used from the GUI thread).
_idle: list[TrainingProcess] = []


def take_process() -> TrainingProcess:
    """An idle training process: the one kept ready, or a new one."""
    while _idle:
        process = _idle.pop()
        if process.alive:
            return process
        process.close()
    return TrainingProcess()


def give_back(process: TrainingProcess) -> None:
    """A process whose run has ended: kept for the next run while it lives and none is kept yet."""
    if process.alive and not _idle:
        _idle.append(process)
    else:
        process.close()


def prewarm() -> None:
    """Start the process a first run will use, so that run does not wait for Python and NumPy to load."""
    if not any(process.alive for process in _idle):
        _idle.append(TrainingProcess())


def idle_process_id() -> int | None:
    """The id of the process the next run will use, if one is ready (benchmarks read its CPU time)."""
    for process in reversed(_idle):
        if process.alive:
            return process.pid
    return None


def shut_down_idle() -> None:
    """Close the idle processes (the application is quitting)."""
    while _idle:
        _idle.pop().close()
