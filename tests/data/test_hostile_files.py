"""Hostile data files: pipes and devices, inf/1e400, a header longer than the sniff sample, a stray Latin-1
byte, an npz of Python objects. Each gets one clear error (or a warning naming the line), never a hang."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from designer.data import load_table, prepare_data, read_csv, read_npz
from designer.data.reader import SAMPLE_BYTES
from designer.errors import DataError

ROOT = Path(__file__).resolve().parents[2]


def _cfg(path, target="y", task="classification"):
    return {"source": {"kind": "csv", "path": str(path)}, "target": target, "task": task, "missing": "drop",
            "scaling": "standard", "split": {"validation": 0.2, "test": 0.0, "shuffle": True, "seed": 0}}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    result = []
    reader = threading.Thread(target=lambda: result.append(_error(lambda: read_csv(fifo))), daemon=True)
    reader.start()
    reader.join(timeout=30)
    if reader.is_alive():  # unblock the hung open() so the test process can end, then fail
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO hung")
    assert "is a pipe, not a regular file" in result[0]


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="POSIX devices")
@pytest.mark.parametrize("kind", ["csv", "npz"])
def test_a_device_is_refused(kind):
    source = {"kind": kind, "path": "/dev/null", "x": "x", "y": "y"}
    message = _error(lambda: load_table(source, None))
    assert message == "/dev/null is a device, not a regular file: save the data to a file and give its path"


def _saved_project(tmp_path, data_path, target="label") -> Path:
    from designer.project.io import save_project
    from designer.ui.start_page import iris_mlp

    project = iris_mlp()
    project.graph.nodes["input_1"].params.pop("shape", None)
    project.data = _cfg(data_path, target=target)
    save_project(project, tmp_path / "p.nnproj")
    return tmp_path / "p.nnproj"


@pytest.mark.skipif(sys.platform == "win32", reason="/dev/stdin is POSIX")
def test_cli_train_on_stdin_says_pipe(tmp_path):
    """`<(…)` and /dev/stdin as the data used to say "has no data rows"; now: a pipe, exit 1, one error line."""
    project = _saved_project(tmp_path, "/dev/stdin")
    proc = subprocess.run([sys.executable, "-m", "designer", "train", str(project), "--epochs", "1"],
                          input="a,b\n1,2\n", capture_output=True, text=True, encoding="utf-8", timeout=120,
                          cwd=ROOT)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("error: /dev/stdin is a pipe, not a regular file")


@pytest.mark.parametrize("cell", ["inf", "-inf", "1e400", "Infinity"])
@pytest.mark.parametrize("column", ["a", "y"])
def test_non_finite_numbers_are_refused_naming_column_and_line(tmp_path, cell, column):
    rows = [["a", "b", "y"]] + [[str(i), str(i * 2), str(i % 3)] for i in range(20)]
    rows[7][0 if column == "a" else 2] = cell
    path = tmp_path / "d.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    task = "regression" if column == "y" else "classification"
    message = _error(lambda: prepare_data(_cfg(path, task=task), tmp_path))
    if cell == "Infinity" and column == "y":
        pass  # not a number pandas knows: refused as "not a number" below
    assert f"line 8, column '{column}'" in message
    assert "not a finite number" in message or "is not a number" in message


def test_a_header_longer_than_the_sniff_sample_is_read_whole(tmp_path):
    names = [f"feature_with_a_long_name_{i:05d}" for i in range(12_500)]
    assert len(",".join(names)) > 4 * SAMPLE_BYTES
    path = tmp_path / "wide.csv"
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(names + ["y"]) + "\n")
        for r in range(3):
            f.write(",".join(["1"] * len(names) + [str(r)]) + "\n")
    df, info = read_csv(path)
    assert list(df.columns) == names + ["y"] and len(df) == 3


def test_one_latin1_byte_in_utf8_is_reported_naming_its_line(tmp_path):
    path = tmp_path / "labels.csv"
    body = "x,label\n" + "".join(f"{i},café\n" for i in range(2000))
    data = body.encode("utf-8") + "1,na\xefve\n".encode("latin-1") + b"2,plain\n"
    path.write_bytes(data)
    df, info = read_csv(path)
    assert info.encoding in ("latin-1", "cp1252")
    assert any("line 2002 has the byte 0xef" in w for w in info.warnings), info.warnings


def test_cli_shows_the_encoding_warning(tmp_path):
    path = tmp_path / "d.csv"
    lines = ["a,b,label"] + [f"{i},{i % 5},{'yes' if i % 2 else 'no'}" for i in range(40)] + ["3,4,s\xe9"]
    path.write_bytes("\n".join(lines).encode("latin-1") + b"\n")
    project = _saved_project(tmp_path, "d.csv")
    proc = subprocess.run([sys.executable, "-m", "designer", "train", str(project), "--epochs", "1", "--out",
                           str(tmp_path / "out.nnproj")], capture_output=True, text=True, encoding="utf-8",
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "line 42 has the byte 0xe9" in proc.stderr


def test_npz_of_python_objects_is_refused_without_suggesting_pickle(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, x=np.array([{"a": 1}, None], dtype=object), y=np.array([0, 1]))
    message = _error(lambda: read_npz(path))
    assert "pickle" not in message.lower()
    assert "never loaded" in message


def _error(call) -> str:
    with pytest.raises(DataError) as err:
        call()
    return str(err.value)
