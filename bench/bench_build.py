"""Per-run cost of the benchmark builder, to size the full build (bench/RESULTS.md "Builder").

Trains ``--cells`` classes (the first of the builder's seeded class order, i.e. a uniform
random sample of the 6,466 NB201 classes) with the builder's task function
(``nasbench_kit.build.runs.train_unit``: ``train_cell`` with the default recipe, plus the sizes of the
official and proxy networks) one after another in this process on one thread, and times
each step. Then times the latency stage's measurement of the same classes.

Extrapolates: full build wall time = runs * mean seconds per run / workers (the workers
each own a core; the driver's overhead is small).

Usage: .venv/bin/python bench/bench_build.py --cells 12
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2, help="workers assumed by the extrapolation")
    parser.add_argument("--extra-runs", type=int, default=1000, help="extra-seed runs (500 cells x 2 seeds)")
    args = parser.parse_args()

    import torch

    from nasbench_kit.build.latency import LatencyProtocol
    from nasbench_kit.build.plan import class_order
    from nasbench_kit.build.runs import BuildRecipe, _digits, train_unit
    from nasbench_kit.models.nb201 import build_nb201
    from nasbench_kit.spaces.nb201 import NB201Space
    from nasbench_kit.training import measure_latencies

    torch.set_num_threads(1)
    recipe = BuildRecipe()
    print(f"recipe: {recipe.to_json()}")
    print(f"load average before: {os.getloadavg()}")
    t = time.perf_counter()
    _digits(recipe.data_seed)
    print(f"data rendering (once per worker): {time.perf_counter() - t:.2f} s")
    units = class_order(0)[: args.cells]
    train_unit(units[0][0], 0, BuildRecipe(epochs=1, C=4, N=1).to_json())  # warm-up (lazy torch init)
    wall, train, evals, cpu = [], [], [], []
    for index, _ in units:
        t = time.perf_counter()
        row = train_unit(index, 0, recipe.to_json())
        wall.append(time.perf_counter() - t)
        train.append(float(row["train_wall_seconds"][-1]))
        evals.append(float(row["eval_seconds"]))
        cpu.append(float(row["train_seconds"][-1]))  # the table's train_seconds are CPU seconds
    wall_a, train_a, eval_a = map(np.array, (wall, train, evals))
    print(f"{args.cells} runs, seconds per run (mean / median / min / max):")
    for name, a in (("whole task", wall_a), ("training", train_a), ("evaluation", eval_a),
                    ("sizes + overhead", wall_a - train_a - eval_a)):
        print(f"  {name:17s} {a.mean():6.2f} / {np.median(a):6.2f} / {a.min():6.2f} / {a.max():6.2f}")
    print(f"  training CPU s    {np.mean(cpu):6.2f} (wall/CPU {train_a.sum() / np.sum(cpu):.2f})")
    n_runs = 6466 + args.extra_runs
    for runs, label in ((6466, "seed 0, all classes"), (n_runs, f"+ {args.extra_runs} extra-seed runs")):
        hours = runs * wall_a.mean() / args.workers / 3600
        print(f"extrapolated build, {label}: {runs} runs -> {hours:.2f} h on {args.workers} workers")

    protocol = LatencyProtocol()
    space = NB201Space()
    models = [build_nb201(space.cell_at(i), 10, C=16, N=5) for i, _ in units]
    t = time.perf_counter()
    results = measure_latencies(models, (1, 3, 32, 32), warmup=protocol.warmup, repeats=protocol.repeats, threads=1)
    per = (time.perf_counter() - t) / len(models)
    ms = np.array([r.median_ms for r in results])
    cvs = np.array([r.cv for r in results])
    print(f"latency stage: {per:.3f} s per class (timing only) -> {6466 * per / 3600:.2f} h for 6,466 classes; "
          f"latency median {np.median(ms):.2f} ms (min {ms.min():.2f}, max {ms.max():.2f}), median cv {np.median(cvs):.3f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
