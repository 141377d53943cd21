"""Plain data for plots and tables: incumbent traces on a common grid, confidence bands,
final-regret tables with significance tests, rank tables, Pareto fronts, the whole space
as a background cloud and the number of cells that meet a set of constraints.

Everything takes the tidy frame of :func:`nasbench_kit.compare.compare` (or a run's
history) and returns DataFrames; drawing them is the widgets' job.

>>> import pandas as pd
>>> frame = pd.DataFrame({"strategy": ["a", "a", "b", "b"], "seed": [0, 0, 0, 0],
...                       "time": [1.0, 3.0, 2.0, 4.0], "regret": [5.0, 1.0, 4.0, 3.0]})
>>> on_grid(frame, "regret", grid=[2.0, 4.0])["regret"].tolist()
[5.0, 1.0, 4.0, 3.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .errors import ArgumentError, UnknownNameError
from .objectives import Constraint, check_metrics
from .pareto import non_dominated_mask

__all__ = ["on_grid", "time_grid", "bands", "final_values", "final_table", "rank_table", "pareto_points",
           "space_points", "feasible_count"]


def _need(frame: pd.DataFrame, *columns: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ArgumentError(f"the frame has no column(s) {missing}; it has {list(frame.columns)}")


def time_grid(frame: pd.DataFrame, *, x: str = "time", points: int = 100, log: bool = False) -> np.ndarray:
    """``points`` values spanning ``frame[x]`` (linear, or logarithmic for wide ranges)."""
    _need(frame, x)
    values = frame[x].to_numpy(np.float64)
    values = values[np.isfinite(values)]
    if not values.size:
        raise ArgumentError(f"column {x!r} has no finite values")
    low, high = values.min(), values.max()
    if log:
        low = max(low, high * 1e-4, np.finfo(float).tiny)
        return np.geomspace(low, high, points)
    return np.linspace(low, high, points)


def on_grid(frame: pd.DataFrame, value: str, *, grid: Sequence[float] | np.ndarray, x: str = "time",
            by: Sequence[str] = ("strategy", "seed")) -> pd.DataFrame:
    """Each run's step function ``value(x)`` read at ``grid`` (last value at or before each
    grid point; NaN before the run's first trial).

    Returns:
        Columns ``*by, x, value``: one row per run and grid point.
    """
    _need(frame, x, value, *by)
    grid = np.asarray(grid, dtype=np.float64)
    out = []
    for key, run in frame.groupby(list(by), sort=False):
        xs = run[x].to_numpy(np.float64)
        order = np.argsort(xs, kind="stable")
        xs, ys = xs[order], run[value].to_numpy(np.float64)[order]
        pos = np.searchsorted(xs, grid, side="right") - 1
        read = np.where(pos >= 0, ys[np.clip(pos, 0, None)], np.nan)
        part = pd.DataFrame({x: grid, value: read})
        for name, k in zip(by, key if isinstance(key, tuple) else (key,)):
            part.insert(len(part.columns) - 2, name, k)
        out.append(part)
    return pd.concat(out, ignore_index=True)


def bands(frame: pd.DataFrame, value: str = "regret", *, x: str = "time",
          grid: Sequence[float] | np.ndarray | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Mean of ``value`` over seeds with a t-based ``confidence`` band, per strategy and grid point.

    Returns:
        Columns ``strategy, x, mean, low, high, median, n`` (``n``: runs with a value).
    """
    if not 0 < confidence < 1:
        raise ArgumentError(f"confidence must be in (0, 1), got {confidence!r}")
    grid = time_grid(frame, x=x) if grid is None else grid
    points = on_grid(frame, value, grid=grid, x=x)
    grouped = points.groupby(["strategy", x], sort=False)[value]
    out = grouped.agg(mean="mean", std="std", median="median", n="count").reset_index()
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(out["n"] - 1, 1))
    half = t * out["std"].fillna(0.0) / np.sqrt(np.maximum(out["n"], 1))
    out["low"], out["high"] = out["mean"] - half, out["mean"] + half
    return out[["strategy", x, "mean", "low", "high", "median", "n"]]


