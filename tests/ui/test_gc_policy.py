"""Python's collector runs on the GUI thread only (designer/ui/gc_policy.py): a worker thread that allocates
while the window's data reader runs must never be the one that collects Qt garbage."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading

from designer.ui.gc_policy import MainThreadCollector, collect_on_gui_thread
from designer.ui.start_page import iris_mlp
from tests.ui.gestures import choose


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_app_switches_automatic_collection_off():
    code = ("import gc; from designer.ui.app import make_application; app = make_application(); "
            "print(gc.isenabled(), app.gc_collector is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                         timeout=120, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert out.stdout.split() == ["False", "True"], out.stderr


def test_the_collector_collects_from_its_timer_on_the_gui_thread(qapp, qtbot):
    collector = collect_on_gui_thread(qapp)
    assert not gc.isenabled()
    collected = []
    gc.callbacks.append(lambda phase, info: phase == "stop" and collected.append(threading.current_thread()))
    try:
        garbage = [_Cycle() for _ in range(collector.thresholds[0] * 3)]
        del garbage
        qtbot.waitUntil(lambda: bool(collected), timeout=5_000)
    finally:
        gc.callbacks.pop()
    assert set(collected) == {threading.main_thread()}


def test_no_collection_runs_on_the_data_reader_thread(make_window, qtbot):
    old = gc.get_threshold()
    gc.set_threshold(50)  # were automatic collection on, the reader's pandas work would trigger it at once
    threads = []
    gc.callbacks.append(lambda phase, info: phase == "start" and threads.append(threading.current_thread()))
    try:
        window = make_window(iris_mlp())
        panel = window.data_panel
        titles = [panel.source_combo.itemText(i) for i in range(panel.source_combo.count())]
        for title in [t for t in titles if t][:4]:  # each choice is read on the reader thread
            choose(panel.source_combo, title)
            panel.wait_for_load()
        qtbot.wait(600)  # the collector's timer fires on the GUI thread
    finally:
        gc.callbacks.pop()
        gc.set_threshold(*old)
    assert threads, "the GUI-thread collector never ran"
    assert set(threads) == {threading.main_thread()}


def test_collect_if_due_follows_the_generation_thresholds(qapp):
    collector = MainThreadCollector(interval_ms=10_000)
    try:
        gc.collect()
        assert collector.collect_if_due() is None  # nothing allocated since: not due
        garbage = [_Cycle() for _ in range(collector.thresholds[0] + 10)]
        del garbage
        assert collector.collect_if_due() in (0, 1, 2)
    finally:
        collector.timer.stop()
        collector.deleteLater()
