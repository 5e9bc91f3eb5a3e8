"""Compiled training kernels for an image network's first convolution with its relu and max pool.

The first conv of an image network reads few channels (1 for grayscale, 3 for colour), so its im2col
products have a short inner dimension (K = 9 or 27) that BLAS runs far below its peak, and around them
NumPy makes full passes over the conv's whole output (the im2col copy, the pool's maxima, the routed
gradient): on the two-block 28×28 net that conv and its pool were a quarter of a shard's step. Here one
loop nest computes, for each pooled cell, the conv at every window offset, keeps the maximum and which
offset won, and nothing else is written: the conv's full output never exists. The kernel gradient is one
more loop nest from the pool's gradient and the winners.

The kernels are compiled with numba (the optional `fast` extra) for one shape at a time: the input patch of
a pooled cell and one filter's weights are held in named locals, so the compiler keeps them in registers
and vectorises the loop over the filters. The source of each shape's kernels is generated here from the
layer's sizes (integers only) and the dtype's name. Without numba, or for shapes too large to unroll, the
layers run their NumPy path; the two paths agree to float rounding (sums in another order).

Compiling a shape takes about 0.9 s, in a thread of its own while the steps go on on NumPy (WAIT), once a
run has trained for BUILD_AFTER_S. The generated source is written to a per-user cache folder
(`kernel_cache_dir`) and loaded from there, so that numba can keep the machine code beside it: later
processes load it in 0.35-0.45 s (numba loading itself). Where that folder cannot be written, the kernels
are compiled in memory for the process.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import threading
import types
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import numpy as np

from designer.user_folders import user_folder

#: False: never compile, every layer takes its NumPy path (tests compare the two)
ENABLED = True
#: Whether a training step waits for its kernels to be built (about 1 s the first time on a machine, 0.35 s
#: from the cache, mostly numba loading itself, and 150 MB). False: the steps run on NumPy until they are
#: ready, so a run never waits for them. The tests set True, for steps that always run the same path.
WAIT = False
#: Without WAIT, a network starts the build only after training this long on NumPy. The build holds the
#: interpreter lock most of its time: the NumPy steps beside it ran at 9 % of their speed (0.43 s, from the
#: cache) to 22 % (1.35 s, compiling), so it costs about its own length, and only a run that goes on for a
#: second or two more wins it back (1.4-2x faster steps). Shorter runs, such as the 8x8 digits example (10
#: epochs in 0.1 s), never load numba. Kernels already built in the process are used at once.
BUILD_AFTER_S = 3.0
# Unrolling limits: the input patch of a pooled cell in named locals (registers), and the multiply-adds per
# filter and pooled cell (the length of the generated expressions)
MAX_PATCH_VALUES = 64
MAX_TERMS = 512

_DTYPES = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64"}
log = logging.getLogger(__name__)
ENV_CACHE_DIR = "NN_DESIGNER_KERNEL_CACHE"  # where the kernels' source and machine code are kept


@dataclasses.dataclass(frozen=True)
class ConvPoolShape:
    """What a pair of kernels is compiled for."""

    kh: int
    kw: int
    cin: int
    sh: int  # the conv's strides
    sw: int
    ph: int  # the pool's size (and strides)
    pw: int
    dtype: str  # "float32" or "float64"

    @property
    def patch(self) -> tuple[int, int]:
        """Input rows and columns one pooled cell reads."""
        return (self.ph - 1) * self.sh + self.kh, (self.pw - 1) * self.sw + self.kw

    @property
    def taps(self) -> list[tuple[int, int, int]]:
        """(kernel row, kernel column, input channel) in the order of the kernel matrix's rows."""
        return [(i, j, c) for i in range(self.kh) for j in range(self.kw) for c in range(self.cin)]

    @property
    def name(self) -> str:
        """A module name for this shape's kernels."""
        return (f"conv_pool_{self.kh}x{self.kw}x{self.cin}_s{self.sh}x{self.sw}_p{self.ph}x{self.pw}_"
                f"{self.dtype}")

    def fits(self) -> bool:
        rows, cols = self.patch
        return rows * cols * self.cin <= MAX_PATCH_VALUES and len(self.taps) * self.ph * self.pw <= MAX_TERMS


