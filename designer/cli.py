"""The `nn-designer` command (contract: shared/spec/cli.md).

Without a subcommand it opens the window; subcommands run the same core headless. stdout carries only the
result (JSON or CSV) so it can be piped; people read stderr. Exit 0 on success, 1 for bad input (one
`error:` line, no traceback), 2 for wrong usage (argparse's own convention).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

from designer import __version__, streams
from designer.commands import command_modules
from designer.errors import DesignerError

BUILTIN_SUBCOMMANDS = ("train", "evaluate", "predict", "export", "summary")
EXPORT_FORMATS = ("onnx", "python", "pytorch", "keras")


class UsageError(Exception):
    """Wrong usage that argparse could not see (exit 2)."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nn-designer",
        description="Design a neural network by drawing it, train it on real data, and ship it. "
        "Without a command, opens the window.",
    )
    p.add_argument("--version", action="version", version=f"nn-designer {__version__}")
    p.add_argument("--smoke-test", action="store_true", help="open the window, train one epoch, exit 0")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("train", help="train with the project's settings")
    t.add_argument("project")
    t.add_argument("--epochs", type=_positive_int, help="override the number of epochs")
    t.add_argument("--seed", type=int, help="override the training seed")
    t.add_argument("--reset", action="store_true", help="start from fresh weights")
    t.add_argument("--out", help="write the trained project here instead of back to PROJECT")
    t.add_argument("--quiet", action="store_true", help="no progress on stderr")
    t.add_argument("--engine", choices=("numpy", "torch"), help="override training.engine (torch: if installed)")
    t.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="override training.device (torch)")

    e = sub.add_parser("evaluate", help="metrics of the trained model as JSON")
    e.add_argument("project")
    e.add_argument("--split", choices=("test", "validation", "train"), default="test")
    e.add_argument("--data", help="evaluate on this CSV instead (same columns as the training data; "
                                  "image projects: a folder with one sub-folder per class)")
    e.add_argument("--importance", action="store_true",
                   help="add permutation importance per feature column (validation split, or the --data rows)")

    pr = sub.add_parser("predict", help="apply the model to new rows of a CSV (image projects: image files)")
    pr.add_argument("project")
    pr.add_argument("input", nargs="+", help="a CSV; for a project whose data is an image folder, image files "
                                             "or folders of them")
    pr.add_argument("--out", help="write the CSV here instead of stdout")

    x = sub.add_parser("export", help="write deployment artefacts that take raw rows (see docs/export.md)")
    x.add_argument("project")
    x.add_argument("--format", required=True, choices=EXPORT_FORMATS,
                   help="onnx: model.onnx; python: one NumPy-only .py; pytorch, keras: model code + weights "
                        "(--out is a folder or a .py name)")
    x.add_argument("--out", required=True)

    s = sub.add_parser("summary", help="the layer table with shapes and parameter counts")
    s.add_argument("project")
    for module in command_modules():  # the later subcommands (designer/commands/)
        module.add_arguments(sub.add_parser(module.NAME, help=module.HELP))
    return p


def subcommands() -> tuple[str, ...]:
    return BUILTIN_SUBCOMMANDS + tuple(m.NAME for m in command_modules())


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return v


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _load(path: str):
    return _open(path).project


def _open(path: str):
    """The same Qt-free session the window uses: project, settings, derived input shape, run history."""
    from designer.session import ProjectSession

    return ProjectSession.open(path)


def _base_dir(path: str) -> Path:
    return Path(path).resolve().parent


# ---------------------------------------------------------------------------------------------- commands


def cmd_summary(args) -> int:
    session = _open(args.project)
    project, analysis = session.project, session.analysis
    rows = []
    for nid in project.graph.topological_order() if analysis.ok else project.graph.nodes:
        node = project.graph.nodes[nid]
        shape = analysis.shapes.get(nid)
        rows.append((nid, node.type, "?" if shape is None else "(None, " + ", ".join(map(str, shape)) + ")",
                     analysis.params.get(nid, 0)))
    headers = ("Layer", "Type", "Output shape", "Params")
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(4)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "-" * len(line)]
    for r in rows:
        out.append("  ".join(str(v).rjust(w) if i == 3 else str(v).ljust(w) for i, (v, w) in enumerate(zip(r, widths))))
    out.append("-" * len(line))
    out.append(f"Total params: {analysis.total_params:,}")
    out.append(f"Trainable params: {analysis.trainable_params:,}")
    out.append(f"Non-trainable params: {analysis.non_trainable_params:,}")
    print("\n".join(out))
    for p in analysis.problems:
        _say(f"{p.severity}: {p.node_id + ': ' if p.node_id else ''}{p.message}")
    return 0 if analysis.ok else 1



def strict_json(value) -> str:
    """Strict JSON (no NaN or Infinity, which JSON does not have): a value that is not a finite number is null."""
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(value), sort_keys=True, allow_nan=False)


