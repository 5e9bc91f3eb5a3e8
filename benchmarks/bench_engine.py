"""Training speed of the NumPy engine against PyTorch CPU, in the same process, same data, 2 threads each.

Each case trains whole epochs of plain SGD on random float32 data of the real size (only the arithmetic is
timed, so random data is as good as real). Repeats are interleaved (ours, torch, ours, torch …) with a
pause between libraries so one's spinning BLAS threads do not slow the other; the report gives the median
epoch time of each and ratio = torch time / our time (> 1: we are faster).

    python -m benchmarks                 # all cases, 5 repeats
    python -m benchmarks --repeats 3 --case mlp32 --case tiny

Each row also gives the arithmetic rate of both (the multiply-adds of forward, kernel gradient and input
gradient of every Dense and Conv2D layer, ×2 FLOP, over the step time), its share of a float32 GEMM peak
measured in the same run, and the peak memory of a fresh process training that case (above the process
after imports and data; `--no-memory` skips these subprocesses).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController, threadpool_info

from designer.engine.losses import encode_targets, get_loss
from designer.engine.network import Network
from designer.engine.optimizers import make_optimizer
from designer.graph.model import Graph

THREADS = 2
CLOCK = time.perf_counter  # --cpu-time switches to time.process_time
PAUSE_S = 0.3  # OpenBLAS threads spin ≈ 0.2 s after a call; let them sleep before the other library runs
# Each round times whole epochs for at least this long (the same count for both libraries): an epoch of the
# tiny network takes 4 ms, and a round that short mostly measured waking up from the pause before it.
MIN_ROUND_S = 0.1
# After the pause, each round first runs untimed epochs for at least this long. On this 2-vCPU VM, a second
# thread that starts after 0.3 s of idling runs at about half speed for 30-60 ms (the host seems to park the
# idle vCPU): a pair of one-thread GEMM loops took 4.3 instead of 2.2 ms an iteration for their first
# 10-14 iterations, and the split conv step took 7.5-9 instead of 4.6 ms for its first 7-8 steps. Users train
# for minutes without such pauses; the ratios were per-epoch times with start-up cancelled out.
WARM_UP_S = 0.1


@dataclass
class Case:
    name: str
    description: str
    input_shape: tuple[int, ...]  # channels-last, without batch
    hidden: list[tuple]  # graph layers after the Input: (type, params)
    n_classes: int
    batch: int
    samples: int
    lr: float
    target: float | None  # the ratio target


def _cases() -> list[Case]:
    mlp = [
        ("Dense", {"units": 256, "activation": "relu"}),
        ("Dense", {"units": 128, "activation": "relu"}),
        ("Dense", {"units": 10, "activation": "softmax"}),
    ]
    tiny = [
        ("Dense", {"units": 8, "activation": "tanh"}),
        ("Dense", {"units": 8, "activation": "tanh"}),
        ("Dense", {"units": 2, "activation": "softmax"}),
    ]
    conv = ("Conv2D", {"filters": 16, "kernel_size": 3, "activation": "relu"})
    pool = ("MaxPooling2D", {"pool_size": 2})
    head = [("Flatten", {}), ("Dense", {"units": 10, "activation": "softmax"})]
    two_blocks = [
        ("Conv2D", {"filters": 32, "kernel_size": 3, "activation": "relu"}), pool,
        ("Conv2D", {"filters": 64, "kernel_size": 3, "activation": "relu"}), pool,
    ]  # fmt: skip
    return [
        Case("mlp32", "MLP 784-256-128-10 ReLU, batch 32", (784,), mlp, 10, 32, 8192, 0.01, None),
        Case("mlp128", "MLP 784-256-128-10 ReLU, batch 128", (784,), mlp, 10, 128, 16384, 0.01, None),
        Case("mlp512", "MLP 784-256-128-10 ReLU, batch 512", (784,), mlp, 10, 512, 16384, 0.01, 1.3),
        Case("tiny", "2-8-8-2 tanh, batch 10", (2,), tiny, 2, 10, 2000, 0.1, 8.0),
        Case("cnn", "8x8 digits Conv2D 16 3x3-MaxPool-Dense 10, batch 64", (8, 8, 1), [conv, pool, *head], 10, 64,
             4096, 0.01, None),  # fmt: skip
        Case("conv28", "28x28 Conv2D 16 3x3-MaxPool-Dense 10, batch 64", (28, 28, 1), [conv, pool, *head], 10, 64,
             4096, 0.01, 1.5),  # fmt: skip
        Case("conv28x2", "28x28 Conv 32-Pool-Conv 64-Pool-Dense 10, batch 64", (28, 28, 1), two_blocks + head,
             10, 64, 1024, 0.01, 1.2),  # fmt: skip
    ]


def _graph(case: Case) -> Graph:
    g = Graph()
    prev = g.add_node("Input", {"shape": list(case.input_shape)}).id
    for type_name, params in case.hidden:
        nid = g.add_node(type_name, params).id
        g.connect(prev, nid)
        prev = nid
    return g


def _data(case: Case, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((case.samples, *case.input_shape), dtype=np.float32)
    y = rng.integers(0, case.n_classes, case.samples)
    return x, y


class OurTrainer:
    """What designer.training does per epoch: shuffle into a preallocated buffer, slice, train_batch."""

    def __init__(self, case: Case, x: np.ndarray, y: np.ndarray, seed: int = 0):
        self.net = Network.from_graph(_graph(case), seed=seed)
        self.net.wait_for_compiled_kernels()  # the steady state: not the first steps while numba loads
        self.loss = get_loss("categorical_crossentropy")
        self.opt = make_optimizer({"type": "sgd", "learning_rate": case.lr})
        self.x = x
        self.y = encode_targets("categorical_crossentropy", y, case.n_classes)
        self.xbuf = np.empty_like(self.x)
        self.ybuf = np.empty_like(self.y)
        self.batch = case.batch
        self.rng = np.random.default_rng(seed)

    def epoch(self) -> float:
        perm = self.rng.permutation(self.x.shape[0])
        # mode="clip" writes straight into out; the default "raise" makes a hidden temporary copy
        np.take(self.x, perm, axis=0, out=self.xbuf, mode="clip")
        np.take(self.y, perm, axis=0, out=self.ybuf, mode="clip")
        net, loss, opt, b = self.net, self.loss, self.opt, self.batch
        last = 0.0
        for start in range(0, self.x.shape[0], b):
            last = net.train_batch(self.xbuf[start : start + b], self.ybuf[start : start + b], loss, opt)
        return last


class TorchTrainer:
    def __init__(self, case: Case, x: np.ndarray, y: np.ndarray, seed: int = 0):
        import torch
        from torch import nn

        torch.manual_seed(seed)
        self.torch = torch
        self.model = torch_model(case)
        if len(case.input_shape) == 3:
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))  # torch is channels-first
        self.loss = nn.CrossEntropyLoss()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=case.lr)
        self.x = torch.from_numpy(x)
        self.y = torch.from_numpy(y)
        self.xbuf = torch.empty_like(self.x)
        self.ybuf = torch.empty_like(self.y)
        self.batch = case.batch
        self.gen = torch.Generator().manual_seed(seed)

    def epoch(self) -> float:
        torch = self.torch
        perm = torch.randperm(self.x.shape[0], generator=self.gen)
        torch.index_select(self.x, 0, perm, out=self.xbuf)
        torch.index_select(self.y, 0, perm, out=self.ybuf)
        model, loss_fn, opt, b = self.model, self.loss, self.opt, self.batch
        last = 0.0
        for start in range(0, self.x.shape[0], b):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(self.xbuf[start : start + b]), self.ybuf[start : start + b])
            loss.backward()
            opt.step()
            last = loss.item()
        return last


def torch_model(case: Case):
    """The case's network in PyTorch (softmax is inside CrossEntropyLoss)."""
    from torch import nn

    acts = {"relu": nn.ReLU, "tanh": nn.Tanh}
    layers: list = []
    shape = list(case.input_shape)  # channels-last, as in our graph
    for type_name, params in case.hidden:
        if type_name == "Dense":
            layers.append(nn.Linear(shape[0], params["units"]))
            shape = [params["units"]]
        elif type_name == "Conv2D":
            k = params["kernel_size"]
            layers.append(nn.Conv2d(shape[2], params["filters"], k))
            shape = [shape[0] - k + 1, shape[1] - k + 1, params["filters"]]
        elif type_name == "MaxPooling2D":
            p = params["pool_size"]
            layers.append(nn.MaxPool2d(p))
            shape = [shape[0] // p, shape[1] // p, shape[2]]
        elif type_name == "Flatten":
            layers.append(nn.Flatten())
            shape = [math.prod(shape)]
        if params.get("activation") in acts:
            layers.append(acts[params["activation"]]())
    return nn.Sequential(*layers)


def step_flops(net: Network, batch: int) -> float:
    """FLOP of one training step: 2 × the multiply-adds of each Dense/Conv2D forward product, its kernel
    gradient and (where the network asks for it) its input gradient. Element-wise work is not counted."""
    total = 0
    for layer in net.layers.values():
        kernel = layer.params.get("kernel")
        if kernel is None:
            continue
        rows = batch * math.prod(layer.output_shape[:-1])  # output pixels (1 per sample for Dense)
        macs = rows * kernel.size
        total += macs * (3 if layer.need_input_grad else 2)
    return 2.0 * total


def gemm_peak_gflops(threads: int, size: int = 1024, repeats: int = 7) -> float:
    """The best float32 GEMM rate NumPy's BLAS reaches here (square product, best of `repeats`)."""
    rng = np.random.default_rng(0)
    a = rng.random((size, size), dtype=np.float32)
    b = rng.random((size, size), dtype=np.float32)
    out = np.empty_like(a)
    np.matmul(a, b, out)
    best = math.inf
    for _ in range(repeats):
        t0 = CLOCK()
        np.matmul(a, b, out)
        best = min(best, CLOCK() - t0)
    return 2.0 * size**3 / best / 1e9


def _rss_kib(field: str) -> int:
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"{field} not in /proc/self/status")


