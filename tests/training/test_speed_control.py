"""The speed control in the core: a delay per batch while running, never while stepping, woken by stop."""

from __future__ import annotations

import threading
import time

import pytest

from designer.errors import ParamError
from designer.training import TrainingControl


def test_each_batch_waits_at_least_the_delay():
    control = TrainingControl()
    control.set_batch_delay(0.05)
    start = time.monotonic()
    for _ in range(4):
        assert control.wait_for_batch()
    assert time.monotonic() - start >= 4 * 0.05  # a lower bound: never flaky under load


def test_stepping_is_not_slowed_and_full_speed_does_not_wait():
    control = TrainingControl()
    control.set_batch_delay(60.0)
    control.step_batches(2)  # paused with a budget: the user waits for each step, no delay
    done = threading.Event()
    threading.Thread(target=lambda: (control.wait_for_batch(), control.wait_for_batch(), done.set())).start()
    assert done.wait(10)
    control.resume()
    control.set_batch_delay(0.0)
    assert control.wait_for_batch()


def test_stop_and_a_new_speed_wake_a_waiting_batch():
    control = TrainingControl()
    control.set_batch_delay(60.0)
    results = []
    worker = threading.Thread(target=lambda: results.append(control.wait_for_batch()))
    worker.start()
    time.sleep(0.05)
    control.set_batch_delay(0.0)
    worker.join(10)
    assert results == [True]
    control.set_batch_delay(60.0)
    worker = threading.Thread(target=lambda: results.append(control.wait_for_batch()))
    worker.start()
    control.stop()
    worker.join(10)
    assert results == [True, False]


@pytest.mark.parametrize("bad", [-1.0, float("nan"), 61.0])
def test_a_delay_outside_0_to_60_seconds_is_refused(bad):
    with pytest.raises(ParamError, match="between 0 and 60 seconds"):
        TrainingControl().set_batch_delay(bad)
