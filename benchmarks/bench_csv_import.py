"""Benchmark: import and prepare a 1,000,000 × 20 CSV (18 numeric features, 1 categorical, 1 class label).

    .venv/bin/python benchmarks/bench_csv_import.py [--rows N] [--tracemalloc]

Prints the seconds spent reading (detection + validation pass + pandas parse) and preparing (cleaning,
split, one-hot, scaling), and the peak memory: the process's peak resident set size (getrusage), and with
--tracemalloc the peak of Python/NumPy allocations during import + preparation (slower run).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from designer.data import prepare_data, read_csv  # noqa: E402


def write_csv(path: Path, rows: int, seed: int = 0, chunk: int = 100_000) -> None:
    rng = np.random.default_rng(seed)
    colours = np.array(["red", "green", "blue"])
    with open(path, "w", encoding="utf-8", newline="") as f:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            x = rng.normal(size=(n, 18))
            label = np.where(x[:, 0] + x[:, 1] > 0, "pos", "neg")
            x[rng.random((n, 18)) < 0.001] = np.nan  # a few missing values (empty cells) for the cleaning step
            df = pd.DataFrame(x, columns=[f"f{i}" for i in range(18)])
            df["colour"] = colours[rng.integers(0, 3, n)]
            df["label"] = label
            df.to_csv(f, header=start == 0, index=False, float_format="%.6g", lineterminator="\n")


def peak_rss_mb() -> float:
    """The process's peak resident memory in MB (`resource` is POSIX-only: Windows asks the kernel)."""
    if sys.platform == "win32":
        return _windows_peak_working_set() / 1e6
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024  # Linux reports KiB


def _windows_peak_working_set() -> int:
    import ctypes
    from ctypes import wintypes

    class Counters(ctypes.Structure):  # PROCESS_MEMORY_COUNTERS
        _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD),
                    *((name, ctypes.c_size_t) for name in (
                        "PeakWorkingSetSize", "WorkingSetSize", "QuotaPeakPagedPoolUsage", "QuotaPagedPoolUsage",
                        "QuotaPeakNonPagedPoolUsage", "QuotaNonPagedPoolUsage", "PagefileUsage",
                        "PeakPagefileUsage"))]

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    kernel32.K32GetProcessMemoryInfo.argtypes = [wintypes.HANDLE, ctypes.POINTER(Counters), wintypes.DWORD]
    counters = Counters(cb=ctypes.sizeof(Counters))
    if not kernel32.K32GetProcessMemoryInfo(kernel32.GetCurrentProcess(), ctypes.byref(counters), counters.cb):
        raise ctypes.WinError(ctypes.get_last_error())
    return counters.PeakWorkingSetSize


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--tracemalloc", action="store_true", help="also measure the Python/NumPy allocation peak")
    parser.add_argument("--write-only", metavar="PATH", help=argparse.SUPPRESS)  # generation in a child process
    args = parser.parse_args()
    if args.write_only:
        write_csv(Path(args.write_only), args.rows)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-csv-") as tmp:
        path = Path(tmp) / "big.csv"
        t0 = time.perf_counter()
        # a child process writes the file, so this process's peak memory is the import's alone
        subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--write-only", str(path)], check=True)
        size_mb = path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows × 20 columns, {size_mb:.0f} MB in {time.perf_counter() - t0:.1f} s")
        rss_before = peak_rss_mb()
        if args.tracemalloc:
            tracemalloc.start()
        t0 = time.perf_counter()
        df, info = read_csv(path)
        t_read = time.perf_counter() - t0
        del df  # measure the preparation without the first table still held
        cfg = {"source": {"kind": "csv", "path": str(path)}, "target": "label", "task": "classification",
               "missing": "mean", "scaling": "standard",
               "split": {"validation": 0.2, "test": 0.1, "shuffle": True, "stratify": True, "seed": 0}}
        t0 = time.perf_counter()
        prepared = prepare_data(cfg, None)  # reads again: the pipeline as the trainer runs it
        t_total = time.perf_counter() - t0
        traced = tracemalloc.get_traced_memory()[1] / 1e6 if args.tracemalloc else None
        if args.tracemalloc:
            tracemalloc.stop()
        print(f"read_csv: {t_read:.2f} s ({info.rows:,} rows, delimiter {info.delimiter!r}, {info.encoding})")
        print(f"prepare_data (read + clean + split + encode + scale): {t_total:.2f} s "
              f"→ x_train {prepared.x_train.shape}, {len(prepared.feature_names)} features")
        print(f"rows/s through prepare_data: {info.rows / t_total:,.0f}")
        peak = peak_rss_mb()
        print(f"peak RSS: {peak:.0f} MB (before import: {rss_before:.0f} MB)")
        print(f"CSV memory ratio: peak RSS ÷ file size = {peak / size_mb:.2f}× (issue 13 target: ≤ 2×)")
        if traced is not None:
            print(f"tracemalloc peak during import + preparation: {traced:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