def _memory_child(case_name: str, library: str, threads: int) -> None:
    """In a fresh process: peak resident memory of building one trainer and training two epochs, above the
    process after imports and data (printed as JSON, in MiB)."""
    case = next(c for c in _cases() if c.name == case_name)
    if library == "torch":
        import torch

        torch.set_num_threads(threads)
    x, y = _data(case)
    with ThreadpoolController().limit(limits=threads, user_api="blas"):
        base = _rss_kib("VmRSS")
        with open("/proc/self/clear_refs", "w", encoding="utf-8") as f:
            f.write("5")  # resets VmHWM (the peak) to the current RSS
        trainer = (OurTrainer if library == "ours" else TorchTrainer)(case, x, y)
        trainer.epoch()
        trainer.epoch()
        peak = _rss_kib("VmHWM")
    print(json.dumps({"peak_mib": (peak - base) / 1024}))


def peak_memory_mib(case: Case, library: str, threads: int) -> float | None:
    """Peak memory of training `case` with `library`, from a fresh process; None where it cannot be read."""
    if not os.path.exists("/proc/self/clear_refs"):
        return None
    code = f"from benchmarks.bench_engine import _memory_child; _memory_child({case.name!r}, {library!r}, {threads})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, encoding="utf-8")
    if done.returncode != 0:
        return None
    return float(json.loads(done.stdout.strip().splitlines()[-1])["peak_mib"])


