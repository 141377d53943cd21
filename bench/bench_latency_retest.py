"""Test-retest of a table's CPU latencies: re-measure random classes, compare with the table.

The build stores, per class, the median over sweeps of the median of interleaved rounds,
and the round-to-round spreads (the datasheet reports how the build's own sweeps agree).
This script asks the same question later, on this machine: would the table's latencies
come out the same if measured again now?
It re-measures ``--classes`` random classes with the table's own protocol (warm-up,
repeats, groups of interleaved networks) and reports the Spearman correlation and the
relative differences of the medians, and both spreads (std / mean and the robust
1.4826 * MAD / median) of the new rounds.

    .venv/bin/python bench/bench_latency_retest.py --table data/nb201-digits.parquet --classes 200
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
from scipy.stats import spearmanr

from nasbench_kit.benchmarks import load_benchmark
from nasbench_kit.build.latency import time_nb201_cells
from nasbench_kit.models.nb201 import build_nb201
from nasbench_kit.spaces import NB201Space


def quantiles(values: np.ndarray) -> str:
    return " / ".join(f"{q:.4f}" for q in np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="data/nb201-digits.parquet")
    parser.add_argument("--classes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--metric", default="latency_ms_cpu1t")
    args = parser.parse_args()

    bench = load_benchmark(args.table)
    protocol = json.loads(bench.meta.extra["latency_protocol"])
    recipe = json.loads(bench.meta.extra["recipe"])  # the network the build timed
    network = {"num_classes": recipe["official_num_classes"], "C": recipe["official_C"], "N": recipe["official_N"],
               "input_size": recipe["official_input_size"]}
    frame = bench.frame
    rows = frame[frame["seed"] == frame["seed"].min()]
    rows = rows.sample(min(args.classes, len(rows)), random_state=args.seed)
    space = NB201Space()
    group = int(protocol["group_size"])
    print(f"# {platform.platform()}; {len(rows)} classes of {bench.meta.name}; protocol {protocol}")

    reference, scale = None, float(bench.meta.extra.get("latency_reference_ms", "nan"))
    if "reference" in protocol:  # the table's latencies are ratios to a reference network, times `scale`
        reference = build_nb201(space.parse(protocol["reference"]), network["num_classes"], C=network["C"],
                                N=network["N"])
    start = time.perf_counter()
    medians, cvs, robust = [], [], []
    archs = rows["arch"].tolist()
    for first in range(0, len(archs), group):
        for result in time_nb201_cells([space.parse(a) for a in archs[first : first + group]], **network,
                                       warmup=int(protocol["warmup"]), repeats=int(protocol["repeats"]),
                                       seed=args.seed + first, reference=reference):
            medians.append(result.median_ms if reference is None else result.ratio * scale)
            cvs.append(result.cv)
            robust.append(result.robust_cv)
    wall = time.perf_counter() - start
    stored = rows[args.metric].to_numpy(np.float64)
    medians, cvs, robust = map(np.asarray, (medians, cvs, robust))
    relative = np.abs(medians - stored) / stored
    print(f"re-measured in {wall:.1f} s ({wall / len(rows):.3f} s per class)")
    print(f"Spearman(table, retest) = {spearmanr(stored, medians).statistic:.4f}")
    print(f"|retest - table| / table, p5/p25/median/p75/p95: {quantiles(relative)}")
    print(f"retest median / table median (ratio of medians over classes): {np.median(medians / stored):.4f}")
    print(f"std/mean of the retest rounds, p5/p25/median/p75/p95: {quantiles(cvs)}; "
          f"{np.mean(cvs < 0.05):.1%} under 5 %")
    print(f"1.4826*MAD/median of the retest rounds, p5/p25/median/p75/p95: {quantiles(robust)}; "
          f"{np.mean(robust < 0.05):.1%} under 5 %")
    print(f"stored std/mean of these classes, median: {np.median(rows['latency_cv_cpu1t']):.4f}")


if __name__ == "__main__":
    main()
