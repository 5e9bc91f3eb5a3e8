"""Pause, single steps, resume and stop from another thread, against a real training run."""

import threading

import pytest

from designer.errors import ParamError
from designer.training import Trainer, TrainingControl
from designer.training import trainer as trainer_module
from tests.training.helpers import Recorder, blobs, cfg, mlp

TIMEOUT = 20  # seconds: only reached when something hangs


@pytest.fixture(autouse=True)
def every_batch(monkeypatch):
    monkeypatch.setattr(trainer_module, "BATCH_EVENT_INTERVAL", 0.0)


class Run:
    """A trainer on a background thread with an event recorder that can wait for a condition."""

    def __init__(self, control, epochs=3, n=64, batch_size=16):
        self.cond = threading.Condition()
        self.events = []
        self.result = None
        self.error = None
        self.trainer = Trainer(mlp(), blobs(n=n), cfg(epochs=epochs, batch_size=batch_size),
                               control=control, on_event=self._on_event)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _on_event(self, e):
        with self.cond:
            self.events.append(e)
            self.cond.notify_all()

    def _run(self):
        try:
            self.result = self.trainer.run()
        except Exception as err:  # surfaced by the test
            self.error = err

    def wait_for(self, predicate):
        with self.cond:
            assert self.cond.wait_for(lambda: predicate(self.events), timeout=TIMEOUT), "timed out"

    def batches(self):
        with self.cond:
            return [(e.epoch, e.batch) for e in self.events if type(e).__name__ == "BatchEnd"]

    def join(self):
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "training did not finish"
        assert self.error is None, self.error
        return self.result


def count(kind):
    return lambda events: sum(type(e).__name__ == kind for e in events)


def test_pause_step_batches_step_epoch_resume():
    control = TrainingControl()
    control.pause()  # paused before the start: nothing runs until told
    run = Run(control, epochs=3)  # 4 batches per epoch
    run.wait_for(lambda ev: count("TrainingStarted")(ev) == 1)
    assert control.is_paused
    control.step_batches(3)
    run.wait_for(lambda ev: count("BatchEnd")(ev) == 3)
    assert run.batches() == [(1, 1), (1, 2), (1, 3)]
    control.step_epoch()  # the rest of epoch 1, then paused again
    run.wait_for(lambda ev: count("EpochEnd")(ev) == 1)
    assert run.batches()[-1] == (1, 4)
    control.step_batches(1)
    run.wait_for(lambda ev: count("BatchEnd")(ev) == 5)
    assert run.batches()[-1] == (2, 1)
    assert control.is_paused and run.thread.is_alive()
    control.resume()
    result = run.join()
    assert result.reason == "completed" and len(result.history) == 3
    assert len(run.batches()) == 12


def test_stop_while_paused_ends_the_run():
    control = TrainingControl()
    control.pause()
    run = Run(control)
    run.wait_for(lambda ev: count("TrainingStarted")(ev) == 1)
    control.stop()
    result = run.join()
    assert result.reason == "stopped" and result.history == []
    assert type(run.events[-1]).__name__ == "TrainingFinished" and run.events[-1].reason == "stopped"


def test_stop_from_another_thread_mid_run_keeps_finished_epochs():
    control = TrainingControl()
    control.pause()
    run = Run(control, epochs=5)
    control.step_epoch()
    run.wait_for(lambda ev: count("EpochEnd")(ev) == 1)
    control.step_batches(2)
    run.wait_for(lambda ev: count("BatchEnd")(ev) == 6)
    control.stop()
    result = run.join()
    assert result.reason == "stopped" and len(result.history) == 1
    assert "epoch 2" in result.message


def test_control_rejects_bad_values_in_the_callers_thread():
    control = TrainingControl()
    with pytest.raises(ParamError):
        control.step_batches(0)
    with pytest.raises(ParamError, match="learning_rate"):
        control.set_optimizer_param("learning_rate", 0.0)
    with pytest.raises(ParamError, match="no parameter"):
        control.set_optimizer_param("colour", 1)
    control.set_learning_rate(0.2)
    control.set_optimizer_param("momentum", 0.5)
    assert control.take_changes() == (0.2, {"momentum": 0.5})
    assert control.take_changes() == (None, {})


def test_wait_for_batch_budget_without_threads():
    control = TrainingControl()
    assert control.wait_for_batch()
    control.step_batches(2)
    assert control.wait_for_batch() and control.wait_for_batch()
    assert control.is_paused
    control.stop()
    assert not control.wait_for_batch() and control.stop_requested


def test_events_recorded_in_order_with_a_recorder():
    rec = Recorder()
    Trainer(mlp(), blobs(n=32), cfg(epochs=1, batch_size=16), on_event=rec).run()
    assert [type(e).__name__ for e in rec.events] == [
        "TrainingStarted", "BatchEnd", "BatchEnd", "EpochEnd", "TrainingFinished"]


def test_a_single_step_is_reported_even_with_the_normal_throttle(monkeypatch):
    """"Step batch" in the UI must visibly do something: the stepped batch gets its BatchEnd."""
    monkeypatch.setattr(trainer_module, "BATCH_EVENT_INTERVAL", 3600.0)  # nothing by time
    control = TrainingControl()
    control.pause()
    run = Run(control, epochs=2)
    run.wait_for(lambda ev: count("TrainingStarted")(ev) == 1)
    control.step_batches(1)
    run.wait_for(lambda ev: count("BatchEnd")(ev) == 1)
    control.step_batches(1)
    run.wait_for(lambda ev: count("BatchEnd")(ev) == 2)
    assert run.batches() == [(1, 1), (1, 2)]
    control.stop()
    run.join()


def test_every_batch_of_a_multi_batch_step_is_reported(monkeypatch):
    monkeypatch.setattr(trainer_module, "BATCH_EVENT_INTERVAL", 3600.0)  # nothing by time
    control = TrainingControl()
    control.pause()
    run = Run(control, epochs=2)
    run.wait_for(lambda ev: count("TrainingStarted")(ev) == 1)
    control.step_batches(3)
    run.wait_for(lambda ev: count("BatchEnd")(ev) == 3)
    assert run.batches() == [(1, 1), (1, 2), (1, 3)]
    control.stop()
    run.join()