def _time(fn: Callable[[], float], epochs: int = 1) -> float:
    """Seconds per epoch over `epochs` epochs, after the pause and the warm-up."""
    time.sleep(PAUSE_S)
    warm_until = time.perf_counter() + WARM_UP_S
    fn()  # at least one untimed epoch
    while time.perf_counter() < warm_until:
        fn()
    start = CLOCK()
    for _ in range(epochs):
        fn()
    return (CLOCK() - start) / epochs


def check_same_step_as_torch(case: Case) -> float:
    """Max |Δ| between our and PyTorch's weights after one SGD step from the same weights and batch."""
    import torch

    x, y = _data(case)
    xb, yb = x[: case.batch], y[: case.batch]
    ours, theirs = OurTrainer(case, xb, yb), TorchTrainer(case, xb, yb)
    linears = [m for m in theirs.model if isinstance(m, torch.nn.Linear)]
    weights = ours.net.get_weights()
    dense_ids = [nid for nid in ours.net.order if nid.startswith("dense")]
    with torch.no_grad():
        for nid, lin in zip(dense_ids, linears):
            lin.weight.copy_(torch.from_numpy(weights[f"{nid}/kernel"].T.copy()))
            lin.bias.copy_(torch.from_numpy(weights[f"{nid}/bias"]))
    ours.net.train_batch(x[: case.batch], ours.y, ours.loss, ours.opt)
    theirs.opt.zero_grad()
    theirs.loss(theirs.model(theirs.x), theirs.y).backward()
    theirs.opt.step()
    after = ours.net.get_weights()
    return max(
        float(np.abs(after[f"{nid}/kernel"] - lin.weight.detach().numpy().T).max())
        for nid, lin in zip(dense_ids, linears)
    )


