"""Latency stage of a build: CPU latency of the official-size network of every trained class.

Run after training, on a quiet machine: it runs in the build process itself on one
thread, no Dask workers alongside. Classes are timed in groups of ``group_size``
networks, interleaved round-robin (:func:`nasbench_kit.training.measure_latencies`), so
slow drift of the machine affects the networks of a group alike; the groups follow a
seeded random order of the classes, so drift is not correlated with the architecture.
Each finished group is one latency shard (resumable like training).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ArgumentError
from .build_shards import LATENCY_DEVICE, WorkDir

__all__ = ["LatencyProtocol", "LatencySummary", "latency_stage"]


@dataclass(frozen=True)
class LatencyProtocol:
    """How latency is measured (stored in the table's metadata).

    Args:
        warmup: untimed calls per network before timing.
        repeats: timed round-robin rounds (the median is kept).
        group_size: networks timed together, interleaved.
        seed: seed of the random input, of the order in a round and of the class order.
    """

    warmup: int = 5
    repeats: int = 21
    group_size: int = 10
    seed: int = 0

    def __post_init__(self) -> None:
        for name, low in (("warmup", 0), ("repeats", 1), ("group_size", 1), ("seed", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ArgumentError(f"LatencyProtocol.{name} must be an int >= {low}, got {value!r}")

    def describe(self, recipe: Any) -> dict[str, Any]:
        """Plain description for table metadata."""
        return {"device": LATENCY_DEVICE, "batch": 1, "threads": 1,
                "input_shape": [1, 3, recipe.official_input_size, recipe.official_input_size],
                "network": f"NB201 C={recipe.official_C} N={recipe.official_N} classes={recipe.official_num_classes}",
                "statistic": "median of rounds (ms)", "cv": "std/mean of rounds",
                "warmup": self.warmup, "repeats": self.repeats, "group_size": self.group_size, "seed": self.seed}


@dataclass(frozen=True)
class LatencySummary:
    """What one latency stage did."""

    measured: int
    already_done: int
    wall_seconds: float

    def describe(self) -> str:
        """One line for the command line."""
        per = self.wall_seconds / self.measured if self.measured else float("nan")
        return (f"latency: {self.measured} classes measured ({self.already_done} already done) in "
                f"{self.wall_seconds:.1f} s ({per:.3f} s per class)")


def latency_stage(
    work: WorkDir,
    *,
    protocol: LatencyProtocol = LatencyProtocol(),
    progress: bool = True,
    on_group: Callable[[int], None] | None = None,
) -> LatencySummary:
    """Measure the latency of every trained class not measured yet; one shard per group.

    Args:
        work: the open work folder (its recipe gives the network size).
        protocol: the measurement protocol.
        progress: show a tqdm progress bar.
        on_group: called with the number of classes measured so far after each shard.

    Returns:
        A :class:`LatencySummary`.
    """
    import torch
    from tqdm.auto import tqdm

    from ..models.nb201 import build_nb201
    from ..spaces.nb201 import NB201Space
    from ..training import measure_latencies

    recipe = work.recipe
    done = work.latencies()
    todo: dict[str, dict[str, Any]] = {}
    for row in work.runs():
        if row["canonical"] not in done:
            todo.setdefault(row["canonical"], {"canonical": row["canonical"], "arch": row["arch"],
                                               "arch_index": int(row["arch_index"])})
    items = sorted(todo.values(), key=lambda r: r["arch_index"])
    order = np.random.default_rng(protocol.seed).permutation(len(items))
    items = [items[i] for i in order]
    space = NB201Space()
    start = time.perf_counter()
    shape = (1, 3, recipe.official_input_size, recipe.official_input_size)
    description = protocol.describe(recipe)
    measured = 0
    torch.manual_seed(protocol.seed)  # weights do not change the time, but keep runs identical
    with tqdm(total=len(items), desc="latency", unit="class", disable=not progress, smoothing=0.05) as bar:
        for first in range(0, len(items), protocol.group_size):
            group = items[first : first + protocol.group_size]
            models = [build_nb201(space.cell_at(r["arch_index"]), recipe.official_num_classes,
                                  C=recipe.official_C, N=recipe.official_N) for r in group]
            results = measure_latencies(models, shape, warmup=protocol.warmup, repeats=protocol.repeats,
                                        threads=1, seed=protocol.seed + first)
            work.write_latencies([{**r, "latency_ms": res.median_ms, "cv": res.cv} for r, res in zip(group, results)],
                                 description)
            measured += len(group)
            bar.update(len(group))
            if on_group is not None:
                on_group(measured)
    return LatencySummary(measured=measured, already_done=len(done), wall_seconds=time.perf_counter() - start)
