"""The learning-rate range test ("LR finder"): train a copy of the network for about a hundred batches while
the learning rate rises exponentially, record the loss at each rate, and suggest one.

Why it works: at tiny rates the loss hardly moves, in a band of useful rates it falls fast, and past the
stable limit it blows up. The suggestion is the rate where the (smoothed) loss falls most steeply per decade,
searched only before the loss's lowest point, so it always lies in the falling part of the curve, a good
margin below the rate where training breaks down.

The project is never changed: the network is built from a copy of the project with fresh initial weights
(the ones "Train from scratch" would start from), so the rate found is for the run the user is about to make.
Plain NumPy; the window runs `find_learning_rate` on a thread, the command line `nn-designer lr-find` directly.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from designer.engine.losses import encode_targets, get_loss
from designer.engine.optimizers import make_optimizer
from designer.errors import TrainingError
from designer.training import metrics as M
from designer.training.settings import TRAINING_SPECS

DEFAULT_STEPS = 100
DEFAULT_START_LR = 1e-6
DEFAULT_END_LR = 10.0
SMOOTHING = 0.9  # exponential moving average of the batch losses (bias-corrected), as fastai's finder does
DIVERGED = 4.0  # stop once the smoothed loss is this many times its best: the rest of the curve is noise
SKIP_START = 3  # the first points of a bias-corrected average are still mostly one batch's loss


@dataclass
class LRFinderResult:
    """The curve (one point per batch) and the suggestion; `suggested` is None when the loss never fell."""

    lr: list[float]
    loss: list[float]
    smoothed: list[float]
    suggested: float | None
    minimum_lr: float | None  # the rate at the smoothed curve's lowest point
    stopped: str  # "completed" (all steps ran) or "diverged"
    message: str
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def lr_schedule(start_lr: float, end_lr: float, steps: int) -> np.ndarray:
    """`steps` rates from start_lr to end_lr, equally spaced on a log scale."""
    return np.geomspace(start_lr, end_lr, steps)


def suggest(lrs, smoothed, raw=None) -> tuple[float | None, float | None, str]:
    """(suggested rate, rate at the minimum, why): the steepest fall of the smoothed loss per decade of rate,
    before the curve's lowest point. None when the curve has no falling part to speak of: a fall of less than
    a tenth of the starting loss, or (given the `raw` batch losses) one within three times the noise left in
    the smoothed curve, is batch-to-batch chance, not learning."""
    lrs = np.asarray(lrs, dtype=np.float64)
    s = np.asarray(smoothed, dtype=np.float64)
    finite = np.isfinite(s)
    if finite.sum() < SKIP_START + 3:
        return None, None, "too few batches to draw a curve: use more training rows or a smaller batch size"
    last = int(np.nonzero(finite)[0][-1]) + 1
    lrs, s = lrs[:last], s[:last]
    lo = min(SKIP_START, len(s) - 3)
    i_min = lo + int(np.nanargmin(s[lo:]))
    minimum_lr = float(lrs[i_min])
    drop = s[lo] - s[i_min]
    noise = 0.0
    if raw is not None:
        window = (1 + SMOOTHING) / (1 - SMOOTHING)  # the moving average's effective number of batches
        noise = float(np.std(np.asarray(raw, dtype=np.float64)[lo:i_min + 1])) / math.sqrt(window)
    if i_min - lo < 2 or not drop > max(0.1 * abs(s[lo]), 3 * noise, 1e-12):
        return None, minimum_lr, ("the loss did not fall over the range tried: check the data and the network, "
                                  "or try a wider range of rates")
    # The slope over about a third of a decade either side: batch-to-batch noise (small batches) otherwise
    # makes a single early wiggle look like the steepest fall.
    log_lr = np.log10(lrs)
    per_decade = (len(lrs) - 1) / max(log_lr[-1] - log_lr[0], 1e-12)
    k = max(1, int(round(per_decade / 3)))
    candidates = range(lo + 1, i_min + 1)
    slopes = [(s[min(i + k, i_min)] - s[max(i - k, lo)]) / (log_lr[min(i + k, i_min)] - log_lr[max(i - k, lo)])
              for i in candidates]
    i_best = candidates[int(np.argmin(slopes))]
    suggested = float(lrs[i_best])
    return suggested, minimum_lr, (f"the loss falls fastest near {suggested:.2g} and is lowest near "
                                   f"{minimum_lr:.2g}; rates past that make it rise")


def _targets(network, prepared, loss_name: str, n_out: int) -> np.ndarray:
    """The training targets as the loss reads them (regression in standard units, as the trainer trains)."""
    if prepared.task == "classification":
        return encode_targets(loss_name, prepared.y_train, n_out)
    y = np.asarray(prepared.y_train, dtype=np.float32)
    if network.target_scaling is not None:
        mean, scale = network.target_scaling
        y = ((y.reshape(len(y), -1) - mean) / scale).astype(np.float32)
    return encode_targets(loss_name, y, n_out)


def find_learning_rate(project, base_dir: str | Path | None, *, steps: int = DEFAULT_STEPS,
                       start_lr: float = DEFAULT_START_LR, end_lr: float = DEFAULT_END_LR, seed: int | None = None,
                       on_step: Callable[[int, float, float], None] | None = None,
                       should_stop: Callable[[], bool] | None = None) -> LRFinderResult:
    """Run the range test on a copy of `project` (its weights and settings are not touched).

    Uses the project's loss, optimizer (its type and other parameters; only the rate is swept), batch size
    and L1/L2. `on_step(i, lr, loss)` is called after every batch; `should_stop()` ends the test early.
    Raises DataError/ShapeError/GraphError/TrainingError when the project cannot train, like a run would.
    """
    from designer.training.run import build_and_prepare

    if not (isinstance(steps, int) and 5 <= steps <= 100_000):
        raise TrainingError(f"the learning-rate finder needs between 5 and 100000 steps, not {steps!r}")
    if not (0 < start_lr < end_lr and math.isfinite(end_lr)):
        raise TrainingError(f"the learning-rate range must rise from a positive rate: got {start_lr!r} to {end_lr!r}")
    training = dict(project.training or {})
    seed = int(training.get("seed") or 0) if seed is None else int(seed)
    copy = dataclasses.replace(project, weights={}, training={**training, "seed": seed})
    network, prepared = build_and_prepare(copy, base_dir)

    loss = get_loss(training.get("loss", "categorical_crossentropy"), **dict(training.get("loss_params") or {}))
    optimizer = make_optimizer(dict(training.get("optimizer") or {"type": "sgd"}))
    reg = training.get("regularization") or {}
    l1 = TRAINING_SPECS["l1"].coerce(reg.get("l1") or 0.0)
    l2 = TRAINING_SPECS["l2"].coerce(reg.get("l2") or 0.0)
    batch_size = TRAINING_SPECS["batch_size"].coerce(training.get("batch_size") or TRAINING_SPECS["batch_size"].default)

    x = M.reshape_inputs(prepared.x_train, tuple(network.input_shape))
    n = len(x)
    if n == 0:
        raise TrainingError("the training split has no rows: lower the validation and test fractions")
    n_out = int(np.prod(network.output_shape))
    y = _targets(network, prepared, loss.name, n_out)
    bs = min(batch_size, n)
    rng = np.random.default_rng(seed)

    rates = lr_schedule(start_lr, end_lr, steps)
    lrs: list[float] = []
    raw: list[float] = []
    smooth: list[float] = []
    avg, best = 0.0, math.inf
    stopped = "completed"
    order, pos = rng.permutation(n), 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i, lr in enumerate(rates):
            if should_stop is not None and should_stop():
                stopped = "stopped"
                break
            if pos + bs > n:  # a new pass over the data, freshly shuffled
                order, pos = rng.permutation(n), 0
            idx = order[pos:pos + bs]
            pos += bs
            optimizer.learning_rate = float(lr)
            value = float(network.train_batch(x[idx], y[idx], loss, optimizer, l1, l2))
            lrs.append(float(lr))
            raw.append(value)
            if not math.isfinite(value):
                smooth.append(math.nan)
                stopped = "diverged"
                break
            avg = SMOOTHING * avg + (1 - SMOOTHING) * value
            s = avg / (1 - SMOOTHING ** (i + 1))
            smooth.append(s)
            if on_step is not None:
                on_step(i, float(lr), value)
            best = min(best, s)
            if i > SKIP_START and s > DIVERGED * best:
                stopped = "diverged"
                break
    suggested, minimum_lr, message = suggest(lrs, smooth, raw)
    used = {"steps": steps, "start_lr": start_lr, "end_lr": end_lr, "batch_size": bs, "seed": seed,
            "optimizer": optimizer.name, "loss": loss.name}
    return LRFinderResult(lr=lrs, loss=raw, smoothed=smooth, suggested=suggested, minimum_lr=minimum_lr,
                          stopped=stopped, message=message, settings=used)


def with_learning_rate(training: dict, lr: float) -> dict:
    """A copy of the training settings with the optimizer's rate set (what "Apply" hands the session)."""
    import copy

    new = copy.deepcopy(training or {})
    new["optimizer"] = {**(new.get("optimizer") or {"type": "sgd"}), "learning_rate": float(lr)}
    return new
