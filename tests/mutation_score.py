"""Mutation score per package from the last `make mutate` (mutmut 3's results in mutants/).

    python -m tests.mutation_score            # table per package, then per module, then the survivors

Score = detected / checked, where detected is killed, timeout or crashed, and checked is every mutant that
was run (a mutant no test reaches counts as not detected). Mutants not run in this session are left out
and shown as "not run", so a partial run says exactly what it covered.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

PACKAGES = ("engine", "data", "training", "project", "export")
DETECTED = {1, 3, 24, -24, 36, 152, 255, -11, -9, 37}  # killed, timeout, segfault, type check (mutmut stats.py)
SURVIVED = {0, 5, 33}  # survived, no tests reach it


def _results(root: Path) -> dict[str, dict[str, int | None]]:
    """module path (designer/engine/losses.py) → {mutant name: exit code or None}."""
    out = {}
    for meta in sorted((root / "designer").rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
        if codes:
            out[str(meta.relative_to(root)).removesuffix(".meta")] = codes
    return out


def _count(codes) -> Counter:
    c = Counter()
    for code in codes:
        c["not run" if code is None else "detected" if code in DETECTED else "survived" if code in SURVIVED
          else "other"] += 1
    return c


def _score(c: Counter) -> str:
    checked = c["detected"] + c["survived"] + c["other"]
    return f"{100 * c['detected'] / checked:.1f}%" if checked else "–"


def wilson_interval(detected: int, checked: int, z: float = 1.96) -> tuple[float, float]:
    """95 % interval of a package's true score when `checked` mutants are a random sample of its mutants."""
    if checked == 0:
        return 0.0, 1.0
    p = detected / checked
    centre = (p + z * z / (2 * checked)) / (1 + z * z / checked)
    half = z * math.sqrt(p * (1 - p) / checked + z * z / (4 * checked * checked)) / (1 + z * z / checked)
    return max(0.0, centre - half), min(1.0, centre + half)


def _interval(c: Counter) -> str:
    checked = c["detected"] + c["survived"] + c["other"]
    if not checked:
        return "–"
    low, high = wilson_interval(c["detected"], checked)
    return f"{100 * low:.1f}–{100 * high:.1f}%"


def report(root: Path = Path("mutants")) -> str:
    results = _results(root)
    if not results:
        return "no mutation results: run `make mutate` first"
    by_package: dict[str, Counter] = defaultdict(Counter)
    lines = ["| package | checked | detected | survived | not run | score | 95% interval (sample) |",
             "|---|---|---|---|---|---|---|"]
    modules = ["", "| module | checked | detected | survived | not run | score |", "|---|---|---|---|---|---|"]
    survivors = []
    for module, codes in results.items():
        package = module.split("/")[1]
        c = _count(codes.values())
        by_package[package] += c
        checked = c["detected"] + c["survived"] + c["other"]
        if checked:
            modules.append(f"| {module} | {checked} | {c['detected']} | {c['survived']} | {c['not run']} | "
                           f"{_score(c)} |")
            survivors += [name for name, code in codes.items() if code is not None and code not in DETECTED]
    for package in PACKAGES:
        c = by_package.get(package, Counter())
        checked = c["detected"] + c["survived"] + c["other"]
        lines.append(f"| {package} | {checked} | {c['detected']} | {c['survived']} | {c['not run']} | {_score(c)} | "
                     f"{_interval(c)} |")
    tail = ["", f"not detected ({len(survivors)}):"] + [f"  {name}" for name in survivors]
    return "\n".join(lines + modules + tail)


if __name__ == "__main__":
    print(report(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("mutants")))
