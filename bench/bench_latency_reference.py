"""Which latency estimator survives a shared machine? Sweeps of the same classes, compared.

On this 2-core VM the speed of a core jumps between regimes from one second to the next,
so milliseconds measured in one sweep rank networks differently from the next sweep. This
script times ``--classes`` random NB201 classes (official C=16, N=5 network, batch 1, one
thread) in ``--sweeps`` sweeps, each with freshly built networks and its own order, every
call preceded by a call of a fixed reference network (the build's protocol), and reports
how well the sweeps agree (Spearman, median relative difference) for four estimators:

* ``median``: median milliseconds of the rounds (the protocol without a reference);
* ``min``: fastest round;
* ``ratio``: median over rounds of time / time of the reference call just before
  (the build's estimator);
* ``ratio_of_medians``: median milliseconds / the reference's median milliseconds.

    .venv/bin/python bench/bench_latency_reference.py --classes 150 --sweeps 3
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
import torch
from scipy.stats import spearmanr

from nasbench_kit.build.latency import REFERENCE_CELL, time_nb201_cells
from nasbench_kit.models.nb201 import build_nb201
from nasbench_kit.spaces import NB201Space

NETWORK = {"C": 16, "N": 5, "num_classes": 10, "input_size": 32}


def sweep(cells: list, seed: int, *, group: int, warmup: int, repeats: int) -> dict[str, np.ndarray]:
    """One sweep over ``cells`` in a seeded order; the four estimators per cell."""
    space = NB201Space()
    torch.manual_seed(seed)
    reference = build_nb201(space.parse(REFERENCE_CELL), NETWORK["num_classes"], C=NETWORK["C"], N=NETWORK["N"])
    order = np.random.default_rng(seed).permutation(len(cells))
    out = {k: np.zeros(len(cells)) for k in ("median", "min", "ratio", "ratio_of_medians")}
    for first in range(0, len(cells), group):
        ids = order[first : first + group]
        results = time_nb201_cells([cells[i] for i in ids], **NETWORK, warmup=warmup, repeats=repeats,
                                   seed=seed * 1000 + first, reference=reference)
        for i, r in zip(ids, results):
            out["median"][i] = r.median_ms
            out["min"][i] = r.samples_ms.min()
            out["ratio"][i] = r.ratio
            out["ratio_of_medians"][i] = r.median_ms / r.reference_median_ms
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=150)
    parser.add_argument("--sweeps", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--group", type=int, default=10)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    space = NB201Space()
    rng = np.random.default_rng(args.seed)
    cells = [space.cell_at(int(i)) for i in rng.choice(len(space), args.classes, replace=False)]
    start = time.perf_counter()
    sweeps = [sweep(cells, s + 1, group=args.group, warmup=args.warmup, repeats=args.repeats)
              for s in range(args.sweeps)]
    print(f"{args.classes} cells x {args.sweeps} sweeps ({args.repeats} rounds, {args.warmup} warm-up, groups of "
          f"{args.group}) in {time.perf_counter() - start:.1f} s")
    print("| estimator | Spearman between sweeps (each pair) | median relative difference (each pair) |")
    print("|---|---|---|")
    for key in sweeps[0]:
        pairs = list(itertools.combinations(range(args.sweeps), 2))
        rho = [spearmanr(sweeps[a][key], sweeps[b][key]).statistic for a, b in pairs]
        rel = [np.median(np.abs(sweeps[a][key] - sweeps[b][key]) / np.minimum(sweeps[a][key], sweeps[b][key]))
               for a, b in pairs]
        print(f"| {key} | {' / '.join(f'{v:.3f}' for v in rho)} | {' / '.join(f'{100 * v:.1f} %' for v in rel)} |")


if __name__ == "__main__":
    main()
