"""``python -m nasbench_kit oneshot``: a one-shot search from the command line.

    python -m nasbench_kit oneshot --method darts --preset fast --seed 0 --out runs/darts

writes ``trajectory.parquet`` / ``.csv`` (one row per epoch: losses, the distribution over
the ops of each edge, the derived cell and its accuracy in the table) and ``summary.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..cli_args import benchmark_source, from_kit_parser, non_negative_int, output_folder, positive_int
from ..search_commands import parse_hyperparameter

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from . import make_search

    settings = dict(args.set)
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    search = make_search(args.method, preset=args.preset, seed=args.seed, benchmark=args.benchmark,
                         device=args.device, progress=not args.no_progress, **settings)
    out = Path(args.out)
    if (out / "summary.json").exists():
        print(f"note: {out} holds results of an earlier run; they are overwritten", file=sys.stderr)
    result = search.run()
    written = result.save(out)
    summary = result.summary()
    print(json.dumps({k: v for k, v in summary.items() if k != "settings"}, indent=2, default=str))
    print(f"results written to {out.resolve()}: {', '.join(written)}")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``oneshot`` sub-command."""
    from .presets import METHOD_NAMES, PRESETS

    p = subparsers.add_parser(
        "oneshot", help="weight-sharing / gradient-based NAS on the NB201 supernet (DARTS, GDAS, SPOS, RSPS, ENAS)",
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--method", required=True, choices=METHOD_NAMES)
    p.add_argument("--preset", default="fast", choices=tuple(PRESETS),
                   help="tiny (seconds), fast (about a minute on 2 cores, default) or full (up to about 15 minutes)")
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--epochs", type=positive_int, help="supernet training epochs (default: the preset's)")
    p.add_argument("--set", action="append", default=[], type=from_kit_parser(parse_hyperparameter), metavar="NAME=VALUE",
                   help="a setting of the method, e.g. order=2 for second-order DARTS (repeatable)")
    p.add_argument("--benchmark", type=benchmark_source, default=None,
                   help="the NB201 table whose accuracies judge the derived cells (default: the shipped one)")
    p.add_argument("--device", default="auto", help="auto (a GPU when present), cpu or cuda")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--out", required=True, type=output_folder, help="output folder (created if missing)")
    p.set_defaults(handler=_run)
