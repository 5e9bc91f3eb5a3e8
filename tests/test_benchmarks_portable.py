"""The benchmarks run on every system: no POSIX-only modules at import (`resource` does not exist on
Windows; the memory peak comes from the kernel there)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import benchmarks


def test_every_benchmark_module_imports():
    names = [m.name for m in pkgutil.iter_modules([str(Path(benchmarks.__file__).parent)])]
    assert "bench_csv_import" in names
    for name in names:
        if name != "__main__":
            importlib.import_module(f"benchmarks.{name}")


def test_peak_memory_is_measured_here():
    from benchmarks.bench_csv_import import peak_rss_mb

    assert 1 < peak_rss_mb() < 1e6  # MB: a Python process with NumPy loaded
