"""Helpers shared by the strategy tests: hand-made trials, no benchmark needed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nasbench_kit.objectives import Constraint
from nasbench_kit.strategies.base import SearchProblem, Trial


def make_trial(number: int, arch: Any, space: Any, value: float, feasible: bool = True, epoch: int = 12) -> Trial:
    """A finished trial of ``arch`` with search metric ``value`` (NaN when infeasible)."""
    shown = float(value) if feasible else math.nan
    return Trial(
        number=number,
        arch=arch,
        canonical=space.canonical(arch),
        epoch=epoch,
        feasible=feasible,
        objectives=(shown,),
        costs={},
        valid_curve=np.array([shown]),
        curve_epochs=np.array([epoch]),
    )


def constrained_problem(feasible: Any) -> SearchProblem:
    """A problem whose constraint check is ``feasible(arch) -> bool`` (the metric is a dummy)."""
    return SearchProblem(
        constraints=(Constraint("params", at_most=1.0),),
        feasible_many=lambda archs: np.array([bool(feasible(a)) for a in archs], dtype=bool),
    )


def drive(
    strategy: Any, value: Any, n_asks: int, *, batch: int = 1, rng: np.random.Generator | None = None
) -> list[Trial]:
    """Ask ``batch`` architectures at a time, then tell them all (shuffled by ``rng`` if given),
    until ``n_asks`` were asked; ``value(arch)`` is the search metric and feasibility comes
    from ``strategy.problem``. Returns the trials in the order they were told."""
    told: list[Trial] = []
    number = 0
    while number < n_asks:
        asked = []
        for _ in range(min(batch, n_asks - number)):
            asked.append(make_trial(number, arch := strategy.ask(), strategy.space, value(arch),
                                    feasible=strategy.problem.feasible(arch)))
            number += 1
        if rng is not None:
            asked = [asked[i] for i in rng.permutation(len(asked))]
        for trial in asked:
            strategy.tell(trial)
            told.append(trial)
    return told