@dataclasses.dataclass(frozen=True)
class ConvPoolKernels:
    """forward(x, kernel, bias, pooled, winner): x (n, h, w, cin) padded input, kernel (kh·kw·cin, filters),
    bias (filters,); writes the pooled pre-activation (n, oh, ow, filters) and the winning window offset
    (uint8, row-major in the window).
    kernel_gradient(x, grad, pooled, winner, dkernel, dbias): grad is the gradient of relu(pooled); writes
    the kernel's and the bias's gradient."""

    forward: Callable
    kernel_gradient: Callable


_lock = threading.Lock()
_builds: dict[ConvPoolShape, Future] = {}  # each shape's kernels (None: not available), being built or built


def numba_available() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def shape_of(kh: int, kw: int, cin: int, strides: tuple, pool: tuple, dtype) -> ConvPoolShape | None:
    """The kernels' shape for these sizes, or None when no kernel is made for them."""
    name = _DTYPES.get(np.dtype(dtype))
    if name is None:
        return None
    (sh, sw), (ph, pw) = strides, pool
    shape = ConvPoolShape(int(kh), int(kw), int(cin), int(sh), int(sw), int(ph), int(pw), name)
    return shape if shape.fits() else None


def kernels_for(shape: ConvPoolShape | None, wait: bool = True) -> ConvPoolKernels | None:
    """The compiled kernels for `shape`, or None: no numba, or it failed to compile them (logged; an optional
    accelerator never stops a training run). They are built once per process, in a thread of their own; with
    `wait` false this returns None at once until they are ready (see WAIT)."""
    if shape is None or not ENABLED:
        return None
    with _lock:  # the shards of a split step ask at the same time: one build
        build = _builds.get(shape)
        if build is None:
            build = _builds[shape] = Future()
            threading.Thread(target=_build, args=(shape, build), name="conv-pool-kernels", daemon=True).start()
    if wait or build.done():
        return build.result()
    return None


def built(shape: ConvPoolShape | None) -> ConvPoolKernels | None:
    """The kernels for `shape` if they are built already, else None (without starting a build)."""
    build = _builds.get(shape)
    return build.result() if ENABLED and build is not None and build.done() else None


def _build(shape: ConvPoolShape, build: Future) -> None:
    kernels = None
    try:
        if numba_available():
            kernels = _compile(shape)
    except Exception as exc:  # numba's errors share no base class; any failure: the NumPy path
        log.warning("the compiled conv kernels for %s failed, training on NumPy: %s", shape.name, exc)
    finally:
        build.set_result(kernels)  # always: a step may be waiting for it


def kernel_cache_dir() -> Path:
    """$NN_DESIGNER_KERNEL_CACHE, else the platform's per-user cache folder."""
    override = os.environ.get(ENV_CACHE_DIR)
    if override:
        return Path(override)
    return user_folder("Caches", "XDG_CACHE_HOME", ".cache", windows_sub="Cache") / "kernels"


def _compile(shape: ConvPoolShape) -> ConvPoolKernels:
    text = source(shape)  # sizes only: see source()
    module = _module_in_cache(shape, text)
    if module is not None:
        try:
            return _jit(shape, module, cache=True)
        except Exception as exc:  # no place for numba's cache beside the file, or a cache it cannot read
            log.info("the conv kernels' cache in %s is not usable, compiling in memory: %s", module.__file__, exc)
            for damaged in Path(module.__file__).parent.glob(f"__pycache__/{shape.name}.*"):
                damaged.unlink(missing_ok=True)  # the next process writes it afresh
    module = types.ModuleType(shape.name)  # compiled in memory, for this process
    exec(compile(text, f"<{shape.name}>", "exec"), module.__dict__)
    return _jit(shape, module, cache=False)


def _jit(shape: ConvPoolShape, module: types.ModuleType, cache: bool) -> ConvPoolKernels:
    """Both kernels, compiled now (or loaded from numba's cache) for C-contiguous arrays of the shape's dtype:
    a failure shows here, where kernels_for falls back to NumPy, not in the middle of a step."""
    import numba

    real = getattr(numba, shape.dtype)
    grid, matrix, vector = real[:, :, :, ::1], real[:, ::1], real[::1]
    winners = numba.uint8[:, :, :, ::1]
    forward = numba.void(grid, matrix, vector, grid, winners)  # x, kernel, bias, pooled, winner
    gradient = numba.void(grid, grid, grid, winners, matrix, vector)  # x, grad, pooled, winner, dkernel, dbias
    options = {"nogil": True, "boundscheck": False, "cache": cache}
    return ConvPoolKernels(numba.njit(forward, **options)(module.forward),
                           numba.njit(gradient, **options)(module.kernel_gradient))


