"""The training process (designer/training/remote.py): a run trained there sends the same events and ends with
the same weights as the same run in this process; it obeys pause, step and stop; it stays for the next run;
a failing run leaves it alive; a dead process is reported, not waited for; it ends when its window does."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from designer.training.events import BatchEnd, TrainingStarted
from designer.training.relay import EpochUpdate, HistoryCollector, HistoryInUpdates, RunFailed
from designer.training.remote import RunRequest, TrainingProcess
from designer.training.run import RunOutcome, RunStarted, TrainingRun
from tests.examples import quick_spiral

TIMEOUT_S = 120



@pytest.fixture(scope="module")
def process():
    started = TrainingProcess()
    yield started
    started.close()


def _events_until_end(process: TrainingProcess, run_id: int) -> list:
    """The run's events as the window sees them (its history rebuilt from the epoch updates)."""
    events, t0, history = [], time.monotonic(), HistoryCollector()
    while time.monotonic() - t0 < TIMEOUT_S:
        number, event = process.receive()
        assert number in (run_id, 0)
        events.append(history.receive(event))
        if isinstance(event, (RunOutcome, RunFailed)):
            return events
    raise AssertionError("the run did not end")


def test_a_run_in_the_process_matches_the_same_run_here(process):
    from threadpoolctl import threadpool_limits

    from designer.blas import threads_leaving_one_core

    assert process.alive and process.pid != os.getpid()
    process.start_run(1, RunRequest(project=quick_spiral(30), emit_interval=0.0, probe_interval=0.0))
    events = _events_until_end(process, 1)
    kinds = [type(e) for e in events]
    assert kinds[:2] == [RunStarted, TrainingStarted] and kinds[-1] is RunOutcome
    epochs = [end.epoch for update in events if isinstance(update, EpochUpdate) for end in update.events]
    assert epochs == list(range(1, 31))  # every epoch, in order, none twice
    last = next(e for e in reversed(events) if isinstance(e, EpochUpdate)).events[-1]
    assert "boundary" in last.extras  # the 2-feature probe's grid, computed in the process
    with threadpool_limits(limits=threads_leaving_one_core(), user_api="blas"):
        here = TrainingRun(quick_spiral(30), None).run()
    remote = events[-1]
    assert remote.reason == "completed" and remote.metrics["loss"] == pytest.approx(here.metrics["loss"], rel=1e-6)
    # the history, sent once (in the epoch updates) and put back together, is the run's own
    assert [e["epoch"] for e in remote.result.history] == list(range(1, 31))
    assert remote.result.history[-1].keys() == here.result.history[-1].keys()
    for mine, theirs in zip(remote.result.history, here.result.history, strict=True):
        assert mine == pytest.approx(theirs, rel=1e-6)
    for name, value in here.weights.items():
        np.testing.assert_allclose(remote.weights[name], value, rtol=1e-6, atol=1e-7)


def test_a_paused_run_steps_one_batch_at_a_time_and_stops(process):
    process.start_run(2, RunRequest(project=quick_spiral(50), paused=True))
    number, started = process.receive()
    assert (number, type(started)) == (2, RunStarted)
    assert isinstance(process.receive()[1], TrainingStarted)
    time.sleep(0.3)  # held: nothing more comes while nobody steps
    process.send("step_batch", 2)
    number, batch = process.receive()
    assert (number, type(batch), batch.epoch, batch.batch) == (2, BatchEnd, 1, 1)
    process.send("learning_rate", 2, 0.5)
    process.send("plane_axes", 2, 7, 7)  # a bad command is ignored, not fatal to the process
    process.send("stop", 2)
    events = _events_until_end(process, 2)
    assert events[-1].reason == "stopped" and len(events[-1].result.history) == 0


def test_a_failing_run_says_why_and_leaves_the_process_for_the_next(process, tmp_path):
    project = quick_spiral(3)
    project.data["source"] = {"kind": "csv", "path": str(tmp_path / "missing.csv")}
    process.start_run(3, RunRequest(project=project))
    events = _events_until_end(process, 3)
    assert isinstance(events[-1], RunFailed) and "missing.csv" in events[-1].message
    process.start_run(4, RunRequest(project=quick_spiral(2)))
    assert _events_until_end(process, 4)[-1].reason == "completed"


def test_a_killed_process_is_reported_with_how_it_ended():
    process = TrainingProcess()
    process.start_run(1, RunRequest(project=quick_spiral(100_000)))
    assert process.receive()[0] == 1  # training has begun
    os.kill(process.pid, signal.SIGKILL)
    number, event = process.receive()
    while number != 0:  # events still in the pipe, then the end of it
        number, event = process.receive()
    assert isinstance(event, RunFailed) and "killed" in event.message and "window is unaffected" in event.message
    assert not process.alive
    assert process.send("stop", 1) is False  # commands to a dead process are refused, not raised
    process.close()


def test_the_process_ends_when_its_window_goes():
    process = TrainingProcess()
    process.start_run(1, RunRequest(project=quick_spiral(100_000)))
    assert process.receive()[0] == 1
    process._commands.close()  # what the window's exit (or crash) does to its ends of the pipes
    process._events.close()
    process._process.join(timeout=30)
    assert not process.alive  # the run was stopped and the process left


def test_a_message_that_cannot_be_read_ends_the_run_instead_of_hanging(monkeypatch):
    import pickle

    process = TrainingProcess()

    def unreadable():
        raise pickle.UnpicklingError("invalid load key, '\\x00'")

    monkeypatch.setattr(process._events, "recv", unreadable)
    number, event = process.receive()
    assert number == 0 and isinstance(event, RunFailed) and "could not be read" in event.message
    assert not process.alive  # ended: its next message would be read out of step
    process.close()


def test_an_outcome_whose_epochs_did_not_all_arrive_is_refused(process):
    process.start_run(9, RunRequest(project=quick_spiral(5)))
    raw = []
    while not raw or not isinstance(raw[-1], (RunOutcome, RunFailed)):
        raw.append(process.receive()[1])
    assert isinstance(raw[-1].result.history, HistoryInUpdates) and raw[-1].result.history.epochs == 5
    history = HistoryCollector()
    for event in raw:
        if not isinstance(event, EpochUpdate) or event is not next(e for e in raw if isinstance(e, EpochUpdate)):
            last = history.receive(event)  # the first update is lost on the way
    assert isinstance(last, RunFailed) and "of the run's 5 epochs" in last.message