def final_values(frame: pd.DataFrame, value: str = "regret") -> pd.DataFrame:
    """The last row of each (strategy, seed) run: columns ``strategy, seed, value``."""
    _need(frame, "strategy", "seed", value)
    return frame.groupby(["strategy", "seed"], sort=False).tail(1)[["strategy", "seed", value]].reset_index(drop=True)


def final_table(frame: pd.DataFrame, value: str = "regret", *, baseline: str | None = None,
                lower_is_better: bool = True) -> pd.DataFrame:
    """Final ``value`` per strategy: mean, std, 95 % CI, median, runs, and a one-sided
    Mann-Whitney U test against ``baseline`` (is the strategy better than it?).

    Returns:
        One row per strategy; ``p_vs_baseline`` is NaN for the baseline itself.
    """
    finals = final_values(frame, value)
    rows = []
    base = None
    if baseline is not None:
        if baseline not in set(finals["strategy"]):
            raise ArgumentError(f"baseline {baseline!r} is not among {sorted(set(finals['strategy']))}")
        base = finals.loc[finals["strategy"] == baseline, value].to_numpy(np.float64)
    for name, part in finals.groupby("strategy", sort=False):
        v = part[value].to_numpy(np.float64)
        sem = v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else np.nan
        half = stats.t.ppf(0.975, len(v) - 1) * sem if len(v) > 1 else np.nan
        p = np.nan
        if base is not None and name != baseline:
            alternative = "less" if lower_is_better else "greater"
            p = float(stats.mannwhitneyu(v, base, alternative=alternative).pvalue)
        rows.append({"strategy": name, "mean": v.mean(), "std": v.std(ddof=1) if len(v) > 1 else np.nan,
                     "ci95_low": v.mean() - half, "ci95_high": v.mean() + half, "median": np.median(v),
                     "runs": len(v), "p_vs_baseline": p})
    return pd.DataFrame(rows)


def rank_table(frame: pd.DataFrame, value: str = "regret", *, lower_is_better: bool = True) -> pd.DataFrame:
    """Mean rank of each strategy over seeds by final ``value`` (1 = best; ties get the
    average rank) and ``wins``: seeds where it was best (ties count for each tied one)."""
    finals = final_values(frame, value).pivot(index="seed", columns="strategy", values=value)
    ranks = finals.rank(axis=1, ascending=lower_is_better)
    best = finals.min(axis=1) if lower_is_better else finals.max(axis=1)
    out = pd.DataFrame({"strategy": ranks.columns, "mean_rank": ranks.mean().to_numpy(),
                        "wins": finals.eq(best, axis=0).sum().to_numpy()})
    return out.sort_values("mean_rank", kind="stable").reset_index(drop=True)


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


def _enumerable_space(benchmark: Any) -> Any:
    space = getattr(benchmark, "space", None)
    if space is None or not getattr(space, "is_finite", False) or not hasattr(benchmark, "metric_array"):
        raise ArgumentError(
            f"benchmark {getattr(benchmark, 'name', '?')!r} has no enumerable space (a tabular benchmark of a "
            f"finite space such as NB201 is needed)"
        )
    return space


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
        if metric not in benchmark.metrics:
            raise UnknownNameError(f"metric {metric!r} is not available; metrics: {list(benchmark.metrics)}")
    read = {"dataset": dataset, "schedule": schedule, "epoch": epoch, "over": "space"}
    frame = pd.DataFrame({"arch_index": np.arange(len(space), dtype=np.int64), "arch": _arch_strings(space)})
    frame[x] = benchmark.metric_array(x, **read)
    if y != x:
        frame[y] = benchmark.metric_array(y, **read)
    return frame


_ARCH_STRINGS: dict[Any, list[str]] = {}


def _arch_strings(space: Any) -> list[str]:
    """Official strings of every cell (cached per space: ~50 ms for NB201's 15,625 cells)."""
    key = (type(space).__name__, getattr(space, "name", None), len(space))
    if key not in _ARCH_STRINGS:
        _ARCH_STRINGS[key] = [str(cell) for cell in space]
    return _ARCH_STRINGS[key]


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
