"""The chunked reader hands the heap pages of its freed column pieces back to the system: measured in a fresh
process, the resident memory a wide all-number CSV adds is about one table, not two (the pieces' freed copy
used to stay resident through the whole import: 104 MB of a 102 MB, 60,000 × 784 file). Linux with glibc,
where the pages are kept and where CI runs; elsewhere the call does nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from designer.data import chunked

ROOT = Path(__file__).resolve().parents[2]

_MEASURE = """
import json, sys
sys.path.insert(0, sys.argv[2])
from designer.data import chunked, read_csv
chunked.COMPACT_BYTES = 0  # pixels as int16 pieces, as in a file over 32 MB
def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096
read_csv(sys.argv[3])  # warm up: imports and the parser's first buffers
before = resident()
df, _ = read_csv(sys.argv[1])
print(json.dumps({"added": resident() - before, "table": int(df.memory_usage(index=False).sum())}))
"""


@pytest.mark.skipif(chunked._malloc_trim() is None, reason="glibc's malloc_trim is Linux-only")
def test_a_wide_numeric_csv_leaves_one_table_resident_not_two(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(12_000, 784)) * (rng.random((12_000, 784)) < 0.4)
    path = tmp_path / "pixels.csv"
    header = ",".join(f"px{i}" for i in range(784)) + ",label"
    np.savetxt(path, np.column_stack([pixels, rng.integers(0, 10, 12_000)]), fmt="%d", delimiter=",",
               header=header, comments="")
    small = tmp_path / "small.csv"
    small.write_text("a,b\n1,2\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path), str(ROOT), str(small)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["table"] == 12_000 * 785 * 2  # int16 columns, one block
    # one table plus the reader's last buffers; without the trim the freed pieces add a second table
    assert got["added"] < 1.6 * got["table"], got


def test_release_freed_memory_can_always_be_called():
    chunked.release_freed_memory()
    chunked.release_freed_memory()
