"""Speed of a NAS-Bench-201-style strategy comparison, against an official-style loop.

    .venv/bin/python bench/bench_compare.py [--benchmark PATH] [--seeds 500] [--workers 2]

Runs random search, regularized evolution, REINFORCE and local search, ``--seeds`` seeds
each, under the NB201 protocol preset (a simulated time budget of 150 median training
times, about 150 evaluations), through ``compare`` (serial, and on ``--workers`` Dask
processes). The baseline is the loop style of the official NAS-Bench-201 reference
scripts (per-architecture ``benchmark.query`` calls and Python bookkeeping, one search at
a time), run here for random search and REA on the same table; its time per search is
measured on ``--baseline-seeds`` seeds. Prints medians of ``--repeats`` repeats.
Without ``--benchmark`` a SYNTHETIC table (tests/benchmarks/synthetic.py) is used.
"""

from __future__ import annotations

import argparse
import collections
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.benchmarks.synthetic

from nasbench_kit.benchmarks import load_benchmark  # noqa: E402
from nasbench_kit.compare import compare, nb201_protocol  # noqa: E402

STRATEGIES = ["random", "rea", "reinforce", "local-search"]


def official_style_random(bench, budget_seconds: float, rng: np.random.Generator) -> float:
    """Random search written as the reference scripts do: query each sampled cell, add its
    training time, stop when the budget is spent; returns the incumbent's test accuracy."""
    space = bench.space
    total, best_valid, best_test = 0.0, -1.0, None
    while total < budget_seconds:
        cell = space.sample(rng)
        record = bench.query(cell)
        total += record.final.train_seconds
        if record.final.valid_acc > best_valid:
            best_valid, best_test = record.final.valid_acc, record.final.test_acc
    return best_test


def official_style_rea(bench, budget_seconds: float, rng: np.random.Generator, population_size: int = 10,
                       sample_size: int = 3) -> float:
    """Regularized evolution in the reference scripts' style (deque population, per-cell queries)."""
    space = bench.space
    population: collections.deque = collections.deque()
    history = []
    total = 0.0
    while total < budget_seconds:
        if len(population) < population_size:
            cell = space.sample(rng)
        else:
            sample = [population[i] for i in rng.integers(0, len(population), sample_size)]
            parent = max(sample, key=lambda item: item[1])
            cell = space.mutate(parent[0], rng)
        record = bench.query(cell)
        total += record.final.train_seconds
        item = (cell, record.final.valid_acc, record.final.test_acc)
        population.append(item)
        history.append(item)
        if len(population) > population_size:
            population.popleft()
    return max(history, key=lambda item: item[1])[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default=None)
    parser.add_argument("--seeds", type=int, default=500)
    parser.add_argument("--baseline-seeds", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.benchmark is None:
        from tests.benchmarks.synthetic import write_synthetic_nb201

        path = Path(tempfile.mkdtemp()) / "synthetic.parquet"
        write_synthetic_nb201(path, datasets=("synth-a",), seeds=(0,))
        args.benchmark = str(path)
        print("table: SYNTHETIC (tests/benchmarks/synthetic.py)")
    bench = load_benchmark(args.benchmark)
    preset = nb201_protocol(bench)
    print(f"# {platform.platform()}, python {platform.python_version()}; {bench!r}")
    print(f"budget {preset['budget'].seconds:.1f} simulated s (150 median training times)")

    def timed(fn, repeats):
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = fn()
            samples.append(time.perf_counter() - start)
        return statistics.median(samples), result

    seeds = range(args.seeds)
    serial, frame = timed(lambda: compare(STRATEGIES, bench, seeds=seeds, **preset), args.repeats)
    parallel, _ = timed(lambda: compare(STRATEGIES, args.benchmark, seeds=seeds, workers=args.workers, **preset),
                        args.repeats)
    runs = len(STRATEGIES) * args.seeds
    evaluations = frame.groupby(["strategy", "seed"])["evaluations"].max()
    print(f"| compare, {len(STRATEGIES)} strategies x {args.seeds} seeds | serial {serial:.2f} s | "
          f"{args.workers} Dask workers {parallel:.2f} s | {1e3 * serial / runs:.2f} ms per search | "
          f"evaluations per search median {evaluations.median():.0f} (min {evaluations.min()}, max {evaluations.max()}) |")
    budget = preset["budget"].seconds
    for name, fn in (("random", official_style_random), ("rea", official_style_rea)):
        per, _ = timed(lambda: [fn(bench, budget, np.random.default_rng(s)) for s in range(args.baseline_seeds)],
                       args.repeats)
        per /= args.baseline_seeds
        ours, _ = timed(lambda: compare([name], bench, seeds=range(args.baseline_seeds), **preset), args.repeats)
        ours /= args.baseline_seeds
        print(f"| {name}: official-style loop {1e3 * per:.2f} ms per search | compare() serial "
              f"{1e3 * ours:.2f} ms per search | ratio {per / ours:.2f} |")
    final = frame.groupby(["strategy", "seed"])["regret"].last().groupby("strategy").mean()
    print("mean final regret:", final.round(3).to_dict())


if __name__ == "__main__":
    main()
