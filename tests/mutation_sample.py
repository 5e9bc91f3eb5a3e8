"""A seeded random sample of the core's mutants, so that `make mutate` finishes in under an hour here.

    python -m tests.mutation_sample generate        # write mutants/ (mutmut 3.8.1's own generator)
    python -m tests.mutation_sample names 200       # 200 mutant names per package, the same every time

Why a sample: the five packages have ~16,800 mutants and about 3 s each on this 2-core machine (14 hours).
A uniform random sample estimates each package's score with a known error (Wilson interval, printed by
`python -m tests.mutation_score`): 200 mutants give about ±4 points at a score of 90 %. The seed is fixed,
so a sample is re-run after new tests and its survivors are killed or explained one by one.
`make mutate SAMPLE=all` runs every mutant.
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

PACKAGES = ("engine", "data", "training", "project", "export")
SEED = 20261130


def generate(jobs: int = 2) -> None:
    """What `mutmut run` does before it runs anything (mutmut 3.8.1, pinned in the Makefile): copy the
    sources to mutants/ and write every mutant. Internal API: re-check this after upgrading mutmut."""
    from os import makedirs

    from mutmut.__main__ import create_mutants, store_lines_covered_by_tests
    from mutmut.mutation.trampoline import set_mutant_under_test
    from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, setup_source_paths

    set_mutant_under_test("mutant_generation")
    makedirs(Path("mutants"), exist_ok=True)
    copy_src_dir()
    copy_also_copy_files()
    setup_source_paths()
    store_lines_covered_by_tests()
    stats = create_mutants(jobs)
    print(f"mutants written: {stats.mutated} files mutated, {stats.unmodified} unchanged", file=sys.stderr)


def all_names(root: Path = Path("mutants")) -> dict[str, list[str]]:
    """package → its mutants' names, sorted (mutmut keeps them in one .meta file per module)."""
    by_package: dict[str, list[str]] = defaultdict(list)
    for meta in sorted((root / "designer").rglob("*.py.meta")):
        package = meta.relative_to(root).parts[1]
        by_package[package] += json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
    return {p: sorted(names) for p, names in by_package.items()}


def sample(per_package: int, root: Path = Path("mutants")) -> list[str]:
    rng = random.Random(SEED)
    chosen = []
    for package, names in sorted(all_names(root).items()):
        if package in PACKAGES:
            chosen += names if len(names) <= per_package else rng.sample(names, per_package)
    return chosen


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "generate":
        generate()
    elif command == "names" and len(sys.argv) == 3:
        print("\n".join(sample(int(sys.argv[2]))))
    else:
        sys.exit(__doc__)
