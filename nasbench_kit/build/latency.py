"""Latency stage of a build: CPU latency of the official-size network of every trained class.

Run after training, on a quiet machine: it runs in the build process itself on one
thread, no Dask workers alongside. Classes are timed in groups of ``group_size``
networks, interleaved round-robin (:func:`nasbench_kit.training.measure_latencies`), so
slow drift of the machine affects the networks of a group alike; the groups follow a
seeded random order of the classes, so drift is not correlated with the architecture.

On a shared machine the speed of the one core jumps between regimes from one second to
the next (measured here: the same network at 8.6, 12 and 14.5 ms in consecutive seconds),
so milliseconds measured minutes apart do not rank networks reliably (two sweeps agreed
at Spearman 0.5). Every timed call is therefore preceded by a call of one fixed reference
network, and a class's value is the median over rounds of its time divided by the
reference's, times the reference's median time over the whole stage: the ratio of two
adjacent calls cancels most of the regime (the shipped table's two sweeps agree at Spearman
0.92, against 0.53 for their plain milliseconds; ``bench/RESULTS.md``).

The whole sweep is repeated ``passes`` times, one after the other, each with freshly
built networks (the reference too) and its own class order; the table keeps the median
over sweeps and the datasheet reports how the sweeps agree (test-retest). Each finished
group is one latency shard (resumable like training, per sweep).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ArgumentError
from .shards import LATENCY_DEVICE, WorkDir

__all__ = ["LatencyProtocol", "LatencySummary", "REFERENCE_CELL", "latency_stage", "time_nb201_cells"]

#: Reference network of the latency stage: a mid-cost cell (convolutions and a skip).
REFERENCE_CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


@dataclass(frozen=True)
class LatencyProtocol:
    """How latency is measured (stored in the table's metadata).

    Args:
        warmup: untimed calls per network before timing.
        repeats: timed round-robin rounds (the median is kept).
        group_size: networks timed together, interleaved.
        seed: seed of the random input, of the order in a round and of the class order
            (pass ``p`` uses ``seed + p``).
        passes: sweeps over every class, one after the other; the table keeps the median
            over sweeps.
        reference: the cell of the reference network (official string), timed right
            before every timed call.
    """

    warmup: int = 3
    repeats: int = 7
    group_size: int = 10
    seed: int = 0
    passes: int = 2
    reference: str = REFERENCE_CELL

    def __post_init__(self) -> None:
        for name, low in (("warmup", 0), ("repeats", 1), ("group_size", 1), ("seed", 0), ("passes", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ArgumentError(f"LatencyProtocol.{name} must be an int >= {low}, got {value!r}")
        from ..spaces.nb201 import NB201Space

        NB201Space().parse(self.reference)  # a clear error for a reference that is not a cell

    def describe(self, recipe: Any) -> dict[str, Any]:
        """Plain description for table metadata."""
        return {"device": LATENCY_DEVICE, "batch": 1, "threads": 1,
                "input_shape": [1, 3, recipe.official_input_size, recipe.official_input_size],
                "network": f"NB201 C={recipe.official_C} N={recipe.official_N} classes={recipe.official_num_classes}",
                "statistic": "median over sweeps of the median over rounds of time / reference time, "
                             "times the reference's median time over the stage (ms)",
                "cv": "std/mean of rounds (median over passes)",
                "robust_cv": "1.4826*MAD/median of rounds (median over passes)",
                "passes": self.passes, "reference": self.reference, "warmup": self.warmup, "repeats": self.repeats,
                "group_size": self.group_size, "seed": self.seed}


@dataclass(frozen=True)
class LatencySummary:
    """What one latency stage did (``measured`` counts class-pass measurements)."""

    measured: int
    already_done: int
    wall_seconds: float
    passes: int = 1

    def describe(self) -> str:
        """One line for the command line."""
        per = self.wall_seconds / self.measured if self.measured else float("nan")
        return (f"latency: {self.measured} class-passes measured over {self.passes} pass(es) "
                f"({self.already_done} already done) in {self.wall_seconds:.1f} s ({per:.3f} s per class-pass)")


def time_nb201_cells(
    cells: Sequence[Any], *, C: int, N: int, num_classes: int, input_size: int,
    warmup: int, repeats: int, seed: int, reference: Any = None,
) -> list:
    """Build the NB201 network of each cell and time them together, interleaved, on one thread.

    ``reference``: a built model timed right before every call (see
    :func:`~nasbench_kit.training.measure_latencies`), or None.

    The one timing step of the build's latency stage and of ``bench/bench_latency_retest.py``,
    so both follow the same protocol.

    Returns:
        One :class:`~nasbench_kit.training.LatencyResult` per cell, in order.
    """
    from ..models.nb201 import build_nb201
    from ..training import measure_latencies

    models = [build_nb201(cell, num_classes, C=C, N=N) for cell in cells]
    return measure_latencies(models, (1, 3, input_size, input_size), warmup=warmup, repeats=repeats,
                             threads=1, seed=seed, reference=reference)


def latency_stage(
    work: WorkDir,
    *,
    protocol: LatencyProtocol = LatencyProtocol(),
    progress: bool = True,
    on_group: Callable[[int], None] | None = None,
) -> LatencySummary:
    """Measure, pass after pass, every trained class not measured yet in that pass.

    Args:
        work: the open work folder (its recipe gives the network size).
        protocol: the measurement protocol.
        progress: show a tqdm progress bar.
        on_group: called with the number of class-passes measured so far after each shard.

    Returns:
        A :class:`LatencySummary`.
    """
    import torch
    from ..progress import progress_bar

    from ..models.nb201 import build_nb201
    from ..spaces.nb201 import NB201Space

    recipe = work.recipe
    done = work.latency_passes()
    classes: dict[str, dict[str, Any]] = {}
    for row in work.runs():
        classes.setdefault(row["canonical"], {"canonical": row["canonical"], "arch": row["arch"],
                                              "arch_index": int(row["arch_index"])})
    ordered = sorted(classes.values(), key=lambda r: r["arch_index"])
    todo = {p: [r for r in ordered if p not in done.get(r["canonical"], {})] for p in range(protocol.passes)}
    already = sum(len(ordered) - len(items) for items in todo.values())
    space = NB201Space()
    network = dict(C=recipe.official_C, N=recipe.official_N, num_classes=recipe.official_num_classes,
                   input_size=recipe.official_input_size)
    description = protocol.describe(recipe)
    start = time.perf_counter()
    measured = 0
    total = sum(len(items) for items in todo.values())
    with progress_bar(total=total, desc="latency", unit="class", enabled=progress, smoothing=0.05) as bar:
        for p, items in todo.items():
            seed = protocol.seed + p
            order = np.random.default_rng(seed).permutation(len(items))
            items = [items[i] for i in order]
            torch.manual_seed(seed)  # weights do not change the time, but keep runs identical
            reference = build_nb201(space.parse(protocol.reference), network["num_classes"], C=network["C"],
                                    N=network["N"])
            bar.set_postfix_str(f"pass {p + 1}/{protocol.passes}")
            for first in range(0, len(items), protocol.group_size):
                group = items[first : first + protocol.group_size]
                results = time_nb201_cells([space.cell_at(r["arch_index"]) for r in group], **network,
                                           warmup=protocol.warmup, repeats=protocol.repeats, seed=seed + first,
                                           reference=reference)
                work.write_latencies([{**r, "pass": p, "latency_ms": res.median_ms, "cv": res.cv,
                                       "robust_cv": res.robust_cv, "ratio": res.ratio,
                                       "reference_ms": res.reference_median_ms} for r, res in zip(group, results)],
                                     description)
                measured += len(group)
                bar.update(len(group))
                if on_group is not None:
                    on_group(measured)
    return LatencySummary(measured=measured, already_done=already, wall_seconds=time.perf_counter() - start,
                          passes=protocol.passes)
