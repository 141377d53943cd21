"""The space and its Pareto view: a run's feasible trials with their (x, y) front, every
cell of an enumerable space as a background cloud, and the number of cells that meet a
set of constraints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ArgumentError
from ..objectives import Constraint, check_metrics
from ..pareto import non_dominated_mask
from ._common import _arch_strings, _check_metric, _enumerable_space, _need

__all__ = ["pareto_points", "space_points", "feasible_count"]


def pareto_points(history: pd.DataFrame, x: str, y: str, *, maximize: tuple[bool, bool] = (False, True)) -> pd.DataFrame:
    """Feasible trials of a run history with an ``on_front`` column for the (x, y) front.

    Args:
        history: a run's history (needs ``feasible``, ``x`` and ``y`` columns).
        maximize: whether x and y are maximized (default: minimize cost x, maximize y).
    """
    _need(history, x, y, "feasible")
    points = history.loc[history["feasible"].astype(bool)].copy()
    values = points[[x, y]].to_numpy(np.float64)
    ok = np.isfinite(values).all(axis=1)
    mask = np.zeros(len(points), dtype=bool)
    if ok.any():
        mask[np.flatnonzero(ok)] = non_dominated_mask(values[ok], maximize=list(maximize))
    points["on_front"] = mask
    return points.reset_index(drop=True)


def space_points(benchmark: Any, x: str, y: str, *, dataset: str | None = None, schedule: int | None = None,
                 epoch: int | None = None) -> pd.DataFrame:
    """Every cell of a tabular benchmark's space with two metrics: the background cloud of
    a search plot.

    Args:
        benchmark: a tabular benchmark whose space can be enumerated (NB201).
        x, y: metric names, e.g. ``"latency_ms_cpu1t"`` and ``"valid_acc"``.
        dataset, schedule, epoch: where the metrics are read (defaults: the benchmark's
            only dataset, its longest schedule, the last epoch); values are seed means.

    Returns:
        One row per cell in enumeration order: ``arch_index``, ``arch`` (official
        string), ``x``, ``y`` (named after the metrics; NaN where the table has no run).

    Raises:
        ArgumentError: the space cannot be enumerated. UnknownNameError: an unknown metric.

    Example:
        >>> from nasbench_kit.benchmarks import load_benchmark              # doctest: +SKIP
        >>> space_points(load_benchmark(), "latency_ms_cpu1t", "valid_acc").shape  # doctest: +SKIP
        (15625, 4)
    """
    space = _enumerable_space(benchmark)
    for metric in (x, y):
        _check_metric(benchmark, metric)
    read = {"dataset": dataset, "schedule": schedule, "epoch": epoch, "over": "space"}
    frame = pd.DataFrame({"arch_index": np.arange(len(space), dtype=np.int64), "arch": _arch_strings(space)})
    frame[x] = benchmark.metric_array(x, **read)
    if y != x:
        frame[y] = benchmark.metric_array(y, **read)
    return frame


def feasible_count(benchmark: Any, constraints: Sequence[Constraint], *, dataset: str | None = None,
                   schedule: int | None = None) -> int:
    """How many cells of the space satisfy every constraint (cells without a run count as
    infeasible). Vectorized: well under a millisecond per constraint on NB201, fast enough
    to call on every move of a slider.

    Args:
        benchmark: a tabular benchmark whose space can be enumerated (NB201).
        constraints: bounds on free metrics (no constraints: every cell with a run).
        dataset, schedule: where the metrics are read (defaults as in :func:`space_points`).

    Raises:
        ArgumentError: a constraint that is not a Constraint, or a space that cannot be
            enumerated. UnknownNameError: a constraint on an unknown metric.

    Example:
        >>> from nasbench_kit.benchmarks import load_benchmark                 # doctest: +SKIP
        >>> feasible_count(load_benchmark(), [Constraint("params", at_most=0.0)])  # doctest: +SKIP
        0
    """
    _enumerable_space(benchmark)
    constraints = tuple(constraints)
    if not all(isinstance(c, Constraint) for c in constraints):
        raise ArgumentError(f"constraints must be Constraint objects, got {list(constraints)!r}")
    check_metrics(constraints, benchmark.metrics)
    if not constraints:
        return int(benchmark.space_coverage()[0])
    read = {"dataset": dataset, "schedule": schedule, "over": "space"}
    ok = constraints[0].satisfied_many(benchmark.metric_array(constraints[0].metric, **read))
    for c in constraints[1:]:
        ok &= c.satisfied_many(benchmark.metric_array(c.metric, **read))  # NaN (no run) is never satisfied
    return int(ok.sum())
