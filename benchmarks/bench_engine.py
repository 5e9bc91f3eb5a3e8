"""Training speed of the NumPy engine against PyTorch CPU, in the same process, same data, 2 threads each.

Each case trains whole epochs of plain SGD on random float32 data of the real size (only the arithmetic is
timed, so random data is as good as real). Repeats are interleaved (ours, torch, ours, torch …) with a
pause between libraries so one's spinning BLAS threads do not slow the other; the report gives the median
epoch time of each and ratio = torch time / our time (> 1: we are faster).

    python -m benchmarks                 # all cases, 5 repeats
    python -m benchmarks --repeats 3 --case mlp32 --case tiny
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
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
PAUSE_S = 0.3  # OpenBLAS threads spin ≈ 0.2 s after a call; let them sleep before the other library runs


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
    target: float  # the ratio target
    needs: str | None = None  # module that must exist for the case to run


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
    cnn = [
        ("Conv2D", {"filters": 16, "kernel_size": 3, "activation": "relu"}),
        ("MaxPooling2D", {"pool_size": 2}),
        ("Flatten", {}),
        ("Dense", {"units": 10, "activation": "softmax"}),
    ]
    return [
        Case("mlp32", "MLP 784-256-128-10 ReLU, batch 32", (784,), mlp, 10, 32, 8192, 0.01, 1.2),
        Case("mlp128", "MLP 784-256-128-10 ReLU, batch 128", (784,), mlp, 10, 128, 16384, 0.01, 1.0),
        Case("mlp512", "MLP 784-256-128-10 ReLU, batch 512", (784,), mlp, 10, 512, 16384, 0.01, 0.9),
        Case("tiny", "2-8-8-2 tanh, batch 10", (2,), tiny, 2, 10, 2000, 0.1, 4.0),
        Case("cnn", "8x8 digits Conv2D 16 3x3-MaxPool-Dense 10, batch 64", (8, 8, 1), cnn, 10, 64, 4096, 0.01,
             None, needs="designer.engine.conv"),  # fmt: skip
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
        if case.name == "cnn":
            self.model = nn.Sequential(
                nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 3 * 3, 10)
            )
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))  # torch is channels-first
        else:
            layers: list = []
            n_in = case.input_shape[0]
            for _, params in case.hidden:
                layers.append(nn.Linear(n_in, params["units"]))
                n_in = params["units"]
                if params["activation"] == "relu":
                    layers.append(nn.ReLU())
                elif params["activation"] == "tanh":
                    layers.append(nn.Tanh())
            self.model = nn.Sequential(*layers)  # softmax is inside CrossEntropyLoss
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


def _time(fn: Callable[[], float]) -> float:
    time.sleep(PAUSE_S)
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


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


def run(case_names: list[str] | None, repeats: int, threads: int = THREADS) -> list[dict]:
    have_torch = importlib.util.find_spec("torch") is not None
    if have_torch:
        import torch

        torch.set_num_threads(threads)
    results = []
    for case in _cases():
        if case_names and case.name not in case_names:
            continue
        if case.needs and importlib.util.find_spec(case.needs) is None:
            print(f"{case.name:7s} skipped: {case.needs} is not there yet")
            continue
        x, y = _data(case)
        runners = {"ours": OurTrainer(case, x, y)}
        if have_torch:
            runners["torch"] = TorchTrainer(case, x, y)
        for r in runners.values():
            r.epoch()  # warm-up: buffers, caches, lazy init
        times: dict[str, list[float]] = {k: [] for k in runners}
        for _ in range(repeats):
            for key, runner in runners.items():
                times[key].append(_time(runner.epoch))
        med = {k: statistics.median(v) for k, v in times.items()}
        one_thread = runners["ours"].net._blas_chooser.chosen(case.batch)
        row = {
            "case": case.name,
            "description": case.description,
            "ours_samples_per_s": case.samples / med["ours"],
            "ours_us_per_step": 1e6 * med["ours"] / -(-case.samples // case.batch),
            "target": case.target,
            # small Dense batches measure one BLAS thread against `threads` and keep the faster (None: not measured)
            "ours_blas_threads": None if one_thread is None else (1 if one_thread else threads),
        }
        if have_torch:
            paired = [t / o for t, o in zip(times["torch"], times["ours"])]
            row.update(
                torch_samples_per_s=case.samples / med["torch"],
                torch_us_per_step=1e6 * med["torch"] / -(-case.samples // case.batch),
                ratio=med["torch"] / med["ours"],
                ratio_range=(min(paired), max(paired)),
            )
        results.append(row)
        _print_row(row)
    return results


def _print_row(row: dict) -> None:
    line = f"{row['case']:7s} {row['description']:52s} ours {row['ours_samples_per_s']:9.0f} samples/s"
    threads = row.get("ours_blas_threads")
    line += f" ({row['ours_us_per_step']:7.1f} µs/step" + (f", BLAS threads {threads})" if threads else ")")
    if "ratio" in row:
        lo, hi = row["ratio_range"]
        target = f"target ≥{row['target']}×" if row["target"] else "no target"
        line += (
            f" | torch {row['torch_samples_per_s']:9.0f} samples/s ({row['torch_us_per_step']:7.1f} µs/step)"
            f" | ratio {row['ratio']:.2f}× (rounds {lo:.2f}–{hi:.2f}; {target})"
        )
    print(line, flush=True)


def _environment() -> str:
    parts = []
    for info in threadpool_info():
        parts.append(
            f"{info.get('internal_api')} {info.get('version')} kernel={info.get('architecture')} "
            f"threads={info.get('num_threads')} ({info.get('prefix')})"
        )
    line = f"numpy {np.__version__}; BLAS: " + "; ".join(parts)
    if importlib.util.find_spec("torch") is not None:
        import torch

        line += f"\ntorch {torch.__version__}, {torch.get_num_threads()} threads"
    else:
        line += "\ntorch not installed: only our throughput is measured (`make bench` installs it)"
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--case", action="append", help="mlp32, mlp128, mlp512, tiny, cnn (default: all)")
    parser.add_argument("--check", action="store_true", help="also compare one SGD step with PyTorch's")
    parser.add_argument(
        "--threads", type=int, default=THREADS, help="BLAS/torch threads for both (default 2, as the issue asks)"
    )
    args = parser.parse_args(argv)
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(args.threads)
    with ThreadpoolController().limit(limits=args.threads, user_api="blas"):
        print(_environment(), flush=True)
        if args.check and importlib.util.find_spec("torch") is not None:
            case = _cases()[1]
            print(f"one SGD step vs torch ({case.description}): max |Δw| = {check_same_step_as_torch(case):.2e}")
        run(args.case, args.repeats, args.threads)
    return 0
