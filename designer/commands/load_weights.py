"""`nn-designer load-weights PROJECT WEIGHTS [--out OUT]`: weights trained elsewhere (an export's weights .npz,
the trained_weights.npz an exported train.py writes, or its checkpoint.pt) into the project, names and shapes
checked against its network; saved atomically, and nothing changes when anything does not fit."""

from __future__ import annotations

NAME = "load-weights"
HELP = "bring weights trained elsewhere (.npz or a train.py checkpoint) into the project"


def add_arguments(parser) -> None:
    parser.add_argument("project")
    parser.add_argument("weights", help="a weights .npz in the project's format, or a train.py checkpoint.pt")
    parser.add_argument("--out", help="write the project here instead of back to PROJECT")
    parser.add_argument("--quiet", action="store_true", help="no message on stderr")


def run(args) -> int:
    import json
    import sys
    from pathlib import Path

    from designer.fileio import check_writable
    from designer.project.trained_weights import expected_weights, read_trained_weights
    from designer.session import ProjectSession

    session = ProjectSession.open(args.project)
    out = Path(args.out) if args.out else Path(args.project)
    check_writable(out)
    weights = read_trained_weights(args.weights, expected_weights(session.project, session.base_dir))
    session.load_weights(weights)
    session.save(out)
    if not args.quiet:
        print(f"loaded {len(weights)} arrays from {args.weights}; saved {out}", file=sys.stderr)
    print(json.dumps({"arrays": len(weights), "parameters": int(sum(a.size for a in weights.values())),
                      "project": str(out)}))
    return 0
