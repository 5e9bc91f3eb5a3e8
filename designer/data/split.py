"""Train / validation / test split of row positions (stratified, shuffled, seeded, or in row order)."""

from __future__ import annotations

import numpy as np

from designer.errors import DataError


def _apportion(sizes: np.ndarray, total: int) -> np.ndarray:
    """Integer shares of `total` proportional to `sizes` (largest remainder), never above a size."""
    if total <= 0 or sizes.sum() == 0:
        return np.zeros_like(sizes)
    quota = sizes * (total / sizes.sum())
    share = np.minimum(np.floor(quota).astype(np.int64), sizes)
    order = np.argsort(-(quota - share), kind="stable")
    for k in order:
        if share.sum() >= total:
            break
        if share[k] < sizes[k]:
            share[k] += 1
    return share


def check_fractions(validation: float, test: float) -> tuple[float, float]:
    try:
        validation, test = float(validation), float(test)
    except (TypeError, ValueError):
        raise DataError("data.split: validation and test must be numbers between 0 and 1") from None
    if not (0 <= validation < 1 and 0 <= test < 1) or validation + test >= 1:
        raise DataError(f"data.split: validation ({validation:g}) and test ({test:g}) must each be in [0, 1) "
                        "and leave rows for training")
    return validation, test


def split_indices(n: int, validation: float, test: float, *, shuffle: bool = True, stratify_by=None,
                  seed: int | None = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row positions for (train, validation, test).

    `stratify_by` (class index per row) keeps each class's share equal across splits. Without shuffle the
    rows stay in order: training rows first, then validation, then test (stratification is then ignored).
    """
    validation, test = check_fractions(validation, test)
    n_val, n_test = int(round(validation * n)), int(round(test * n))
    if n - n_val - n_test < 1:
        raise DataError(f"only {n} usable rows: too few to split into training, validation and test")
    if not shuffle:
        idx = np.arange(n)
        n_train = n - n_val - n_test
        return idx[:n_train], idx[n_train:n_train + n_val], idx[n_train + n_val:]
    rng = np.random.default_rng(seed)
    if stratify_by is None:
        perm = rng.permutation(n)
        return perm[n_val + n_test:], perm[:n_val], perm[n_val:n_val + n_test]
    y = np.asarray(stratify_by)
    classes, inverse = np.unique(y, return_inverse=True)
    sizes = np.bincount(inverse, minlength=len(classes)).astype(np.int64)
    val_share = _apportion(sizes, n_val)
    test_share = _apportion(sizes - val_share, n_test)
    parts: tuple[list, list, list] = ([], [], [])
    for k in range(len(classes)):
        members = rng.permutation(np.nonzero(inverse == k)[0])
        v, t = val_share[k], test_share[k]
        parts[1].append(members[:v])
        parts[2].append(members[v:v + t])
        parts[0].append(members[v + t:])
    # mix the classes inside each split so batches taken in order are not sorted by class
    return tuple(rng.permutation(np.concatenate(p)) if p else np.zeros(0, np.int64) for p in parts)
