"""Python's collector runs on the GUI thread only (designer.ui.app.collect_garbage_on_gui_thread): a data reader
or training thread that allocates must never be the one that collects a closed window's Qt objects — that
crashed the suite about one run in four (segfaults while a reader thread ran pandas)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading

from designer.ui.start_page import iris_mlp
from tests.ui.gestures import choose


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_app_switches_automatic_collection_off():
    code = ("import gc; from designer.ui.app import make_application; app = make_application(); "
            "print(gc.isenabled(), app.garbage_collector is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                         timeout=120, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert out.stdout.split() == ["False", "True"], out.stderr


def test_garbage_is_collected_from_the_gui_threads_timer(qtbot):
    assert not gc.isenabled()
    collected = []
    gc.callbacks.append(lambda phase, info: phase == "stop" and collected.append(threading.current_thread()))
    try:
        garbage = [_Cycle() for _ in range(gc.get_threshold()[0] * 3)]
        del garbage
        # Whole-second waits: the collector's timer ticks once a second, and waitUntil's 10 ms event loops
        # starved it after test_file_open's tests (the order the suite runs them in).
        for _ in range(6):
            qtbot.wait(1_000)
            if collected:
                break
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
        qtbot.wait(1_200)  # the collector's timer fires on the GUI thread
    finally:
        gc.callbacks.pop()
        gc.set_threshold(*old)
    assert threads, "the GUI-thread collector never ran"
    assert set(threads) == {threading.main_thread()}
