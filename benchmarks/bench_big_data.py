"""Benchmark: a generated 60,000 × 784 image-like CSV (28×28 blobs, 10 classes, pixels 0–255) through the app.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_big_data [--rows N] [--epochs E]

Each stage runs in a fresh process, so its peak resident memory is its own:
1. import: `read_csv` + `prepare_data` headless — seconds, peak RSS, and peak ÷ file size;
2. window: the file read by the Data view (seconds, longest GUI-thread slot while it arrives, and the Data
   view's own GUI-thread CPU per tab opened), then Train clicked in the window with the live dashboard
   (seconds, epochs drawn, longest event-loop gap), then the project saved (seconds, file size); peak RSS.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_csv_import import peak_rss_mb  # noqa: E402
from benchmarks.event_loop_probe import PROBE_MS, GapProbe, scratch_settings  # noqa: E402


def write_images_csv(path: Path, rows: int, seed: int = 0) -> None:
    """Blobs whose place depends on the class, plus noise; dark pixels set to 0 as in scanned digits."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:28, 0:28]
    centres = np.array([(7 + 14 * (c % 2), 5 + 4.5 * (c // 2)) for c in range(10)])
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(f"px{i}" for i in range(784)) + ",label\n")
        for start in range(0, rows, 5000):
            n = min(5000, rows - start)
            labels = rng.integers(0, 10, n)
            cx = centres[labels, 0][:, None, None] + rng.normal(0, 1.5, (n, 1, 1))
            cy = centres[labels, 1][:, None, None] + rng.normal(0, 1.5, (n, 1, 1))
            img = 255 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 12.0) + rng.normal(0, 20, (n, 28, 28))
            img = np.clip(img, 0, 255).astype(np.int64).reshape(n, 784)
            img[img < 40] = 0
            np.savetxt(f, np.column_stack([img, labels]), fmt="%d", delimiter=",")


def data_config(path: Path) -> dict:
    return {"source": {"kind": "csv", "path": str(path)}, "target": "label", "task": "classification",
            "missing": "mean", "scaling": "minmax",
            "split": {"validation": 0.1, "test": 0.1, "shuffle": True, "stratify": True, "seed": 0}}


def stage_import(path: Path) -> dict:
    from designer.data import prepare_data, read_csv

    t0 = time.perf_counter()
    df, _ = read_csv(path)
    t_read = time.perf_counter() - t0
    del df
    t0 = time.perf_counter()
    prepared = prepare_data(data_config(path))
    return {"read_s": t_read, "prepare_s": time.perf_counter() - t0, "x_train": list(prepared.x_train.shape),
            "peak_mb": peak_rss_mb()}


def stage_window(path: Path, epochs: int) -> dict:
    from designer.project.io import save_project
    from designer.project.model import Project, default_training
    from designer.ui.app import make_application
    from designer.ui.main_window import MainWindow
    from designer.ui.start_page import _chain

    project = Project(name="Images 60k")
    _chain(project.graph, [("Input", {"shape": [784]}), ("Dense", {"units": 128, "activation": "relu"}),
                           ("Dense", {"units": 10, "activation": "softmax"})])
    project.training = default_training()
    project.training.update(epochs=epochs, batch_size=128, optimizer={"type": "adam", "learning_rate": 0.001})

    app = make_application()
    probe = GapProbe(PROBE_MS)

    def pump_until(done, limit_s: float = 3600) -> None:
        t = time.perf_counter()
        while not done() and time.perf_counter() - t < limit_s:
            app.processEvents()
            time.sleep(0.0005)

    # with the default data (iris) first, as when one starts
    window = MainWindow(project, settings=scratch_settings(), autosave=False)
    window.show()
    panel = window.data_panel
    window.tabs.setCurrentWidget(panel)

    def loaded() -> bool:
        return panel.df is not None and not panel._loaders and not panel.loading.isVisible()

    pump_until(loaded)
    for _ in range(20):
        app.processEvents()
    t0 = time.perf_counter()
    probe.start()
    panel.set_config(data_config(path), None)  # what an accepted import does: read on the thread, then draw
    panel.config_changed.emit(panel.config())  # …and the project takes the new data section (one undo step)
    pump_until(loaded)
    t_load = time.perf_counter() - t0
    load_gap = max(probe.gaps, default=0.0) * 1000
    tabs = {}
    for i in range(panel.views.count()):  # each tab opened once: the GUI thread's time for it
        c = time.thread_time()
        panel.views.setCurrentIndex(i)
        app.processEvents()
        tabs[panel.views.tabText(i)] = (time.thread_time() - c) * 1000
    probe.take()  # the tabs' own draws are timed above, not counted as training stalls
    done: dict = {}
    window.runner.finished.connect(lambda outcome: done.setdefault("outcome", outcome))
    window.runner.failed.connect(lambda message: done.setdefault("error", message))
    t0 = time.perf_counter()
    window.train()
    pump_until(lambda: bool(done))
    t_train = time.perf_counter() - t0
    train_gaps = sorted(g * 1000 for g in probe.take())
    probe.stop()
    if "error" in done:
        raise SystemExit(f"training failed: {done['error']}")
    run = window.dashboard.current
    out = tempfile.mkdtemp(prefix="bench-big-") + "/images60k.nnproj"
    t0 = time.perf_counter()
    save_project(window.project, out)
    t_save = time.perf_counter() - t0
    evaluation = done["outcome"].evaluation or {}
    window.maybe_save = lambda: True
    window.close()
    return {"load_s": t_load, "load_longest_gap_ms": load_gap, "tab_gui_cpu_ms": tabs, "train_s": t_train,
            "epochs_drawn": len(run.epochs) if run is not None else 0,
            "train_longest_gap_ms": train_gaps[-1] if train_gaps else None,
            "train_p95_gap_ms": train_gaps[int(0.95 * (len(train_gaps) - 1))] if train_gaps else None,
            "accuracy": evaluation.get("accuracy"), "save_s": t_save,
            "saved_mb": Path(out).stat().st_size / 1e6, "peak_mb": peak_rss_mb()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--stage", choices=("import", "window"), help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage:
        result = stage_import(Path(args.path)) if args.stage == "import" else stage_window(Path(args.path),
                                                                                            args.epochs)
        print(json.dumps(result))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-big-") as tmp:
        path = Path(tmp) / "images.csv"
        t0 = time.perf_counter()
        write_images_csv(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows × 785 columns (784 pixels + label), {size_mb:.0f} MB "
              f"in {time.perf_counter() - t0:.1f} s")
        results = {}
        for stage in ("import", "window"):
            proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_big_data", "--stage", stage, "--path",
                                   str(path), "--epochs", str(args.epochs)], capture_output=True, text=True,
                                  cwd=Path(__file__).resolve().parent.parent)
            if proc.returncode != 0:
                print(proc.stderr[-2000:], file=sys.stderr)
                return 1
            results[stage] = json.loads(proc.stdout.strip().splitlines()[-1])
        imp, win = results["import"], results["window"]
        print(f"import (headless): read_csv {imp['read_s']:.1f} s, prepare_data {imp['prepare_s']:.1f} s "
              f"→ x_train {tuple(imp['x_train'])}; peak RSS {imp['peak_mb']:.0f} MB = "
              f"{imp['peak_mb'] / size_mb:.2f}× the file")
        print(f"window: Data view read {win['load_s']:.1f} s (longest event-loop gap {win['load_longest_gap_ms']:.0f}"
              f" ms); GUI-thread CPU per Data tab opened: "
              + ", ".join(f"{k} {v:.0f} ms" for k, v in win["tab_gui_cpu_ms"].items()))
        print(f"window: trained {args.epochs} epoch(s) in {win['train_s']:.1f} s with live plots "
              f"({win['epochs_drawn']} epochs drawn; "
              f"longest event-loop gap {win['train_longest_gap_ms']:.0f} ms, "
              f"95th percentile {win['train_p95_gap_ms']:.0f} ms); test accuracy {win['accuracy']:.3f}")
        print(f"window: saved in {win['save_s']:.2f} s ({win['saved_mb']:.1f} MB); peak RSS of the window process "
              f"{win['peak_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
