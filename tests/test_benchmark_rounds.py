"""How the engine benchmark times a round: after the pause, untimed warm-up epochs, then only the timed ones
(on the 2-vCPU VM a second thread runs at half speed for 30-60 ms after idling; see WARM_UP_S)."""

from __future__ import annotations

from benchmarks import bench_engine


def test_a_round_times_only_its_own_epochs_after_a_warm_up(monkeypatch):
    calls = []
    monkeypatch.setattr(bench_engine, "PAUSE_S", 0.0)
    monkeypatch.setattr(bench_engine, "WARM_UP_S", 0.0)
    # a clock that counts the epochs run so far: the round's time is then its epoch count, exactly
    monkeypatch.setattr(bench_engine, "CLOCK", lambda: float(len(calls)))

    per_epoch = bench_engine._time(lambda: calls.append(1), epochs=3)

    assert per_epoch == 1.0  # three epochs timed, the warm-up not among them
    assert len(calls) == 4  # one untimed warm-up epoch even when WARM_UP_S has passed