def _module_in_cache(shape: ConvPoolShape, text: str) -> types.ModuleType | None:
    """A module of `text` whose file is in the cache folder, so that numba keeps the kernels' machine code
    beside it; None when the folder cannot be written. The file is written when it is missing or differs from
    `text` (a changed generator, a damaged file); what runs is always `text`, the file only names the place."""
    path = kernel_cache_dir() / f"{shape.name}.py"
    try:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, path)  # whole or not at all: another process may be reading it
    except (OSError, UnicodeError):
        return None
    module = types.ModuleType(f"designer_kernels.{shape.name}")
    module.__file__ = str(path)
    exec(compile(text, str(path), "exec"), module.__dict__)
    sys.modules[module.__name__] = module  # numba's cached code finds its module's globals by name
    return module


def source(shape: ConvPoolShape) -> str:
    """Python source of the two kernels for `shape`. Nothing but the shape's integers and the dtype's name
    (one of two fixed strings) goes into it."""
    s = shape
    if s.dtype not in _DTYPES.values():
        raise ValueError(f"no kernels for dtype {s.dtype!r}")
    rows, cols = s.patch
    taps = s.taps
    offsets = [divmod(k, s.pw) for k in range(s.ph * s.pw)]  # (row, column) in the window, row-major

    def patch_value(offset: tuple[int, int], tap: tuple[int, int, int]) -> str:
        (a, b), (i, j, c) = offset, tap
        return f"p_{a * s.sh + i}_{b * s.sw + j}_{c}"

    head = [
        "    n, oh, ow, filters = {grid}.shape",
        "    for im in range(n):",
        "        for r in range(oh):",
        f"            y0 = {int(s.ph * s.sh)} * r",
        "            for c in range(ow):",
        f"                x0 = {int(s.pw * s.sw)} * c",
    ]
    head += [f"                p_{y}_{x}_{ch} = x[im, y0 + {y}, x0 + {x}, {ch}]"
             for y in range(rows) for x in range(cols) for ch in range(s.cin)]
    inner = " " * 20

    fwd = ["def forward(x, kernel, bias, pooled, winner):", *(line.format(grid="pooled") for line in head)]
    fwd += ["                out = pooled[im, r, c]", "                won = winner[im, r, c]",
            "                for f in range(filters):"]
    fwd += [f"{inner}w_{t} = kernel[{t}, f]" for t in range(len(taps))]
    fwd += [f"{inner}b = bias[f]"]
    for k, offset in enumerate(offsets):
        terms = " + ".join(f"{patch_value(offset, tap)} * w_{t}" for t, tap in enumerate(taps))
        fwd.append(f"{inner}z_{k} = b + {terms}")
    fwd += [f"{inner}best = z_0", f"{inner}k = 0"]
    for k in range(1, len(offsets)):  # strictly greater: the first maximum wins; a NaN wins, as in np.maximum
        fwd += [f"{inner}if z_{k} > best or z_{k} != z_{k}:", f"{inner}    best = z_{k}", f"{inner}    k = {k}"]
    fwd += [f"{inner}out[f] = best", f"{inner}won[f] = k"]

    grad = ["def kernel_gradient(x, grad, pooled, winner, dkernel, dbias):",
            f"    zero = np.{s.dtype}(0)", "    dkernel[:] = zero", "    dbias[:] = zero",
            *(line.format(grid="grad") for line in head)]
    grad += ["                g_in = grad[im, r, c]", "                out = pooled[im, r, c]",
             "                won = winner[im, r, c]", "                for f in range(filters):",
             f"{inner}g = g_in[f] if out[f] > zero else zero", f"{inner}k = won[f]"]
    grad += [f"{inner}g_{k} = g if k == {k} else zero" for k in range(len(offsets))]
    grad += [f"{inner}dbias[f] += g"]
    for t, tap in enumerate(taps):
        terms = " + ".join(f"g_{k} * {patch_value(offset, tap)}" for k, offset in enumerate(offsets))
        grad.append(f"{inner}dkernel[{t}, f] += {terms}")
    return "\n".join(["import numpy as np", "", "", *fwd, "", "", *grad]) + "\n"
