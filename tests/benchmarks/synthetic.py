"""SYNTHETIC benchmark tables for tests and benchmarks of the table code only.

The numbers are generated from a seeded ``numpy.random.Generator`` and a made-up
op-quality model: they are NOT measurements and say nothing about real architectures.
They have the shape of a real NB201 table (format v1): every one of the 15,625 cells,
several datasets and seeds, per-epoch curves, params / FLOPs / latency / energy.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from nasbench_kit.benchmarks.schema import TableMeta, build_table, write_table
from nasbench_kit.spaces.nb201 import OPS, NB201Space

__all__ = [
    "synthetic_nb201_columns",
    "synthetic_nb201_table",
    "write_synthetic_nb201",
    "SYNTHETIC_META",
    "tiny_columns",
    "tiny_table",
    "TINY_META",
]

SYNTHETIC_META = TableMeta(
    name="synthetic-nb201",
    space="nb201",
    source="tests/benchmarks/synthetic.py (seeded numpy rng)",
    description="SYNTHETIC numbers for tests only: not measurements of any architecture",
    extra={"synthetic": "true"},
)

# Made-up per-op quality and cost (none, skip, conv1x1, conv3x3, avg_pool).
_QUALITY = np.array([0.0, 0.35, 0.6, 1.0, 0.25])
_SECONDS = np.array([0.0, 0.05, 0.6, 1.5, 0.3])
_PARAMS = np.array([0, 0, 2_000, 18_000, 0])
_LATENCY_MS = np.array([0.0, 0.02, 0.25, 0.7, 0.15])


def _arch_strings(ops: np.ndarray) -> list[str]:
    names = [OPS[i] for i in range(len(OPS))]
    return [
        f"|{names[a]}~0|+|{names[b]}~0|{names[c]}~1|+|{names[d]}~0|{names[e]}~1|{names[f]}~2|"
        for a, b, c, d, e, f in ops.tolist()
    ]


def synthetic_nb201_columns(
    rng: np.random.Generator,
    *,
    datasets: Sequence[str] = ("synth-a", "synth-b"),
    seeds: Sequence[int] = (0, 1),
    n_epochs: int = 12,
    cells: np.ndarray | None = None,
) -> dict[str, object]:
    """Columns (for ``build_table``) of a synthetic NB201 table.

    Args:
        rng: the only source of randomness.
        cells: indices (our enumeration) of the cells to include; default all 15,625.

    Returns:
        Column dict with one run per (dataset, seed, cell), runs ordered dataset-major.
    """
    space = NB201Space()
    all_ops = space.all_ops_array().astype(np.int64)
    index = np.arange(len(space)) if cells is None else np.asarray(cells, dtype=np.int64)
    ops = all_ops[index]
    archs = np.array(_arch_strings(ops), dtype=object)
    all_canonical = space.all_canonical()
    canonical = np.array([all_canonical[i] for i in index], dtype=object)
    n_cells = len(index)
    quality = _QUALITY[ops].sum(axis=1) / 6.0  # 0..1
    seconds_per_epoch = 4.0 + _SECONDS[ops].sum(axis=1)
    params = 1_000 + _PARAMS[ops].sum(axis=1)
    latency = 0.4 + _LATENCY_MS[ops].sum(axis=1) + rng.uniform(0.0, 0.05, n_cells)
    epochs = np.arange(1, n_epochs + 1)
    cols: dict[str, list] = {name: [] for name in ("arch", "arch_index", "canonical", "dataset", "seed")}
    curves: dict[str, list] = {name: [] for name in ("train_acc", "valid_acc", "test_acc", "train_loss",
                                                     "valid_loss", "test_loss", "train_seconds")}
    static: dict[str, list] = {"params": [], "flops": [], "latency_ms_cpu1t": [], "energy_mj_edgegpu": []}
    for d, dataset in enumerate(datasets):
        ceiling = 95.0 - 20.0 * d  # each dataset is harder than the previous
        for seed in seeds:
            final = 10.0 + (ceiling - 10.0) * quality + rng.normal(0.0, 1.0, n_cells)
            final = np.clip(final, 1.0, 99.0)
            tau = 1.0 + 3.0 * rng.random(n_cells)
            shape = 1.0 - np.exp(-epochs[None, :] / tau[:, None])  # (cells, epochs), rises to ~1
            valid = np.clip(final[:, None] * shape + rng.normal(0, 0.3, (n_cells, n_epochs)), 0.0, 100.0)
            test = np.clip(valid + rng.normal(0, 0.5, (n_cells, n_epochs)), 0.0, 100.0)
            train = np.clip(valid + 3.0 * shape, 0.0, 100.0)
            loss = 2.3 * (1.0 - valid / 100.0) + 0.05
            per_epoch = seconds_per_epoch[:, None] * rng.uniform(0.95, 1.05, (n_cells, n_epochs))
            cols["arch"].append(archs)
            cols["arch_index"].append(index)
            cols["canonical"].append(canonical)
            cols["dataset"].append(np.full(n_cells, dataset, dtype=object))
            cols["seed"].append(np.full(n_cells, seed))
            curves["train_acc"].append(train)
            curves["valid_acc"].append(valid)
            curves["test_acc"].append(test)
            curves["train_loss"].append(loss * 0.8)
            curves["valid_loss"].append(loss)
            curves["test_loss"].append(loss * 1.02)
            curves["train_seconds"].append(np.cumsum(per_epoch, axis=1))
            static["params"].append(params + 100 * d)
            static["flops"].append(params * 1024.0)
            static["latency_ms_cpu1t"].append(latency)
            static["energy_mj_edgegpu"].append(latency * 3.0)
    n_runs = n_cells * len(datasets) * len(seeds)
    out: dict[str, object] = {name: np.concatenate(v) for name, v in cols.items()}
    out["schedule_epochs"] = np.full(n_runs, n_epochs)
    out["epochs"] = np.tile(epochs, (n_runs, 1))
    out.update({name: np.concatenate(v) for name, v in curves.items()})
    out.update({name: np.concatenate(v) for name, v in static.items()})
    return out


def synthetic_nb201_table(rng: np.random.Generator, **kwargs: object) -> pa.Table:
    """A validated synthetic table (see :func:`synthetic_nb201_columns` for the arguments)."""
    return build_table(synthetic_nb201_columns(rng, **kwargs), SYNTHETIC_META)


def write_synthetic_nb201(path: Path, *, seed: int = 0, **kwargs: object) -> Path:
    """Write a synthetic table to ``path`` (generated from ``default_rng(seed)``)."""
    return write_table(synthetic_nb201_table(np.random.default_rng(seed), **kwargs), path)


# --- a tiny hand-made table (custom space) ---------------------------------------------


def tiny_columns(n_epochs: int = 3) -> dict[str, object]:
    """A valid 4-run table in the custom space: archs a, b on dataset toy with seeds 0, 1."""
    curve = np.linspace(10.0, 50.0, n_epochs, dtype=np.float32)
    acc = np.stack([curve, curve + 1, curve + 20, curve + 22])
    return {
        "arch": ["a", "a", "b", "b"],
        "arch_index": [-1, -1, -1, -1],
        "canonical": ["a", "a", "b", "b"],
        "dataset": ["toy"] * 4,
        "schedule_epochs": [n_epochs] * 4,
        "seed": [0, 1, 0, 1],
        "epochs": np.tile(np.arange(1, n_epochs + 1), (4, 1)),
        "train_acc": acc + 5,
        "valid_acc": acc,
        "test_acc": acc - 1,
        "train_loss": np.full((4, n_epochs), 0.5),
        "valid_loss": np.full((4, n_epochs), 0.6),
        "test_loss": np.full((4, n_epochs), np.nan),
        "train_seconds": np.cumsum(np.full((4, n_epochs), 2.0), axis=1),
        "params": [100, 100, 300, 300],
        "flops": [1e4, 1e4, 3e4, 3e4],
        "latency_ms_cpu1t": [1.0, 1.0, 2.5, 2.5],
    }


TINY_META = TableMeta(name="tiny", space="custom", source="tests/benchmarks/conftest.py", description="synthetic")


def tiny_table(**changes: object) -> pa.Table:
    columns = tiny_columns()
    columns.update(changes)
    return build_table(columns, TINY_META)
