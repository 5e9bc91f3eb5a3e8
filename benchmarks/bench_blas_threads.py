"""Does capping NumPy's BLAS threads work on this machine? (the window's "leave a core to the GUI" limit)

    python -m benchmarks.bench_blas_threads

For each cap — all cores, all but one (the window's), one — a fresh interpreter sets the cap the way the app
can (threadpoolctl at run time; VECLIB_MAXIMUM_THREADS before NumPy loads, for Accelerate, which
threadpoolctl cannot see) and times a float32 1024×1024 matrix product. If the cap takes effect, one thread
is clearly slower than all cores on a machine with several; if the times are the same, the cap does nothing.
CI runs this on every system (.github/workflows/tests.yml); on Apple silicon it is the Accelerate check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import json, os, statistics, sys, time
    how, cap = sys.argv[1], int(sys.argv[2])
    if how == "env":
        os.environ["VECLIB_MAXIMUM_THREADS"] = str(cap)
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits
    from designer.blas import numpy_blas_name
    a = np.random.default_rng(0).standard_normal((1024, 1024)).astype(np.float32)
    seen = [i["internal_api"] for i in threadpool_info() if i["user_api"] == "blas"]
    with threadpool_limits(limits=cap, user_api="blas"):
        a @ a
        times = []
        for _ in range(15):
            t0 = time.perf_counter()
            a @ a
            times.append(time.perf_counter() - t0)
    gflops = 2 * 1024**3 / statistics.median(times) / 1e9
    print(json.dumps({"blas": numpy_blas_name(), "threadpoolctl_sees": seen, "gflops": gflops}))
""")


def run(cap: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("VECLIB_MAXIMUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                                 "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", CHILD, "env", str(cap)], capture_output=True, text=True,
                         encoding="utf-8", env=env, check=True, timeout=300).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    cores = os.cpu_count() or 1
    from designer.blas import threads_leaving_one_core

    caps = sorted({cores, threads_leaving_one_core(), 1}, reverse=True)
    results = {cap: run(cap) for cap in caps}
    first = results[caps[0]]
    print(f"{sys.platform} {os.uname().machine if hasattr(os, 'uname') else ''}, {cores} cores, "
          f"NumPy BLAS: {first['blas'] or '?'}, threadpoolctl sees: {first['threadpoolctl_sees'] or 'nothing'}")
    for cap in caps:
        r = results[cap]
        print(f"  cap {cap:>2} thread(s): {r['gflops']:7.1f} GFLOP/s  ({r['gflops'] / first['gflops']:.2f}× all cores)")
    if cores > 1:
        effect = results[1]["gflops"] / first["gflops"]
        print("  the cap takes effect" if effect < 0.8 else "  WARNING: one thread is as fast as all: no effect?")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
