"""Column roles — target, feature or ignore — and the defaults a new table gets.

A person importing a CSV expects the obvious: a row number or an ID is not a feature, a column with one value
carries nothing, the column called `species` or `survived` is the one to predict, and a target of many
different numbers is a regression. `suggest_roles` makes that guess once; the user can change every role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from designer.data.cleaning import ID_MIN_ROWS, column_kind, is_numeric_series
from designer.data.prepare import MAX_INFERRED_CLASSES, infer_task

ROLES = ("target", "feature", "ignore")
# Names that usually mean "the thing to predict", best first (compared without case, spaces or underscores).
TARGET_NAMES = ("target", "label", "labels", "class", "classes", "y", "outcome", "species", "survived", "diagnosis",
                "response", "category", "quality", "price", "output", "result", "default", "churn")
ID_NAME = re.compile(r"^(id|index|idx|rownames?|row|rowid|row_?num(ber)?|key|unnamed:?\s*\d*)$"
                     r"|[_\s.\-]id$", re.I)
CAMEL_ID = re.compile(r"[a-z0-9](Id|ID)$")  # passengerId, customerID (case matters: not "paid")
# A text column with this share of distinct values (and many rows) is a name or a free text, not a category.
TEXT_DISTINCT_SHARE = 0.5


@dataclass
class RoleSuggestion:
    target: str | None
    task: str
    ignored: dict[str, str] = field(default_factory=dict)  # column → why it is left out

    def features(self, columns: list[str]) -> list[str]:
        return [c for c in columns if c != self.target and c not in self.ignored]


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", str(name)).lower()


def _id_name(name) -> bool:
    text = str(name).strip()
    return bool(ID_NAME.search(text) or CAMEL_ID.search(text))


def ignore_reason(s: pd.Series, name: str) -> str | None:
    """Why a column should not be a feature by default, or None."""
    present = s.dropna()
    n = len(s)
    unique = present.nunique()
    if unique <= 1:
        return "constant: one value in every row"
    if _id_name(name) and (unique == len(present) or not is_numeric_series(present)):
        return "looks like an ID (its name, and a different value in every row)"
    if n >= ID_MIN_ROWS and unique == len(present) == n:
        if is_numeric_series(present):
            values = present.to_numpy(dtype=np.float64)
            integer = bool(np.all(np.mod(values, 1) == 0))
            steps = np.diff(values)
            if integer and (np.all(steps > 0) or np.all(steps < 0)):
                return "looks like a row number (counts up by row)"
        elif column_kind(present) == "categorical":
            return "looks like an ID or a name (a different text in every row)"
    if (n >= ID_MIN_ROWS and column_kind(present) == "categorical"
            and unique > max(TEXT_DISTINCT_SHARE * len(present), MAX_INFERRED_CLASSES)):
        return f"free text: {unique:,} different values would become {unique:,} inputs"
    return None


def guess_target(df: pd.DataFrame, ignored: dict[str, str]) -> str | None:
    """A column named like a target; else the last usable column with few values; else the last usable one."""
    usable = [c for c in df.columns if c not in ignored]
    if not usable:
        return None
    by_name = {_norm(c): c for c in usable}
    for name in TARGET_NAMES:
        if name in by_name:
            return by_name[name]
    for col in reversed(usable):
        s = df[col].dropna()
        if not is_numeric_series(s) or (2 <= s.nunique() <= MAX_INFERRED_CLASSES):
            return col
    return usable[-1]


def suggest_roles(df: pd.DataFrame, target: str | None = None) -> RoleSuggestion:
    """The default roles of a table's columns; `target` (if it is a column) is kept as the user's choice."""
    ignored = {}
    for col in df.columns:
        reason = ignore_reason(df[col], col)
        if reason is not None:
            ignored[col] = reason
    if target not in df.columns:
        target = guess_target(df, ignored)
    ignored.pop(target, None)
    task = infer_task(df[target]) if target is not None else "classification"
    return RoleSuggestion(target, task, ignored)


def roles_of(columns: list[str], target: str | None, features: list[str] | None) -> dict[str, str]:
    """Each column's role in a data section (`features` None: every column but the target)."""
    wanted = set(features) if features else None
    return {c: "target" if c == target else ("feature" if wanted is None or c in wanted else "ignore")
            for c in columns}


def apply_roles(cfg: dict, roles: dict[str, str]) -> dict:
    """The data section with `target` and `features` from `roles` (`features` omitted when it is 'all')."""
    out = dict(cfg)
    targets = [c for c, r in roles.items() if r == "target"]
    out["target"] = targets[0] if targets else None
    features = [c for c, r in roles.items() if r == "feature"]
    if len(features) == len(roles) - len(targets):
        out.pop("features", None)
    else:
        out["features"] = features
    if out["target"] is None:
        out.pop("target")
    return out
