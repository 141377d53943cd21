"""Command-line sub-command ``build``: train a benchmark table (resumable, Dask-parallel).

``python -m nasbench_kit build nb201-digits --work-dir build/nb201-digits
--out data/nb201-digits.parquet --seeds 0 --extra-seeds 1,2 --extra-cells 500``
trains every NB201 canonical class (seed 0) and 500 of them with seeds 1 and 2 on a
``LocalCluster`` with one worker per core, then writes the table. Run the same command
again to resume after an interruption; add ``--latency`` (on a quiet machine) to measure
CPU latency, ``--no-train`` to only measure latency and / or assemble.

The module also runs on its own: ``python -m nasbench_kit.build.commands
build ...`` takes the same arguments.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import threading
from collections.abc import Sequence

from ..cli_args import int_list, non_negative_int, output_file, output_folder, positive_float, positive_int

__all__ = ["register", "main", "BENCHMARKS"]

#: Benchmarks the builder knows: name -> (space, dataset).
BENCHMARKS = {"nb201-digits": ("nb201", "digits-cluttered")}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``build`` sub-command to the kit's parser."""
    from ..training.trainer import RECIPE
    from .latency import LatencyProtocol

    p = subparsers.add_parser(
        "build",
        help="build a benchmark table by training every architecture (resumable, parallel with Dask)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    p.add_argument("benchmark", metavar="BENCHMARK", choices=list(BENCHMARKS), help=f"what to build: {', '.join(BENCHMARKS)}")
    p.add_argument("--work-dir", dest="work_dir", required=True, type=output_folder,
                   help="folder of the resumable shards (rerun with the same folder to resume)")
    p.add_argument("--out", type=output_file(".parquet"),
                   help="the .parquet table to assemble from the shards (omit: no table; an existing one is replaced)")
    p.add_argument("--seeds", type=int_list, default=(0,), help="seeds every class is trained with (default 0)")
    p.add_argument("--extra-seeds", dest="extra_seeds", type=int_list, default=(),
                   help="further seeds for a seeded random subset of --extra-cells classes, e.g. 1,2")
    p.add_argument("--extra-cells", dest="extra_cells", type=non_negative_int, default=0,
                   help="number of classes trained with --extra-seeds (default 0)")
    p.add_argument("--limit", type=positive_int, help="train only the first N classes of the seeded order (small builds)")
    p.add_argument("--order-seed", dest="order_seed", type=non_negative_int, default=0, help="seed of the class order (default 0)")
    p.add_argument("--epochs", type=positive_int, default=RECIPE["epochs"], help=f"training epochs (default {RECIPE['epochs']})")
    p.add_argument("--C", dest="C", type=positive_int, default=RECIPE["C"], help=f"proxy network width (default {RECIPE['C']})")
    p.add_argument("--N", dest="N", type=positive_int, default=RECIPE["N"], help=f"proxy cells per stage (default {RECIPE['N']})")
    p.add_argument("--kernels", choices=("native", "baseline"), default="native",
                   help="CPU kernels: the processor's fastest (native, default) or baseline ones that no instruction "
                        "set changes, several times slower (see nasbench_kit/training/kernels.py)")
    p.add_argument("--scheduler", help="address of an existing Dask scheduler (default: a new LocalCluster)")
    p.add_argument("--workers", type=positive_int, help="LocalCluster worker processes (default: one per core)")
    p.add_argument("--max-in-flight", dest="max_in_flight", type=positive_int,
                   help="tasks submitted at once (default: 2 per worker thread)")
    p.add_argument("--shard-size", dest="shard_size", type=positive_int, default=20, help="runs per shard (default 20)")
    p.add_argument("--flush-seconds", dest="flush_seconds", type=positive_float, default=60.0,
                   help="write a shard at least this often while runs finish (default 60)")
    p.add_argument("--latency", action="store_true",
                   help="after training, measure CPU latency (batch 1, one thread) of every trained class")
    defaults = LatencyProtocol()
    p.add_argument("--latency-repeats", dest="latency_repeats", type=positive_int, default=defaults.repeats,
                   help=f"timed rounds (default {defaults.repeats})")
    p.add_argument("--latency-warmup", dest="latency_warmup", type=non_negative_int, default=defaults.warmup,
                   help=f"untimed calls (default {defaults.warmup})")
    p.add_argument("--latency-group", dest="latency_group", type=positive_int, default=defaults.group_size,
                   help=f"networks timed interleaved (default {defaults.group_size})")
    p.add_argument("--latency-passes", dest="latency_passes", type=positive_int, default=defaults.passes,
                   help=f"sweeps over every class, one after the other; the median is kept (default {defaults.passes})")
    p.add_argument("--no-train", dest="train", action="store_false", help="skip training (latency / assemble only)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")
    p.set_defaults(handler=_run_build)


def _portable(path: str) -> str:
    """``path`` relative to the working directory when it lies inside it (commands recorded
    in a table then work in any checkout), else as given."""
    full = os.path.abspath(path)
    here = os.getcwd()
    return os.path.relpath(full, here) if full.startswith(here + os.sep) else path


def command_line(args: argparse.Namespace) -> str:
    """The canonical command line of a parsed ``build`` (every setting explicit)."""
    words = ["python", "-m", "nasbench_kit", "build", args.benchmark, "--work-dir", _portable(args.work_dir)]
    if args.out:
        words += ["--out", _portable(args.out)]
    words += ["--seeds", ",".join(map(str, args.seeds))]
    if args.extra_seeds:
        words += ["--extra-seeds", ",".join(map(str, args.extra_seeds)), "--extra-cells", str(args.extra_cells)]
    if args.limit is not None:
        words += ["--limit", str(args.limit)]
    words += ["--order-seed", str(args.order_seed), "--epochs", str(args.epochs), "--C", str(args.C), "--N", str(args.N)]
    if args.kernels != "native":
        words += ["--kernels", args.kernels]
    if args.scheduler:
        words += ["--scheduler", args.scheduler]
    if args.workers is not None:
        words += ["--workers", str(args.workers)]
    if args.latency:
        words += ["--latency", "--latency-repeats", str(args.latency_repeats), "--latency-warmup",
                  str(args.latency_warmup), "--latency-group", str(args.latency_group),
                  "--latency-passes", str(args.latency_passes)]
    if not args.train:
        words.append("--no-train")
    return shlex.join(words)


def _run_build(args: argparse.Namespace) -> int:
    from .pipeline import build_benchmark
    from .latency import LatencyProtocol
    from .plan import BuildPlan
    from .runs import BuildRecipe

    _, dataset = BENCHMARKS[args.benchmark]
    recipe = BuildRecipe(benchmark=args.benchmark, dataset=dataset, epochs=args.epochs, C=args.C, N=args.N,
                         kernels=args.kernels)
    plan = BuildPlan(seeds=args.seeds, extra_seeds=args.extra_seeds, extra_cells=args.extra_cells,
                     limit=args.limit, order_seed=args.order_seed)
    protocol = LatencyProtocol(warmup=args.latency_warmup, repeats=args.latency_repeats,
                               group_size=args.latency_group, passes=args.latency_passes)
    command = command_line(args)

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # `kill PID` stops like Ctrl-C: finished runs are written first

    if args.out and os.path.exists(args.out):
        print(f"note: {args.out} exists; the assembled table replaces it", file=sys.stderr)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, terminate) if main_thread else None
    try:
        report = build_benchmark(
            recipe, plan, args.work_dir, out=args.out, train=args.train, latency=args.latency,
            scheduler=args.scheduler, workers=args.workers, max_in_flight=args.max_in_flight,
            shard_size=args.shard_size, flush_seconds=args.flush_seconds, latency_protocol=protocol,
            progress=args.progress, command=command,
        )
    except KeyboardInterrupt:
        print(f"interrupted; finished runs are stored in {args.work_dir}. Resume with:\n  {command}", file=sys.stderr)
        return 130
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    print(report.describe())
    if report.train is not None and report.train.failed:
        print(f"{report.train.failed} run(s) failed (see {args.work_dir}/failures.jsonl); rerun to retry them",
              file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``build`` from this module: ``python -m nasbench_kit.build.commands build ARGS``
    is ``python -m nasbench_kit build ARGS`` (same arguments, errors and exit codes)."""
    from ..cli import main as cli_main  # here, not at the top: cli imports this module

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] != ["build"]:
        print("usage: python -m nasbench_kit.build.commands build ARGS (see python -m nasbench_kit build --help)",
              file=sys.stderr)
        return 2
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
