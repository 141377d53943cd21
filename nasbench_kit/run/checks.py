"""Checks a :class:`~nasbench_kit.run.Run` makes of its arguments before any work starts.

Objectives and constraints name known metrics, some architecture meets the constraints,
a budget in simulated seconds meets a benchmark that records training times; and the
sentence a summary adds when most of a budget went to isomorphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..benchmarks.record import CURVE_METRICS
from ..benchmarks.search_view import REPORT_METRICS
from ..budget import Budget
from ..errors import ArgumentError
from ..objectives import Constraint, Objective, check_metrics


def check_objectives(objectives: Sequence[Objective] | None, metrics: Sequence[str]) -> tuple[Objective, ...]:
    """The objectives as a tuple (default: maximize ``valid_acc``); report metrics and
    unknown metrics are refused with ``ArgumentError``."""
    objectives = (Objective("valid_acc"),) if objectives is None else tuple(objectives)
    if not objectives or not all(isinstance(o, Objective) for o in objectives):
        raise ArgumentError(f"objectives must be a non-empty list of Objective, got {objectives!r}")
    for o in objectives:
        if o.metric in REPORT_METRICS:
            raise ArgumentError(
                f"objective {o.metric!r} is a report metric: a search may not select on it; "
                f"search on 'valid_acc' and read {o.metric!r} in the history"
            )
    check_metrics(objectives, metrics)
    return objectives


def check_constraints(constraints: Sequence[Constraint], metrics: Sequence[str]) -> tuple[Constraint, ...]:
    """The constraints as a tuple; constraints on learning-curve or report metrics (which
    a real search only knows after training) and unknown metrics are refused."""
    constraints = tuple(constraints)
    if not all(isinstance(c, Constraint) for c in constraints):
        raise ArgumentError(f"constraints must be Constraint objects, got {list(constraints)!r}")
    check_metrics(constraints, metrics)
    for c in constraints:
        if c.metric in CURVE_METRICS:
            free = [m for m in metrics if m not in CURVE_METRICS]
            raise ArgumentError(
                f"constraint on {c.metric!r}: constraints must name free metrics known before training, one of {free}"
            )
    return constraints


def check_feasible_exists(benchmark: Any, constraints: Sequence[Constraint], *, dataset: str, schedule: int) -> None:
    """Raise ``ArgumentError`` if no architecture of a tabular benchmark meets ``constraints``,
    naming the tightest value each constraint could take."""
    if not constraints or not hasattr(benchmark, "metric_array"):
        return
    ok = None
    hints = []
    for c in constraints:
        values = benchmark.metric_array(c.metric, dataset=dataset, schedule=schedule, over="table")
        this = c.satisfied_many(values)
        ok = this if ok is None else ok & this
        finite = values[np.isfinite(values)]
        if finite.size:
            tightest = []
            if c.at_most is not None:
                tightest.append(f"{c.metric} <= {finite.min():.6g}")
            if c.at_least is not None:
                tightest.append(f"{c.metric} >= {finite.max():.6g}")
            hints.append(f"{c.metric} ranges from {finite.min():.6g} to {finite.max():.6g} (tightest feasible "
                         f"limit: {' and '.join(tightest)})")
    if ok is not None and not ok.any():
        limits = " and ".join(str(c) for c in constraints)
        raise ArgumentError(
            f"no architecture of benchmark {getattr(benchmark, 'name', '?')!r} satisfies {limits}; "
            + "; ".join(hints)
        )


def records_training_time(benchmark: Any, *, dataset: str, schedule: int, epoch: int) -> bool:
    """Whether ``benchmark`` records training times at the search epoch (some finite
    ``train_seconds``). A table imported without a ``train_seconds`` column has none: it
    has no simulated time axis and can only be searched under a query budget. Benchmarks
    that train on demand (``TrainingBenchmark``, whose ``records_training_time`` is True)
    time what they train, even while their cache is still empty."""
    declared = getattr(benchmark, "records_training_time", None)
    if isinstance(declared, bool):
        return declared
    if not hasattr(benchmark, "metric_array"):
        return True
    seconds = benchmark.metric_array("train_seconds", dataset=dataset, schedule=schedule, epoch=epoch, over="table")
    return bool(np.isfinite(seconds).any())


def check_budget_has_time(benchmark: Any, budget: Budget, *, timed: bool, dataset: str) -> None:
    """Refuse a budget in simulated seconds on a benchmark without training times."""
    if budget.seconds is not None and not timed:
        raise ArgumentError(
            f"benchmark {getattr(benchmark, 'name', '?')!r} records no training times (train_seconds is missing "
            f"for dataset {dataset!r}), so a budget of {budget.seconds:g} simulated seconds cannot be charged; "
            f"use a query budget instead: Budget(queries=N), on the command line --budget N (e.g. --budget 150)"
        )


def isomorph_warning(share: float, *, dedupe: bool) -> str | None:
    """A sentence when more than half the budget went to isomorphs of trained cells, else None.

    >>> isomorph_warning(0.2, dedupe=False) is None
    True
    >>> isomorph_warning(0.9, dedupe=False)[:40]
    '90% of the budget went to training archi'
    """
    if dedupe or share <= 0.5:
        return None
    return (f"{share:.0%} of the budget went to training architectures isomorphic to ones already trained "
            f"(same computation, different cell string); pass dedupe=True (on the command line: omit "
            f"--no-dedupe) to skip them at no cost")
