"""`nn-designer sweep PROJECT --grid lr=0.001,0.01 --grid units=16,64`: one run per combination, all from the
project's initial weights; prints a JSON object with every run's settings, differences from the project,
best validation score and final metrics. The project file is not changed; `--out DIR` keeps each run's
trained project there."""

from __future__ import annotations

NAME = "sweep"
HELP = "train one run per combination of settings from the same initial weights; JSON of the runs"


def add_arguments(parser) -> None:
    parser.add_argument("project", help="the .nnproj file (not changed)")
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                        help="a setting and its values: lr, units, dropout, batch_size, optimizer, epochs "
                             "(repeat for several)")
    parser.add_argument("--random", type=int, default=None, metavar="N",
                        help="N combinations drawn at random instead of all of them")
    parser.add_argument("--seed", type=int, default=0, help="which combinations --random draws (default 0)")
    parser.add_argument("--workers", type=int, default=1, help="processes to train in (default 1)")
    parser.add_argument("--out", default=None, metavar="DIR", help="write each run's trained project into DIR")


def run(args) -> int:
    import sys
    from pathlib import Path

    from designer.cli import strict_json
    from designer.errors import DesignerError
    from designer.session import ProjectSession
    from designer.training.sweep import parse_grid, run_sweep

    session = ProjectSession.open(args.project)
    grid = parse_grid(args.grid)
    out = Path(args.out) if args.out else None
    if out is not None and not out.is_dir():
        raise DesignerError(f"the folder for --out does not exist: {out}")
    if args.workers < 1:
        raise DesignerError(f"--workers must be at least 1, got {args.workers}")

    def progress(run) -> None:
        changes = ", ".join(f"{k}={b}" for k, (_, b) in run.changes.items()) or "the project's own settings"
        score = "–" if run.best_score is None else f"{run.best_score:.4g}"
        print(f"run {run.index}: {changes}: best {score} ({run.seconds:.1f} s)", file=sys.stderr, flush=True)

    result = run_sweep(session.project, session.base_dir, grid, random=args.random, seed=args.seed,
                       workers=args.workers, on_run=progress)
    if out is not None:
        _save_runs(session.project, session.base_dir, result, out)
    print(strict_json(result.to_dict()))
    return 0


def _save_runs(project, base_dir, result, out) -> None:
    """Each run's project with its settings and history (not its weights: a run is repeatable from its seed)."""
    from designer.project.io import save_project
    from designer.training.sweep import apply_settings

    for run in result.runs:
        variant = apply_settings(project, run.settings)
        variant.history = [{"settings": variant.training, "epochs": run.history, "reason": run.reason,
                            "best_epoch": run.best_epoch, "message": ""}]
        save_project(variant, out / f"run-{run.index:03d}.nnproj")
