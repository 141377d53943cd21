"""Which runs a build trains: NB201 class representatives in a seeded order, and seeds.

The representative of a canonical class is its first cell in the kit's enumeration order
(``TabularBenchmark`` answers every other cell of the class through it). Classes are
trained in a seeded random order, so an unfinished build, or one with ``limit``, holds a
uniform random sample of the classes; the extra seeds go to the first ``extra_cells``
classes of that order (a seeded random subset), and those are trained first, so that an
unfinished build already measures seed noise.

>>> plan = BuildPlan(seeds=(0,), extra_seeds=(1, 2), extra_cells=2, limit=3)
>>> units = plan_units(plan)
>>> len(units), sorted({u.seed for u in units})
(7, [0, 1, 2])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ..errors import ArgumentError

__all__ = ["BuildPlan", "Unit", "class_order", "plan_units"]


class Unit(NamedTuple):
    """One run to train: the class representative's index, its canonical string, the seed."""

    arch_index: int
    canonical: str
    seed: int


@lru_cache(maxsize=1)
def _representatives() -> tuple[tuple[int, ...], tuple[str, ...]]:
    from ..spaces.nb201 import NB201Space

    canonical = np.array(NB201Space().all_canonical(), dtype=object)
    _, first = np.unique(canonical, return_index=True)
    first = np.sort(first)  # enumeration order of the representatives
    return tuple(int(i) for i in first), tuple(canonical[first])


def class_order(order_seed: int = 0) -> list[tuple[int, str]]:
    """``(representative index, canonical)`` of every NB201 class, in a seeded random order.

    The representative of a class is its first cell in the kit's enumeration order. A
    build trains classes in this order, so an unfinished build (or ``limit``) holds a
    uniform random sample of the classes.

    Example:
        >>> order = class_order(0)
        >>> len(order), order == class_order(0), order == class_order(1)
        (6466, True, False)
    """
    indices, canonicals = _representatives()
    perm = np.random.default_rng(order_seed).permutation(len(indices))
    return [(indices[i], canonicals[i]) for i in perm]


def _seeds(values: Sequence[int], name: str) -> tuple[int, ...]:
    out = tuple(values)
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in out):
        raise ArgumentError(f"{name} must be non-negative ints, got {values!r}")
    if len(set(out)) != len(out):
        raise ArgumentError(f"{name} repeats a seed: {values!r}")
    return tuple(int(s) for s in out)


@dataclass(frozen=True)
class BuildPlan:
    """Which runs a build trains.

    Args:
        seeds: seeds every class is trained with.
        extra_seeds: further seeds, for the first ``extra_cells`` classes of the order
            (a seeded random subset): seed noise measured on a subset.
        extra_cells: number of classes trained with ``extra_seeds``.
        limit: train only the first ``limit`` classes of the order (small builds).
        order_seed: seed of the class order (:func:`class_order`).

    Raises:
        ArgumentError: invalid seeds or counts, or ``extra_cells`` beyond the classes built.
    """

    seeds: tuple[int, ...] = (0,)
    extra_seeds: tuple[int, ...] = ()
    extra_cells: int = 0
    limit: int | None = None
    order_seed: int = 0
    n_classes: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "seeds", _seeds(self.seeds, "seeds"))
        object.__setattr__(self, "extra_seeds", _seeds(self.extra_seeds, "extra_seeds"))
        total = len(_representatives()[0])
        for name, value in (("extra_cells", self.extra_cells), ("order_seed", self.order_seed)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ArgumentError(f"{name} must be an int >= 0, got {value!r}")
        if self.limit is not None and (isinstance(self.limit, bool) or not isinstance(self.limit, (int, np.integer))
                                       or not 1 <= self.limit <= total):
            raise ArgumentError(f"limit must be an int in 1..{total} (or None for every class), got {self.limit!r}")
        n = total if self.limit is None else int(self.limit)
        if self.extra_cells > n:
            raise ArgumentError(f"extra_cells={self.extra_cells} exceeds the {n} classes of this build")
        if self.extra_cells and not self.extra_seeds:
            raise ArgumentError("extra_cells needs extra_seeds (e.g. extra_seeds=(1, 2))")
        object.__setattr__(self, "n_classes", n)


def plan_units(plan: BuildPlan) -> list[Unit]:
    """Every run of ``plan``, in training order.

    The first ``extra_cells`` classes come first, each with all its seeds, so an unfinished
    build already measures seed noise on a random subset; then the other classes with
    ``seeds``.
    """
    order = class_order(plan.order_seed)[: plan.n_classes]
    units: dict[tuple[int, int], Unit] = {}
    for index, canonical in order[: plan.extra_cells]:
        for seed in plan.seeds + plan.extra_seeds:
            units.setdefault((index, seed), Unit(index, canonical, seed))
    for index, canonical in order[plan.extra_cells :]:
        for seed in plan.seeds:
            units.setdefault((index, seed), Unit(index, canonical, seed))
    return list(units.values())
