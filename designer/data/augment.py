"""Light image augmentation at training time, in NumPy: horizontal flip, shift, small rotation.

Off by default. Each epoch the trainer passes the (shuffled) training images through `augment_images`
with one seeded generator, so a run stays exactly repeatable. Validation and test images are never
changed. Pixels that move in from outside the image are 0 (black, or the mean when the features are
standardised). Rotation samples the nearest source pixel: cheap, and for a few degrees indistinguishable
from interpolation at the sizes a network here is trained on.
"""

from __future__ import annotations

import numpy as np

from designer.engine.registry import ParamSpec
from designer.errors import ParamError

# data.source.augment.<name>
AUGMENT_SPECS: dict[str, ParamSpec] = {
    s.name: s
    for s in (
        ParamSpec("flip", "bool", False, doc="mirror half of the images left–right"),
        ParamSpec("shift", "float", 0.0, 0.0, 0.25, doc="shift by up to this share of the size, both axes"),
        ParamSpec("rotate", "float", 0.0, 0.0, 30.0, doc="rotate by up to this many degrees either way"),
        ParamSpec("seed", "int", 0, 0, 2 ** 31 - 1, doc="the augmentation's random seed"),
    )
}


def augment_settings(augment: dict | None) -> dict:
    """All four settings, defaults filled in, each value checked (ParamError naming it)."""
    if augment is not None and not isinstance(augment, dict):
        raise ParamError(f"must be an object (flip, shift, rotate, seed), not {augment!r}", "data.source.augment")
    given = dict(augment or {})
    unknown = sorted(set(given) - set(AUGMENT_SPECS))
    if unknown:
        raise ParamError(f"unknown setting(s) {', '.join(map(repr, unknown))} (known: flip, shift, rotate, seed)",
                         "data.source.augment")
    out = {}
    for name, spec in AUGMENT_SPECS.items():
        try:
            out[name] = spec.coerce(given.get(name, spec.default))
        except ParamError as e:
            raise ParamError(e.message, where=f"data.source.augment.{name}") from None
    return out


def is_active(augment: dict | None) -> bool:
    s = augment_settings(augment)
    return bool(s["flip"]) or s["shift"] > 0 or s["rotate"] > 0


def augment_images(x: np.ndarray, augment: dict, rng: np.random.Generator) -> np.ndarray:
    """A new float32 array of images (n, h, w, c), each flipped, shifted and rotated at random."""
    s = augment_settings(augment)
    n, h, w = x.shape[:3]
    if n == 0:
        return x.copy()
    # One inverse mapping per image: output pixel (i, j) reads source pixel (si, sj).
    flip = rng.random(n) < 0.5 if s["flip"] else np.zeros(n, dtype=bool)
    angle = np.deg2rad(rng.uniform(-s["rotate"], s["rotate"], n)) if s["rotate"] > 0 else np.zeros(n)
    dy = np.rint(rng.uniform(-s["shift"], s["shift"], n) * h) if s["shift"] > 0 else np.zeros(n)
    dx = np.rint(rng.uniform(-s["shift"], s["shift"], n) * w) if s["shift"] > 0 else np.zeros(n)
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    ii, jj = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    yo = ii[None] - dy[:, None, None] - cy  # undo the shift, then the rotation about the centre
    xo = jj[None] - dx[:, None, None] - cx
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    si = np.rint(cos * yo + sin * xo + cy).astype(np.int64)
    sj = np.rint(-sin * yo + cos * xo + cx).astype(np.int64)
    sj = np.where(flip[:, None, None], w - 1 - sj, sj)
    inside = (si >= 0) & (si < h) & (sj >= 0) & (sj < w)
    idx = np.arange(n)[:, None, None]
    out = x[idx, np.clip(si, 0, h - 1), np.clip(sj, 0, w - 1)]
    out[~inside] = 0.0
    return out.astype(np.float32, copy=False)
