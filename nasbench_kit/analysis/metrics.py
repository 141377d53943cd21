"""Table-wide statistics of metrics: several metrics of every stored architecture,
their histograms, Spearman rank correlations between them, and per-edge op importance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ArgumentError
from ._common import _check_metric, _enumerable_space, _need

__all__ = ["metric_table", "metric_histograms", "spearman_matrix", "op_importance"]


def metric_table(benchmark: Any, metrics: Sequence[str], *, dataset: str | None = None,
                 schedule: int | None = None, epoch: int | None = None) -> pd.DataFrame:
    """Several metrics of every stored architecture (seed means): the explorer's data.

    Returns:
        Columns ``arch`` and one per metric, one row per architecture of the table with
        a run on ``dataset`` (curve metrics read at ``epoch``, default the last).

    Raises:
        UnknownNameError: an unknown metric. ArgumentError: no metric given.

    Example:
        >>> from nasbench_kit.benchmarks import load_benchmark             # doctest: +SKIP
        >>> metric_table(load_benchmark(), ["valid_acc", "params"]).shape  # doctest: +SKIP
    """
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    if not metrics:
        raise ArgumentError(f"give at least one metric; metrics: {list(benchmark.metrics)}")
    for m in metrics:
        _check_metric(benchmark, m)
    read = {"dataset": dataset, "schedule": schedule, "epoch": epoch, "over": "table"}
    out = pd.DataFrame({"arch": np.asarray(benchmark.archs, dtype=object)})
    for m in dict.fromkeys(metrics):
        out[m] = benchmark.metric_array(m, **read)
    return out[out[list(dict.fromkeys(metrics))].notna().any(axis=1)].reset_index(drop=True)


def metric_histograms(frame: pd.DataFrame, metrics: Sequence[str], *, bins: int = 40) -> pd.DataFrame:
    """Histogram of each metric's finite values (``numpy.histogram``, equal-width bins).

    Returns:
        Tidy columns ``metric, left, right, count``: ``bins`` rows per metric (one when
        every value is equal; none when there is no finite value).

    Raises:
        ArgumentError: a missing column or ``bins`` < 1.

    Example:
        >>> h = metric_histograms(pd.DataFrame({"a": [0.0, 1.0, 1.0, 4.0]}), ["a"], bins=2)
        >>> h[["left", "right", "count"]].values.tolist()
        [[0.0, 2.0, 3.0], [2.0, 4.0, 1.0]]
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ArgumentError(f"bins must be an int >= 1, got {bins!r}")
    _need(frame, *metrics)
    parts = []
    for m in metrics:
        v = frame[m].to_numpy(np.float64)
        v = v[np.isfinite(v)]
        if not v.size:
            continue
        counts, edges = np.histogram(v, bins=bins if v.min() < v.max() else 1)
        parts.append(pd.DataFrame({"metric": m, "left": edges[:-1], "right": edges[1:],
                                   "count": counts.astype(np.float64)}))
    columns = ["metric", "left", "right", "count"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def spearman_matrix(frame: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Spearman rank correlations between metrics (pairwise over rows where both are finite).

    Returns:
        A square DataFrame indexed and labelled by ``metrics`` (NaN for a constant metric).

    Raises:
        ArgumentError: a missing column or no metric.

    Example:
        >>> f = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [10.0, 30.0, 20.0], "c": [3.0, 2.0, 1.0]})
        >>> spearman_matrix(f, ["a", "b", "c"]).round(2).values.tolist()
        [[1.0, 0.5, -1.0], [0.5, 1.0, -0.5], [-1.0, -0.5, 1.0]]
    """
    metrics = list(dict.fromkeys(metrics))
    if not metrics:
        raise ArgumentError("give at least one metric")
    _need(frame, *metrics)
    values = frame[metrics].astype(np.float64).replace([np.inf, -np.inf], np.nan)
    return values.corr(method="spearman")


def op_importance(benchmark: Any, metric: str = "valid_acc", *, maximize: bool = True, dataset: str | None = None,
                  schedule: int | None = None, epoch: int | None = None) -> pd.DataFrame:
    """Mean of ``metric`` over every cell of the space with a given op on a given edge.

    Each (edge, op) row averages the cells that have that op on that edge (every cell of
    the space once; isomorphic cells share their class's values). ``effect`` is that mean
    minus the mean over all cells: how much fixing one edge's op moves the metric.

    Args:
        benchmark: a tabular benchmark of a cell space with one op per edge (NB201).
        metric: what to average, e.g. ``"valid_acc"``.
        maximize: whether larger is better (for ``rank``).

    Returns:
        Columns ``position, edge, op, mean, std, count, effect, rank`` (1 = best op on
        that edge), one row per edge and op, edges in string order, ops in space order.

    Raises:
        UnknownNameError: an unknown metric. ArgumentError: not a cell space, or no values.

    Example:
        >>> from nasbench_kit.benchmarks import load_benchmark                    # doctest: +SKIP
        >>> op_importance(load_benchmark()).query("rank == 1")[["edge", "op"]]   # doctest: +SKIP
    """
    space = _enumerable_space(benchmark)
    _check_metric(benchmark, metric)
    if not (hasattr(space, "all_ops_array") and hasattr(space, "ops") and hasattr(space, "edges")):
        raise ArgumentError(f"space {getattr(space, 'name', space)!r} is not a cell space with one op per edge "
                            f"(NB201): op importance is defined per edge and op")
    values = benchmark.metric_array(metric, dataset=dataset, schedule=schedule, epoch=epoch, over="space")
    ok = np.isfinite(values)
    if not ok.any():
        raise ArgumentError(f"no cell has a {metric!r} value on this dataset and schedule")
    ops = np.asarray(space.all_ops_array())[ok]
    values = values[ok]
    overall = float(values.mean())
    rows = []
    for k, (target, source) in enumerate(space.edges):
        for o, name in enumerate(space.ops):
            v = values[ops[:, k] == o]
            rows.append({"position": k, "edge": f"{target}<-{source}", "op": name,
                         "mean": float(v.mean()) if v.size else np.nan,
                         "std": float(v.std(ddof=1)) if v.size > 1 else np.nan, "count": int(v.size)})
    out = pd.DataFrame(rows)
    out["effect"] = out["mean"] - overall
    out["rank"] = out.groupby("position")["mean"].rank(ascending=not maximize, method="min")
    return out
