"""The NumPy engine against the in-app PyTorch backend (designer.torch_backend), on the engine benchmark's
networks (benchmarks.bench_engine's cases), with plain PyTorch as the reference, in one process.

Both engines run the app's own step (`Network.train_batch` / `TorchNetwork.train_batch`: the engine's loss,
the optimizer's Keras 3 rules, the NaN-guard-ready outputs) over whole shuffled epochs of plain SGD;
"plain PyTorch" is an idiomatic nn.Sequential + CrossEntropyLoss + torch.optim.SGD loop. Repeats are
interleaved; the report gives samples/s (median) and backend ratio = NumPy engine time ÷ backend time
(> 1: the PyTorch backend is faster).

    python -m benchmarks.bench_torch_backend                    # all cases, 3 repeats, 2 threads
    python -m benchmarks.bench_torch_backend --case mlp512 --repeats 5 --device cuda
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import ThreadpoolController, threadpool_info

from benchmarks.bench_engine import OurTrainer, TorchTrainer, _cases, _data

CLOCK = time.perf_counter
PAUSE_S = 0.3


class BackendTrainer(OurTrainer):
    """OurTrainer's epoch (shuffle into buffers, slice, train_batch) on a TorchNetwork over the same net."""

    def __init__(self, case, x, y, device="cpu", seed=0):
        super().__init__(case, x, y, seed)
        from designer.torch_backend.network import TorchNetwork

        self.net = TorchNetwork(self.net, device=device, seed=seed)


def _time(fn) -> float:
    time.sleep(PAUSE_S)
    start = CLOCK()
    fn()
    return CLOCK() - start


def _use_cpu_time() -> None:
    """Time by the process's CPU time: on a busy machine, waiting for a core is then left out."""
    global CLOCK
    CLOCK = time.process_time


def run(case_names, repeats: int, threads: int, device: str) -> list[dict]:
    import torch

    torch.set_num_threads(threads)
    rows = []
    for case in _cases():
        if case_names and case.name not in case_names:
            continue
        x, y = _data(case)
        runners = {"numpy": OurTrainer(case, x, y), "backend": BackendTrainer(case, x, y, device),
                   "torch": TorchTrainer(case, x, y)}
        for r in runners.values():
            r.epoch()
        times = {k: [] for k in runners}
        for _ in range(repeats):
            for key, runner in runners.items():
                times[key].append(_time(runner.epoch))
        med = {k: statistics.median(v) for k, v in times.items()}
        ratios = sorted(a / b for a, b in zip(times["numpy"], times["backend"]))
        rows.append({"case": case.name, "description": case.description,
                     **{f"{k}_samples_per_s": case.samples / v for k, v in med.items()},
                     "backend_ratio": statistics.median(ratios), "spread": (ratios[0], ratios[-1])})
        r = rows[-1]
        print(f"{case.name:9s} NumPy {r['numpy_samples_per_s']:>9,.0f}/s  PyTorch backend "
              f"{r['backend_samples_per_s']:>9,.0f}/s  plain PyTorch {r['torch_samples_per_s']:>9,.0f}/s  "
              f"NumPy÷backend time {r['backend_ratio']:.2f}× ({r['spread'][0]:.2f}–{r['spread'][1]:.2f})",
              flush=True)
    return rows


EXAMPLE_RUNS = (("iris_mlp", 60), ("spiral", 30), ("breast_cancer_residual", 30), ("diabetes_regression", 30),
                ("digits_cnn", 5))


def run_examples(repeats: int, device: str) -> list[dict]:
    """Whole training runs of the bundled examples as the app makes them (TrainingRun: data preparation,
    trainer, metrics every epoch, NaN guard), on each engine: the time for `epochs` epochs."""
    import dataclasses
    from pathlib import Path

    from designer.project.io import load_project
    from designer.training.run import TrainingRun

    folder = Path(__file__).resolve().parent.parent / "examples"
    rows = []
    for name, epochs in EXAMPLE_RUNS:
        project = load_project(folder / f"{name}.nnproj")
        times = {"numpy": [], "torch": []}
        for _ in range(repeats):
            for engine in times:
                p = dataclasses.replace(project, weights={},
                                        training={**project.training, "engine": engine, "device": device})
                run = TrainingRun(p, folder, epochs=epochs)
                time.sleep(PAUSE_S)
                start = CLOCK()
                out = run.run()
                # per epoch: early stopping may end the two engines' runs at different epochs
                times[engine].append((CLOCK() - start) / max(len(out.result.history), 1) * epochs)
        med = {k: statistics.median(v) for k, v in times.items()}
        rows.append({"example": name, "epochs": epochs, "numpy_s": med["numpy"], "torch_s": med["torch"],
                     "ratio": med["numpy"] / med["torch"]})
        print(f"{name:24s} {epochs:3d} epochs: NumPy {med['numpy']:6.2f} s  PyTorch {med['torch']:6.2f} s  "
              f"NumPy÷PyTorch time {med['numpy'] / med['torch']:.2f}×", flush=True)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", action="append", help="only these cases (repeatable)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="the backend's device: cpu, cuda, mps or auto")
    ap.add_argument("--cpu-time", action="store_true", help="time by process CPU time (fair on a busy machine)")
    ap.add_argument("--examples", action="store_true", help="also whole runs of the bundled examples (TrainingRun)")
    args = ap.parse_args(argv)
    if args.cpu_time:
        _use_cpu_time()
    blas = [f"{i.get('internal_api')} {i.get('architecture')}" for i in threadpool_info()
            if i.get("user_api") == "blas"]
    import torch

    print(f"BLAS: {', '.join(blas) or '?'}; torch {torch.__version__}; {args.threads} threads; backend on "
          f"{args.device}", flush=True)
    np.seterr(all="ignore")
    with ThreadpoolController().limit(limits=args.threads, user_api="blas"):  # NumPy's BLAS: the same count
        run(args.case, args.repeats, args.threads, args.device)
        if args.examples:
            run_examples(args.repeats, args.device)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