def cmd_train(args) -> int:
    from designer.errors import TrainingError
    from designer.fileio import check_writable
    from designer.training.run import TrainingRun

    session = _open(args.project)
    out = Path(args.out) if args.out else Path(args.project)
    if args.out and out.parent and not out.resolve().parent.is_dir():
        raise DesignerError(f"the folder for --out does not exist: {out.parent}")
    check_writable(out)  # before the run, not after it
    started = time.perf_counter()

    def progress(event) -> None:
        name = type(event).__name__
        if name == "EpochEnd":
            m = event.metrics
            parts = [f"epoch {event.epoch}"] + [f"{k} {v:.4f}" for k, v in m.items() if isinstance(v, float)]
            _say("  ".join(parts))
        elif name == "TrainingFinished" and event.message:
            _say(event.message)

    # The same run the window's worker makes; the session records it and saves atomically.
    outcome = TrainingRun(session.project, session.base_dir, epochs=args.epochs, seed=args.seed, reset=args.reset,
                          on_event=None if args.quiet else progress, engine=args.engine, device=args.device,
                          strict_engine=args.engine is not None).run()
    if outcome.reason == "nan":
        # the contract (docs/cli.md): a diverged run saves nothing and fails, even under --quiet
        where = (outcome.message or "").split("; the last good weights")[0]
        raise TrainingError(f"training diverged ({where}); nothing was saved, {out} is unchanged. Lower the "
                            "learning rate or scale the inputs")
    session.record_run(outcome.weights, outcome.history_entry())
    session.save(out)
    if not args.quiet:
        _say(f"trained in {time.perf_counter() - started:.1f} s; saved {out}")
    print(strict_json(outcome.metrics))
    return 0


def cmd_evaluate(args) -> int:
    from designer.pipeline import evaluate_project

    project = _load(args.project)
    result = evaluate_project(project, _base_dir(args.project), split=args.split, data_csv=args.data,
                              importance=args.importance)
    print(strict_json(result))
    return 0


def cmd_predict(args) -> int:
    from designer.errors import DataError
    from designer.pipeline import is_image_project, predict_csv, predict_images, spreadsheet_safe_table

    project = _load(args.project)
    if is_image_project(project):
        table = predict_images(project, _base_dir(args.project), args.input)
    elif len(args.input) != 1:
        raise DataError(f"predict takes one CSV file, got {len(args.input)} inputs (several image files are for "
                        "projects whose data is an image folder)")
    else:
        table = predict_csv(project, _base_dir(args.project), Path(args.input[0]))
    table = spreadsheet_safe_table(table)
    if args.out:
        from designer.fileio import atomic_write_bytes

        atomic_write_bytes(Path(args.out), table.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        _say(f"wrote {len(table)} predictions to {args.out}")
    else:
        sys.stdout.write(table.to_csv(index=False, lineterminator="\n"))  # stdout is UTF-8 with "\n" (main)
    return 0


def cmd_export(args) -> int:
    from designer.export import export_project

    project = _load(args.project)
    written = export_project(project, args.format, Path(args.out), base_dir=_base_dir(args.project))
    for path in written or [args.out]:
        _say(f"wrote {path}")
    return 0


COMMANDS = {
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "predict": cmd_predict,
    "export": cmd_export,
    "summary": cmd_summary,
}


def main(argv: list[str] | None = None) -> int:
    """The console command `nn-designer` and the windowed launcher `nn-designer-gui` (pyproject.toml): on
    Windows the second has no console, so no stdout/stderr — streams.ensure_std_streams gives it a log."""
    streams.ensure_std_streams()
    streams.utf8_results()
    argv = list(sys.argv[1:] if argv is None else argv)
    # macOS's launcher may add a process serial number (-psn_0_12345) to an app it starts from the Finder.
    argv = [a for a in argv if not a.startswith("-psn_")]
    parser = _parser()
    # `nn-designer PROJECT` opens the window with a project; argparse cannot mix an optional positional
    # with subcommands, so a first word that is not a command or an option is taken as the project.
    project_arg = None
    names = subcommands()
    if argv and argv[0] not in names and not argv[0].startswith("-"):
        project_arg = argv.pop(0)
        looks_like_path = Path(project_arg).suffix or "/" in project_arg or "\\" in project_arg
        if not looks_like_path and not Path(project_arg).exists():
            parser.error(f"unknown command {project_arg!r} (choose from {', '.join(names)})")
        if argv:
            parser.error(f"unexpected arguments after the project: {' '.join(argv)}")
    args = parser.parse_args(argv)
    try:
        if args.smoke_test or args.command is None:  # the window: before NumPy loads (designer/blas.py)
            from designer.blas import cap_accelerate_before_numpy, threads_leaving_one_core

            cap_accelerate_before_numpy(threads_leaving_one_core())
        if args.smoke_test:
            from designer.ui.app import smoke_test

            return smoke_test()
        if args.command is None:
            if project_arg is not None and not Path(project_arg).is_file():
                raise DesignerError(f"no such project file: {project_arg}")
            from designer.ui.app import run_app

            return run_app(project_arg)
        if args.command in COMMANDS:
            return COMMANDS[args.command](args)
        return next(m for m in command_modules() if m.NAME == args.command).run(args)
    except DesignerError as err:
        _say(f"error: {err}")
        return 1
    except KeyboardInterrupt:
        _say("error: interrupted")
        return 130
    except MemoryError:  # not during training (that is a TrainingError): reading or preparing huge data
        _say("error: the computer ran out of memory (the data or the network is too big for it); nothing was "
             "saved: use fewer rows or columns, a smaller batch size or fewer units")
        return 1
    except OSError as err:
        where = f"{err.filename}: " if getattr(err, "filename", None) else ""
        _say(f"error: {where}{err.strerror or err}")
        return 1
    except Exception as err:  # a bug: say so in one line; the traceback only on request
        if os.environ.get("NN_DESIGNER_DEBUG"):
            raise
        _say(f"error: internal error ({type(err).__name__}: {err}); set NN_DESIGNER_DEBUG=1 for details")
        return 1


if __name__ == "__main__":
    sys.exit(main())
