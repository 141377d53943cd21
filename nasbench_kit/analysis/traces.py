"""Traces of search runs over time: incumbent curves on a common grid, confidence bands
over seeds, final-value tables with significance tests, and rank tables.

The input is the tidy frame of :func:`nasbench_kit.compare.compare` (columns ``strategy,
seed``, an x column such as ``time`` and values such as ``regret``) or a run's history
turned into one by :func:`history_trace`.

>>> frame = pd.DataFrame({"strategy": ["a", "a", "b", "b"], "seed": [0, 0, 0, 0],
...                       "time": [1.0, 3.0, 2.0, 4.0], "regret": [5.0, 1.0, 4.0, 3.0]})
>>> rank_table(frame)["strategy"].tolist()
['a', 'b']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ArgumentError, UnknownNameError
from ._common import _need

__all__ = ["trace_axis", "time_grid", "on_grid", "bands", "final_values", "final_table", "rank_table",
           "TRACE_VALUES", "history_trace", "incumbent_bands"]


def trace_axis(frame: pd.DataFrame) -> str:
    """The x column to draw incumbent traces against: ``"time"`` (simulated seconds) when the
    frame has finite times, else ``"evaluations"`` (or ``"trial"``), as on a benchmark that
    records no training times.

    >>> trace_axis(pd.DataFrame({"time": [float("nan")], "evaluations": [1], "trial": [0]}))
    'evaluations'
    """
    if "time" in frame.columns and np.isfinite(frame["time"].to_numpy(np.float64)).any():
        return "time"
    for name in ("evaluations", "trial"):
        if name in frame.columns:
            return name
    raise ArgumentError(f"the frame has no usable x column (time, evaluations, trial); it has {list(frame.columns)}")


def time_grid(frame: pd.DataFrame, *, x: str = "time", points: int = 100, log: bool = False) -> np.ndarray:
    """``points`` values spanning ``frame[x]`` (linear, or logarithmic for wide ranges)."""
    _need(frame, x)
    values = frame[x].to_numpy(np.float64)
    values = values[np.isfinite(values)]
    if not values.size:
        if x in ("time", "finish_seconds"):
            raise ArgumentError(
                f"column {x!r} has no finite values: these runs have no simulated time axis (the benchmark "
                f"records no train_seconds); put x='evaluations' or x='trial' (see trace_axis)"
            )
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


#: Columns of a tidy trace frame (a :func:`history_trace` or ``compare`` frame) worth plotting.
TRACE_VALUES = ("regret", "incumbent", "incumbent_search", "hypervolume", "evaluations")


def history_trace(history: pd.DataFrame, *, strategy: str = "run", seed: int = 0,
                  optimum: float | None = None) -> pd.DataFrame:
    """A run's history as a tidy incumbent trace, in the shape of a ``compare`` frame.

    Args:
        history: a :attr:`~nasbench_kit.run.Run.history` (needs ``trial``,
            ``finish_seconds`` and ``incumbent_report``).
        strategy, seed: the labels the rows get (so several runs can be stacked).
        optimum: the best report value the benchmark holds; ``regret`` is
            ``optimum - incumbent`` (NaN when None).

    Returns:
        Columns ``strategy, seed, trial, time`` (simulated seconds when the result
        arrived), ``incumbent`` (report metric of the best trial so far by the search
        metric; NaN before the first feasible trial) and ``regret``.

    Raises:
        ArgumentError: a column is missing, or the history is empty.

    Example:
        >>> h = pd.DataFrame({"trial": [0, 1], "finish_seconds": [10.0, 25.0],
        ...                   "incumbent_report": [80.0, 85.0]})
        >>> history_trace(h, strategy="rea", optimum=90.0)["regret"].tolist()
        [10.0, 5.0]
    """
    if not len(history):
        raise ArgumentError("the history is empty: no trial has finished yet")
    _need(history, "trial", "finish_seconds", "incumbent_report")
    incumbent = history["incumbent_report"].to_numpy(np.float64)
    return pd.DataFrame({
        "strategy": strategy, "seed": int(seed), "trial": history["trial"].to_numpy(np.int64),
        "time": history["finish_seconds"].to_numpy(np.float64), "incumbent": incumbent,
        "regret": (np.nan if optimum is None else float(optimum)) - incumbent,
    })


def incumbent_bands(frame: pd.DataFrame, value: str = "regret", *, x: str = "time", max_points: int = 400,
                    confidence: float = 0.95) -> pd.DataFrame:
    """Mean and ``confidence`` band over seeds of an incumbent trace, per strategy.

    The grid is every distinct ``x`` at which some run changed (so a step curve drawn
    with ``line_shape="hv"`` is exact), thinned to ``max_points`` evenly spaced points
    when there are more.

    Args:
        frame: a tidy trace frame (``compare`` or :func:`history_trace`; columns
            ``strategy, seed, x, value``).
        value: the column to average, one of :data:`TRACE_VALUES` present in ``frame``.

    Returns:
        The frame of :func:`bands`: ``strategy, x, mean, low, high, median, n``.

    Raises:
        UnknownNameError: ``value`` is not a plottable column of ``frame``.
        ArgumentError: an empty frame, or ``max_points`` < 2.

    Example:
        >>> f = pd.DataFrame({"strategy": "a", "seed": [0, 0, 1, 1], "time": [1.0, 3.0, 2.0, 4.0],
        ...                   "regret": [5.0, 1.0, 4.0, 2.0]})
        >>> incumbent_bands(f)["mean"].tolist()
        [5.0, 4.5, 2.5, 1.5]
    """
    if not len(frame):
        raise ArgumentError("the frame is empty: no trial has finished yet")
    allowed = [c for c in TRACE_VALUES if c in frame.columns]
    if value not in allowed:
        raise UnknownNameError(f"value {value!r} cannot be plotted from this frame; use one of {allowed}")
    if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 2:
        raise ArgumentError(f"max_points must be an int >= 2, got {max_points!r}")
    _need(frame, x)
    times = np.unique(frame[x].to_numpy(np.float64))
    times = times[np.isfinite(times)]
    grid = times if 0 < len(times) <= max_points else time_grid(frame, x=x, points=max_points)
    return bands(frame, value, x=x, grid=grid, confidence=confidence)
