"""The exported train.py beyond one process: `torchrun --nproc_per_node=2` on the CPU (gloo) trains a few
steps with DistributedDataParallel, both ranks end with identical weights, rank 0 alone writes, the weights come
home with `nn-designer load-weights`, and `evaluate` reports on them. Then `python train.py --resume` continues
from the checkpoint. A real multi-process run, kept to a few steps (CI: < ~30 s; the processes import torch)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from designer.cli import main

pytest.importorskip("torch")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _digest(arrays: dict) -> str:  # as train.py computes it
    h = hashlib.sha256()
    for key in sorted(arrays):
        h.update(key.encode("utf-8"))
        h.update(np.ascontiguousarray(arrays[key], dtype=np.float32).tobytes())
    return h.hexdigest()[:16]


def _torchrun() -> list[str]:
    exe = Path(sys.executable).with_name("torchrun")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "torch.distributed.run"]


def test_torchrun_two_processes_identical_weights_then_home_and_evaluate(tmp_path, capsys):
    project = tmp_path / "iris.nnproj"
    assert main(["train", str(EXAMPLES / "iris_mlp.nnproj"), "--epochs", "2", "--quiet", "--out", str(project)]) == 0
    folder = tmp_path / "pt"
    assert main(["export", str(project), "--format", "pytorch", "--out", str(folder)]) == 0
    capsys.readouterr()
    assert (folder / "data.npz").exists()  # the splits as the app prepared them

    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    run = subprocess.run([*_torchrun(), "--standalone", "--nproc_per_node=2", "train.py", "--max-steps", "4",
                          "--batch-size", "16"], cwd=folder, capture_output=True, text=True, timeout=240, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    log = run.stderr
    assert "training on 2 processes, device cpu" in log
    digests = dict(re.findall(r"rank (\d): weights digest ([0-9a-f]{16})", log))
    assert set(digests) == {"0", "1"} and digests["0"] == digests["1"], log  # DDP kept the ranks in step
    assert log.count("wrote trained_weights.npz") == 1  # rank 0 alone writes
    with np.load(folder / "trained_weights.npz", allow_pickle=False) as z:
        trained = {k: z[k] for k in z.files}
    assert _digest(trained) == digests["0"]
    with np.load(folder / "weights.npz", allow_pickle=False) as z:
        assert any(not np.array_equal(trained[k], z[k]) for k in z.files)  # it trained
    assert (folder / "checkpoint.pt").exists() and not list(folder.glob(".*tmp*"))

    home = tmp_path / "home.nnproj"
    assert main(["load-weights", str(project), str(folder / "trained_weights.npz"), "--out", str(home)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(home)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert 0.0 <= report["accuracy"] <= 1.0 and report["samples"] > 0 and "confusion_matrix" in report

    # resumable: one process continues from rank 0's checkpoint, for one more epoch
    resumed = subprocess.run([sys.executable, "train.py", "--resume", "--epochs", "2", "--out", "resumed.npz"],
                             cwd=folder, capture_output=True, text=True, timeout=120, env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from checkpoint.pt after epoch 1" in resumed.stderr and "epoch 2/2" in resumed.stderr
    ck = tmp_path / "ck.nnproj"
    assert main(["load-weights", str(project), str(folder / "checkpoint.pt"), "--out", str(ck)]) == 0


def test_train_py_refuses_missing_data_clearly(tmp_path, capsys):
    project = tmp_path / "iris.nnproj"
    shutil.copy(EXAMPLES / "iris_mlp.nnproj", project)
    assert main(["train", str(project), "--epochs", "1", "--quiet"]) == 0
    folder = tmp_path / "pt"
    assert main(["export", str(project), "--format", "pytorch", "--out", str(folder)]) == 0
    (folder / "data.npz").unlink()
    done = subprocess.run([sys.executable, "train.py"], cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "error: no data" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "train.py", "--rows", str(EXAMPLES.parent / "resources" / "datasets" /
                                                                      "iris.csv"), "--target", "species",
                           "--epochs", "1"], cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr  # raw rows through model.prepare(), labels by CLASSES
