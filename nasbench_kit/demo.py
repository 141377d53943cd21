"""``python -m nasbench_kit demo``: the workbench's headless main job.

It takes a census of the NAS-Bench-201 space (every cell, its isomorphism class and the
parameter count of its official CIFAR network), samples the other two spaces, and runs a
NAS-Bench-201-protocol comparison of random search, regularized evolution, REINFORCE and
local search on the benchmark (default: the shipped table; ``--benchmark PATH`` for
another), then writes the tables and a summary to ``--out``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .models.counts201 import nb201_param_count
from .spaces import MacroSpace, NB101Space, NB201Space


def nb201_census() -> pd.DataFrame:
    """One row per NB201 cell: string, our index, canonical class, class size, params.

    Returns:
        A DataFrame with columns ``arch``, ``arch_index``, ``canonical``, ``class_size``,
        ``params`` (official network: C=16, N=5, 10 classes).
    """
    space = NB201Space()
    cells = list(space)
    frame = pd.DataFrame(
        {
            "arch": [str(c) for c in cells],
            "arch_index": np.arange(len(cells), dtype=np.int32),
            "canonical": space.all_canonical(),
            "params": [nb201_param_count(c) for c in cells],
        }
    )
    frame["class_size"] = frame.groupby("canonical")["arch"].transform("size").astype(np.int32)
    return frame


DEMO_STRATEGIES = ("random", "rea", "reinforce", "local-search")


def demo_compare(out: Path, benchmark: str | None, *, seeds: int) -> dict:
    """NB201-protocol comparison on ``benchmark``; writes ``compare/``; returns its summary.

    When the default (shipped) table is missing it returns why it was skipped; a
    ``benchmark`` that was asked for and cannot be loaded raises.
    """
    from . import analysis
    from .benchmarks import load_benchmark
    from .compare import compare, nb201_protocol
    from .errors import NasKitError

    try:
        bench = load_benchmark(benchmark)
    except NasKitError as error:
        if benchmark is not None:
            raise
        return {"skipped": str(error)}
    folder = out / "compare"
    folder.mkdir(parents=True, exist_ok=True)
    frame = compare(list(DEMO_STRATEGIES), bench, seeds=range(seeds), **nb201_protocol(bench))
    frame.to_parquet(folder / "trials.parquet", index=False)
    final = analysis.final_table(frame, baseline="random")
    final.to_csv(folder / "final_regret.csv", index=False)
    analysis.bands(frame).to_csv(folder / "regret_bands.csv", index=False)
    return {"benchmark": bench.name, "seeds": seeds, "optimum": frame.attrs["optimum"],
            "mean_final_regret": dict(zip(final["strategy"], final["mean"].round(4)))}


def run_demo(out: Path, *, seed: int = 0, benchmark: str | None = None, compare_seeds: int = 50) -> dict:
    """Write the census tables, the comparison and ``summary.json`` to ``out``; returns the summary."""
    out.mkdir(parents=True, exist_ok=True)
    census = nb201_census()
    census.to_parquet(out / "nb201_census.parquet", index=False)
    rng = np.random.default_rng(seed)
    nb101 = NB101Space()
    nb101_sample = [nb101.sample(rng) for _ in range(200)]
    macro = MacroSpace()
    summary = {
        "nb201": {
            "cells": int(len(census)),
            "unique_classes": int(census["canonical"].nunique()),
            "largest_class": int(census["class_size"].max()),
            "params_min": int(census["params"].min()),
            "params_max": int(census["params"].max()),
        },
        "nb101": {
            "unique_cells": len(nb101),
            "distinct_hashes_in_200_samples": len({nb101.canonical(c) for c in nb101_sample}),
        },
        "macro": {"size": int(macro.size), "unique_size": int(macro.unique_size), "example": str(macro.sample(rng))},
        "compare": demo_compare(out, benchmark, seeds=compare_seeds),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _handle(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if (out / "summary.json").exists():
        import sys

        print(f"note: {out} holds results of an earlier run; they are overwritten", file=sys.stderr)
    summary = run_demo(out, seed=args.seed, benchmark=args.benchmark, compare_seeds=args.compare_seeds)
    print(json.dumps(summary, indent=2))
    print(f"results written to {out.resolve()}")
    return 0


def register(subparsers) -> None:
    """Add the ``demo`` sub-command."""
    parser = subparsers.add_parser("demo", help="headless run of the main job; writes results to --out")
    from .cli_args import benchmark_source, non_negative_int, output_folder, positive_int

    parser.add_argument("--out", default="results/demo", type=output_folder,
                        help="output folder (default: results/demo; created if missing, earlier results overwritten)")
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--benchmark", default=None, type=benchmark_source,
                        help="table for the comparison (default: the shipped one)")
    parser.add_argument("--compare-seeds", type=positive_int, default=50, help="seeds per strategy in the comparison")
    parser.set_defaults(handler=_handle)
