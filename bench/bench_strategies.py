"""Do the strategies work? Final regret and hypervolume against random search, many seeds.

    .venv/bin/python bench/bench_strategies.py [--benchmark PATH] [--seeds 100] [--workers 2]

1. Single objective (NB201 protocol preset: simulated time budget of 150 median training
   times): random, REA, BANANAS (and any ``--strategies``), ``--seeds`` seeds each. Reports
   mean final regret (test accuracy of the incumbent chosen by validation accuracy, against
   the best test accuracy in the table) with 95 % CIs, and a one-sided Mann-Whitney U test
   of "lower regret than random search".
2. Multi-objective (validation accuracy vs latency, 100 evaluations): NSGA-II and ParEGO
   against random search, final hypervolume as a fraction of the true front's, one-sided
   Mann-Whitney U test of "higher hypervolume than random search".

Without ``--benchmark`` a SYNTHETIC table (tests/benchmarks/synthetic.py) is used: it only
shows that the pipeline runs, not that a strategy works on real data.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.benchmarks.synthetic

from nasbench_kit import analysis  # noqa: E402
from nasbench_kit.benchmarks import load_benchmark  # noqa: E402
from nasbench_kit.budget import Budget  # noqa: E402
from nasbench_kit.compare import compare, nb201_protocol  # noqa: E402
from nasbench_kit.objectives import Objective  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default=None)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--strategies", default="random,rea,bananas", help='single-objective strategies ("" to skip)')
    parser.add_argument("--mo-strategies", default="random,nsga2,parego")
    parser.add_argument("--latency", default=None, help="latency metric (default: the table's first)")
    args = parser.parse_args()
    if args.benchmark is None:
        from tests.benchmarks.synthetic import write_synthetic_nb201

        path = Path(tempfile.mkdtemp()) / "synthetic.parquet"
        write_synthetic_nb201(path, datasets=("synth-a",), seeds=(0,))
        args.benchmark = str(path)
        print("table: SYNTHETIC (tests/benchmarks/synthetic.py): pipeline check only")
    bench = load_benchmark(args.benchmark)
    seeds = range(args.seeds)
    preset = nb201_protocol(bench)
    print(f"{bench!r}; budget {preset['budget'].seconds:.1f} simulated s; {args.seeds} seeds")

    if args.strategies:  # --strategies "" runs only the multi-objective part
        start = time.perf_counter()
        frame = compare(args.strategies.split(","), args.benchmark, seeds=seeds, workers=args.workers, **preset)
        print(f"single objective: {time.perf_counter() - start:.1f} s wall")
        table = analysis.final_table(frame, baseline="random")
        evaluations = frame.groupby(["strategy", "seed"])["evaluations"].max().groupby("strategy").median()
        table["median_evaluations"] = table["strategy"].map(evaluations)
        print(table.to_string(index=False, float_format="%.4g"))

    latency = args.latency or next(m for m in bench.metrics if m.startswith("latency_ms_"))
    objectives = [Objective("valid_acc"), Objective(latency, maximize=False)]
    start = time.perf_counter()
    mo = compare(args.mo_strategies.split(","), args.benchmark, seeds=seeds, workers=args.workers,
                 budget=Budget(queries=100), objectives=objectives, dataset=preset["dataset"])
    print(f"multi-objective ({objectives[0]}, {objectives[1]}), 100 evaluations: "
          f"{time.perf_counter() - start:.1f} s wall; true front hypervolume {mo.attrs['true_hypervolume']:.6g}")
    finals = analysis.final_values(mo, "hypervolume")
    finals["fraction"] = finals["hypervolume"] / mo.attrs["true_hypervolume"]
    base = finals.loc[finals["strategy"] == "random", "fraction"].to_numpy()
    print("| strategy | mean hypervolume fraction | std | p (higher than random, Mann-Whitney U) |")
    print("|---|---|---|---|")
    for name, part in finals.groupby("strategy", sort=False):
        v = part["fraction"].to_numpy()
        p = "" if name == "random" else f"{stats.mannwhitneyu(v, base, alternative='greater').pvalue:.3g}"
        print(f"| {name} | {v.mean():.4f} | {v.std(ddof=1):.4f} | {p} |")


if __name__ == "__main__":
    main()
