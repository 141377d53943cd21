"""Measure the cluttered-digits training recipe: is it discriminative, stable and cheap?

Trains random non-degenerate, unique NB201 cells (canonical string not '#', one cell per
canonical class) with two training seeds each, and reports

* the Spearman rank correlation of final validation accuracy between the two seeds
  (required >= 0.8 over >= 300 cells),
* the inter-quartile range of final test accuracy (required >= 3 points),
* seconds per cell per core (training + per-epoch evaluation, one thread).

Results are appended to a CSV one row per (cell, seed) as they finish, so an interrupted
run resumes where it stopped. Run one process at a time (one thread each).

    .venv/bin/python bench/recipe_digits.py --cells 300 --out bench/results/recipe_final.csv
    .venv/bin/python bench/recipe_digits.py --summary bench/results/recipe_final.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import time

import numpy as np

from nasbench_kit.spaces import NB201Space
from nasbench_kit.training import RECIPE, make_cluttered_digits, train_cell

FIELDS = [
    "cell_rank", "arch", "canonical", "seed", "final_valid_acc", "final_test_acc", "final_train_acc",
    "best_valid_acc", "valid_acc_by_render", "valid_curve", "train_seconds", "train_cpu_seconds", "eval_seconds", "params",
    "config",
]


def is_degenerate(canonical: str) -> bool:
    """True if the input never reaches the output (the output is constant).

    That is the canonical string ``'#'``, and also strings such as ``'#+#+#'``: the
    official unique string only collapses a node to ``#`` when it reads exactly ``#``.
    Either way the string then has no reference to node ``0`` (the input).
    """
    return "0" not in canonical


def sample_cells(n: int, sample_seed: int) -> list:
    """``n`` random cells with distinct canonical classes, none degenerate."""
    space = NB201Space()
    rng = np.random.default_rng(sample_seed)
    seen: set[str] = set()
    cells = []
    while len(cells) < n:
        cell = space.sample(rng)
        key = space.canonical(cell)
        if is_degenerate(key) or key in seen:
            continue
        seen.add(key)
        cells.append((cell, key))
    return cells


def accuracy_by_render(cell, result, data) -> list[float]:
    """Final validation accuracy on each rendering separately (to study evaluation noise)."""
    import torch

    from nasbench_kit.models.nb201 import build_nb201

    net = build_nb201(cell, data.num_classes, C=result.hyper["C"], N=result.hyper["N"])
    net.load_state_dict(result.state_dict)
    net.eval()
    k = data.recipe.renders_eval
    n = len(data.valid_y) // k
    x = torch.from_numpy(data.valid_x).expand(-1, 3, -1, -1)
    y = torch.from_numpy(data.valid_y)
    with torch.inference_mode():
        pred = torch.cat([net(x[s : s + 512]).argmax(1) for s in range(0, len(y), 512)])
    hits = (pred == y).double().reshape(k, n)
    return (100.0 * hits.mean(1)).tolist()


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def summarize(path: str) -> dict:
    import pandas as pd

    frame = pd.read_csv(path)
    wide = frame.pivot_table(index="arch", columns="seed", values=["final_valid_acc", "final_test_acc"])
    seeds = sorted(frame["seed"].unique())
    both = wide.dropna()
    va = both["final_valid_acc"]
    te = both["final_test_acc"]
    s0, s1 = seeds[0], seeds[1] if len(seeds) > 1 else seeds[0]
    test_mean = te.mean(axis=1)
    q = lambda s, p: float(np.percentile(s, p))  # noqa: E731
    per_run = frame["train_cpu_seconds"] + frame["eval_seconds"]
    out = {
        "file": path,
        "config": frame["config"].iloc[0],
        "cells_with_both_seeds": int(len(both)),
        "spearman_valid_seed01": spearman(va[s0].to_numpy(), va[s1].to_numpy()),
        "spearman_test_seed01": spearman(te[s0].to_numpy(), te[s1].to_numpy()),
        "spearman_valid0_test1": spearman(va[s0].to_numpy(), te[s1].to_numpy()),
        "test_acc_iqr_seed0": q(te[s0], 75) - q(te[s0], 25),
        "test_acc_iqr_mean_of_seeds": q(test_mean, 75) - q(test_mean, 25),
        "test_acc_min_median_max": [q(test_mean, 0), q(test_mean, 50), q(test_mean, 100)],
        "seed_abs_diff_valid_median": float((va[s0] - va[s1]).abs().median()),
        "train_cpu_s_per_run_median": float(frame["train_cpu_seconds"].median()),
        "eval_s_per_run_median": float(frame["eval_seconds"].median()),
        "cpu_s_per_run_mean_train_plus_eval": float(per_run.mean()),
        "wall_train_s_per_run_mean": float(frame["train_seconds"].mean()),
    }
    if "valid_acc_by_render" in frame and frame["valid_acc_by_render"].notna().all():
        by_render = frame["valid_acc_by_render"].str.split().apply(lambda v: np.array(v, dtype=float))
        k_max = len(by_render.iloc[0])
        for k in range(1, k_max + 1):
            frame[f"_v{k}"] = by_render.apply(lambda v: v[:k].mean())
            w = frame.pivot_table(index="arch", columns="seed", values=f"_v{k}").dropna()
            out[f"spearman_valid_seed01_first_{k}_renders"] = spearman(w[s0].to_numpy(), w[s1].to_numpy())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--sample-seed", type=int, default=2024)
    parser.add_argument("--data-seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=RECIPE["epochs"])
    parser.add_argument("--C", type=int, default=RECIPE["C"])
    parser.add_argument("--N", type=int, default=RECIPE["N"])
    parser.add_argument("--batch-size", type=int, default=RECIPE["batch_size"])
    parser.add_argument("--lr", type=float, default=RECIPE["lr"])
    parser.add_argument("--weight-decay", type=float, default=RECIPE["weight_decay"])
    parser.add_argument("--curve-renders", type=int, default=None, help="renderings scored before the last epoch")
    parser.add_argument("--ema-decay", type=float, default=0.0, help="evaluate an EMA of the weights (0: off)")
    parser.add_argument("--recipe", type=str, default="{}", help="JSON overrides of DigitsRecipe, e.g. '{\"canvas\": 16}'")
    parser.add_argument("--out", type=str, default="bench/results/recipe_digits.csv")
    parser.add_argument("--summary", type=str, default=None, help="only summarize this CSV")
    args = parser.parse_args()

    if args.summary:
        print(json.dumps(summarize(args.summary), indent=1))
        return

    import torch

    torch.set_num_threads(1)  # one core per process (the trainer also sets it while training)
    overrides = json.loads(args.recipe)
    data = make_cluttered_digits(seed=args.data_seed, **overrides)
    hyper = dict(epochs=args.epochs, C=args.C, N=args.N, batch_size=args.batch_size, lr=args.lr,
                 weight_decay=args.weight_decay)
    if args.ema_decay:
        hyper["ema_decay"] = args.ema_decay
    if args.curve_renders:
        hyper["curve_renders"] = args.curve_renders
    config = json.dumps({"data_seed": args.data_seed, "recipe": overrides, **hyper}, sort_keys=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    done: set[tuple[str, int]] = set()
    if os.path.exists(args.out):
        with open(args.out) as f:
            for row in csv.DictReader(f):
                if row["config"] != config:
                    raise SystemExit(f"{args.out} holds results of another config: {row['config']}")
                done.add((row["arch"], int(row["seed"])))
    new_file = not os.path.exists(args.out)
    print(f"# {platform.platform()} python {platform.python_version()}; config {config}; {len(done)} runs done")
    start = time.perf_counter()
    with open(args.out, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        if new_file:
            writer.writeheader()
        for rank, (cell, key) in enumerate(sample_cells(args.cells, args.sample_seed)):
            for seed in args.seeds:
                if (str(cell), seed) in done:
                    continue
                r = train_cell(cell, data, seed=seed, keep_state=True, **hyper)
                writer.writerow({
                    "cell_rank": rank, "arch": str(cell), "canonical": key, "seed": seed,
                    "final_valid_acc": round(r.valid_acc[-1], 4), "final_test_acc": round(r.test_acc[-1], 4),
                    "final_train_acc": round(r.train_acc[-1], 4), "best_valid_acc": round(r.valid_acc.max(), 4),
                    "valid_acc_by_render": " ".join(f"{v:.2f}" for v in accuracy_by_render(cell, r, data)),
                    "valid_curve": " ".join(f"{v:.2f}" for v in r.valid_acc),
                    "train_seconds": round(r.train_seconds[-1], 4),
                    "train_cpu_seconds": round(r.train_cpu_seconds[-1], 4),
                    "eval_seconds": round(r.eval_seconds, 4), "params": r.params, "config": config,
                })
                f.flush()
            if rank % 10 == 9:
                print(f"{rank + 1} cells, {time.perf_counter() - start:.0f} s", flush=True)
    print(json.dumps(summarize(args.out), indent=1))


if __name__ == "__main__":
    main()
