"""Real vs lookup-table-predicted CPU latency of official-size NB201 networks.

For ``--cells`` random cells, builds the official CIFAR network (C=16, N=5, 10 classes)
and measures its batch-1 inference latency on 32x32 inputs on one thread with
:func:`measure_latencies` (warm-up, round-robin rounds, median) twice, independently, to
give the measurement's own rank stability. Then builds an :class:`OpLatencyTable` and
compares its predictions, and FLOPs and parameters, with the measured latencies
(Spearman and Pearson).

    .venv/bin/python bench/bench_latency.py --cells 100
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
from scipy.stats import pearsonr, spearmanr

from nasbench_kit.models.measure import count_flops, count_params
from nasbench_kit.models.nb201 import build_nb201
from nasbench_kit.spaces import NB201Space
from nasbench_kit.training import OpLatencyTable, measure_latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    space = NB201Space()
    rng = np.random.default_rng(args.seed)
    cells = [space.sample(rng) for _ in range(args.cells)]
    models = [build_nb201(c, 10, C=16, N=5) for c in cells]
    params = np.array([count_params(m) for m in models])
    flops = np.array([count_flops(m, (1, 3, 32, 32)) for m in models])

    start = time.perf_counter()
    first = measure_latencies(models, (1, 3, 32, 32), warmup=args.warmup, repeats=args.repeats, seed=1)
    t_first = time.perf_counter() - start
    second = measure_latencies(models, (1, 3, 32, 32), warmup=args.warmup, repeats=args.repeats, seed=2)
    lat1 = np.array([r.median_ms for r in first])
    lat2 = np.array([r.median_ms for r in second])
    cv = np.array([r.cv for r in first])
    rcv = np.array([r.robust_cv for r in first])

    start = time.perf_counter()
    table = OpLatencyTable.build(C=16, N=5, input_size=32, warmup=20, repeats=101)
    t_table = time.perf_counter() - start
    predicted = table.predict_many(cells)

    def corr(a, b):
        return {"spearman": round(float(spearmanr(a, b).statistic), 3), "pearson": round(float(pearsonr(a, b).statistic), 3)}

    latency = (lat1 + lat2) / 2
    out = {
        "machine": f"{platform.machine()} python {platform.python_version()} torch {torch.__version__}, 1 thread",
        "cells": args.cells,
        "protocol": f"warmup {args.warmup}, {args.repeats} round-robin rounds, median; measured twice",
        "seconds_per_pass": round(t_first, 1),
        "seconds_per_cell_per_pass": round(t_first / args.cells, 3),
        "latency_ms_min_median_max": [round(float(np.min(latency)), 3), round(float(np.median(latency)), 3),
                                      round(float(np.max(latency)), 3)],
        "cv_median": round(float(np.median(cv)), 4),
        "cv_p90": round(float(np.percentile(cv, 90)), 4),
        "cv_fraction_below_5pct": round(float(np.mean(cv < 0.05)), 3),
        "robust_cv_median": round(float(np.median(rcv)), 4),
        "robust_cv_fraction_below_5pct": round(float(np.mean(rcv < 0.05)), 3),
        "pass1_vs_pass2": corr(lat1, lat2),
        "pass1_vs_pass2_median_abs_rel_diff": round(float(np.median(np.abs(lat1 - lat2) / lat2)), 4),
        "lut_vs_measured": corr(predicted, latency),
        "lut_median_rel_error": round(float(np.median((predicted - latency) / latency)), 4),
        "flops_vs_measured": corr(flops, latency),
        "params_vs_measured": corr(params, latency),
        "lut_build_seconds": round(t_table, 1),
        "lut_skeleton_ms": round(table.skeleton_ms, 4),
        "lut_op_ms": {f"{op}@stage{s}": round(v, 4) for (op, s), v in sorted(table.op_ms.items(), key=lambda kv: (kv[0][1], kv[0][0]))},
        "lut_add_ms": [round(v, 4) for v in table.add_ms],
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
