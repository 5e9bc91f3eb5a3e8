"""`nn-designer lr-find PROJECT`: the learning-rate range test on a copy of the project's network; prints the
curve and the suggested rate as one JSON object (the project file is not changed)."""

from __future__ import annotations

NAME = "lr-find"
HELP = "learning-rate range test on a copy of the weights: JSON curve and suggested rate"


def add_arguments(parser) -> None:
    from designer.training.lr_finder import DEFAULT_END_LR, DEFAULT_START_LR, DEFAULT_STEPS

    parser.add_argument("project", help="the .nnproj file (not changed)")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS, help=f"batches to train (default {DEFAULT_STEPS})")
    parser.add_argument("--start-lr", type=float, default=DEFAULT_START_LR,
                        help=f"first learning rate (default {DEFAULT_START_LR:g})")
    parser.add_argument("--end-lr", type=float, default=DEFAULT_END_LR,
                        help=f"last learning rate (default {DEFAULT_END_LR:g})")
    parser.add_argument("--seed", type=int, default=None,
                        help="initial weights and batch order (default: the project's)")


def run(args) -> int:
    from designer.cli import strict_json
    from designer.session import ProjectSession
    from designer.training.lr_finder import find_learning_rate

    session = ProjectSession.open(args.project)
    result = find_learning_rate(session.project, session.base_dir, steps=args.steps, start_lr=args.start_lr,
                                end_lr=args.end_lr, seed=args.seed)
    print(strict_json(result.to_dict()))
    return 0