def run(case_names: list[str] | None, repeats: int, threads: int = THREADS, memory: bool = True) -> list[dict]:
    have_torch = importlib.util.find_spec("torch") is not None
    if have_torch:
        import torch

        torch.set_num_threads(threads)
    peak = gemm_peak_gflops(threads)
    print(f"float32 GEMM peak here (1024², {threads} threads, best of 7): {peak:.0f} GFLOP/s", flush=True)
    results = []
    for case in _cases():
        if case_names and case.name not in case_names:
            continue
        # the peak is the best seen in the whole run: one measurement at a busy moment (the second core taken
        # by something else) once gave 232 GFLOP/s instead of ≈ 450, and shares of "peak" above 100 %
        peak = max(peak, gemm_peak_gflops(threads, repeats=3))
        x, y = _data(case)
        runners = {"ours": OurTrainer(case, x, y)}
        if have_torch:
            runners["torch"] = TorchTrainer(case, x, y)
        slowest = max(_time(r.epoch) for r in runners.values())  # after _time's warm-up: buffers, lazy init
        epochs = max(1, math.ceil(MIN_ROUND_S / slowest))
        times: dict[str, list[float]] = {k: [] for k in runners}
        for _ in range(repeats):
            for key, runner in runners.items():
                times[key].append(_time(runner.epoch, epochs))
        med = {k: statistics.median(v) for k, v in times.items()}
        steps = -(-case.samples // case.batch)
        flops = step_flops(runners["ours"].net, case.batch) * steps  # per epoch
        one_thread = runners["ours"].net.step_strategy.chooser.chosen(case.batch)
        shards = runners["ours"].net.step_strategy.shards
        row = {
            "case": case.name,
            "description": case.description,
            "ours_samples_per_s": case.samples / med["ours"],
            "ours_us_per_step": 1e6 * med["ours"] / steps,
            "ours_gflops": flops / med["ours"] / 1e9,
            "gemm_peak_gflops": peak,
            "target": case.target,
            # small Dense batches measure one BLAS thread against `threads` and keep the faster (None: not measured)
            "ours_blas_threads": None if one_thread is None else (1 if one_thread else threads),
            # conv networks with enough arithmetic split each batch into one shard per thread
            "ours_shards": shards.shard_count(case.batch, threads) if shards is not None else 1,
            "epochs_per_round": epochs,
        }
        if have_torch:
            paired = [t / o for t, o in zip(times["torch"], times["ours"])]
            row.update(
                torch_samples_per_s=case.samples / med["torch"],
                torch_us_per_step=1e6 * med["torch"] / steps,
                torch_gflops=flops / med["torch"] / 1e9,
                ratio=med["torch"] / med["ours"],
                ratio_range=(min(paired), max(paired)),
            )
        if memory:
            row["ours_peak_mib"] = peak_memory_mib(case, "ours", threads)
            if have_torch:
                row["torch_peak_mib"] = peak_memory_mib(case, "torch", threads)
        results.append(row)
        _print_row(row)
    peak = max(peak, gemm_peak_gflops(threads))
    print(f"float32 GEMM peak, best over the run: {peak:.0f} GFLOP/s (the table's shares of peak)", flush=True)
    for row in results:
        row["gemm_peak_gflops"] = peak
    return results


def _mib(value) -> str:
    return "n/a" if value is None else f"{value:.1f} MiB"


# The ratios issue 17 started from (2 threads, wall clock, one run): "no other case slower than today".
BASELINE_RATIO = {"mlp32": 1.73, "mlp128": 1.64, "mlp512": 1.21, "tiny": 5.6, "conv28": 0.56, "conv28x2": 0.38}


def verdict(row: dict) -> str:
    """Whether a case meets its target (or, without one, is not slower than the issue's baseline)."""
    ratio, target = row.get("ratio"), row["target"]
    if ratio is None:
        return "no torch"
    base = BASELINE_RATIO.get(row["case"])
    if target is not None:
        return "met" if ratio >= target else "MISSED"
    if base is None:
        return "-"
    if ratio >= base:
        return "not slower"
    # the baseline inside the rounds' spread is noise, not a regression: SLOWER only when every round is below it
    return "in spread" if row.get("ratio_range", (0.0, 0.0))[1] >= base else "SLOWER"


def print_table(results: list[dict]) -> None:
    """One line per case: the ratio to PyTorch (median of paired rounds), the rounds' spread, the target."""
    print("\nsummary: ratio = PyTorch epoch time / ours (> 1: we are faster), median over rounds; the issue's"
          " starting ratios were measured at 2 threads, wall clock")
    print("GFLOP/s and % of peak: ours / PyTorch, against the float32 GEMM peak measured in this run; memory: the "
          "peak a fresh process adds while training the case, ours / PyTorch")
    print(f"{'case':9s} {'ours samples/s':>14s} {'torch':>9s} {'ratio':>7s} {'rounds':>13s} {'target':>7s} "
          f"{'issue start':>11s} {'verdict':>10s} {'GFLOP/s':>13s} {'% of peak':>11s} {'memory MiB':>13s}")
    for row in results:
        lo, hi = row.get("ratio_range", (math.nan, math.nan))
        target = f"≥{row['target']:g}×" if row["target"] else "-"
        base = BASELINE_RATIO.get(row["case"])
        peak = row["gemm_peak_gflops"]
        theirs = row.get("torch_gflops", math.nan)
        rates = f"{row['ours_gflops']:.1f} / {theirs:.1f}"
        shares = f"{row['ours_gflops'] / peak:.0%} / {theirs / peak:.0%}"
        memory = "-" if "ours_peak_mib" not in row else (
            f"{_number(row['ours_peak_mib'])} / {_number(row.get('torch_peak_mib'))}")
        print(f"{row['case']:9s} {row['ours_samples_per_s']:14.0f} {row.get('torch_samples_per_s', math.nan):9.0f} "
              f"{row.get('ratio', math.nan):6.2f}× {f'{lo:.2f}–{hi:.2f}×':>13s} {target:>7s} "
              f"{(f'{base:.2f}×' if base else '-'):>11s} {verdict(row):>10s} {rates:>13s} {shares:>11s} "
              f"{memory:>13s}", flush=True)


def _number(value) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _print_row(row: dict) -> None:
    peak = row["gemm_peak_gflops"]
    epochs = row.get("epochs_per_round", 1)
    line = f"{row['case']:8s} {row['description']} ({epochs} epoch{'s' if epochs != 1 else ''} a round)"
    line += f"\n  ours  {row['ours_samples_per_s']:9.0f} samples/s"
    threads = row.get("ours_blas_threads")
    line += f" ({row['ours_us_per_step']:7.1f} µs/step" + (f", BLAS threads {threads}" if threads else "")
    line += (f", batch split in {row['ours_shards']})" if row.get("ours_shards", 1) > 1 else ")")
    line += f", {row['ours_gflops']:6.1f} GFLOP/s = {row['ours_gflops'] / peak:4.0%} of GEMM peak"
    if "ours_peak_mib" in row:
        line += f", peak memory {_mib(row['ours_peak_mib'])}"
    if "ratio" in row:
        lo, hi = row["ratio_range"]
        target = f"target ≥{row['target']}×" if row["target"] else "no target"
        line += (
            f"\n  torch {row['torch_samples_per_s']:9.0f} samples/s ({row['torch_us_per_step']:7.1f} µs/step)"
            f", {row['torch_gflops']:6.1f} GFLOP/s = {row['torch_gflops'] / peak:4.0%} of GEMM peak"
        )
        if "torch_peak_mib" in row:
            line += f", peak memory {_mib(row['torch_peak_mib'])}"
        line += f"\n  ratio {row['ratio']:.2f}× (rounds {lo:.2f}–{hi:.2f}; {target})"
    print(line, flush=True)


def _environment() -> str:
    parts = []
    for info in threadpool_info():
        parts.append(
            f"{info.get('internal_api')} {info.get('version')} kernel={info.get('architecture')} "
            f"threads={info.get('num_threads')} ({info.get('prefix')})"
        )
    line = f"numpy {np.__version__}; BLAS: " + "; ".join(parts)
    try:
        line += f"\nload average {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} CPUs"
    except OSError:
        pass
    if importlib.util.find_spec("torch") is not None:
        import torch

        line += f"\ntorch {torch.__version__}, {torch.get_num_threads()} threads"
    else:
        line += "\ntorch not installed: only our throughput is measured (`make bench` installs it)"
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--case", action="append", help="mlp32, mlp128, mlp512, tiny, cnn, conv28, conv28x2 (default: all)"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    parser.add_argument("--check", action="store_true", help="also compare one SGD step with PyTorch's")
    parser.add_argument(
        "--threads", type=int, default=THREADS, help="BLAS/torch threads for both (default 2, as the issue asks)"
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time with the process's CPU time instead of the wall clock: on a machine busy with other work "
        "this leaves out the time the process waits for a core (meaningful with --threads 1 only, where no "
        "thread spins)",
    )
    args = parser.parse_args(argv)
    if args.cpu_time:
        global CLOCK
        CLOCK = time.process_time
        print("timing with process CPU time (--cpu-time)", flush=True)
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(args.threads)
    with ThreadpoolController().limit(limits=args.threads, user_api="blas"):
        print(_environment(), flush=True)
        if args.check and importlib.util.find_spec("torch") is not None:
            case = _cases()[1]
            print(f"one SGD step vs torch ({case.description}): max |Δw| = {check_same_step_as_torch(case):.2e}")
        print_table(run(args.case, args.repeats, args.threads, memory=not args.no_memory))
    return 0
