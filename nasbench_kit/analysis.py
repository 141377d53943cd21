"""Plain data for plots and tables: incumbent traces on a common grid, confidence bands,
final-regret tables with significance tests, rank tables, Pareto fronts, the whole space
as a background cloud, the number of cells that meet a set of constraints, one
architecture's edges, curve, metrics, isomorphs and neighbours, and whole-benchmark
distributions, rank correlations and per-edge op importance.

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

__all__ = ["on_grid", "trace_axis", "time_grid", "bands", "final_values", "final_table", "rank_table", "pareto_points",
           "space_points", "feasible_count", "TRACE_VALUES", "history_trace", "incumbent_bands", "cell_edges",
           "learning_curve", "arch_metrics", "isomorphs", "neighbor_table", "metric_table", "metric_histograms",
           "spearman_matrix", "op_importance"]


def _need(frame: pd.DataFrame, *columns: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ArgumentError(f"the frame has no column(s) {missing}; it has {list(frame.columns)}")


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


# --- incumbent curves of runs ---------------------------------------------------------------

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


# --- one architecture ---------------------------------------------------------------------------


def _arch_of(space: Any, arch: Any) -> Any:
    """``arch`` as a member of ``space`` (official strings and enumeration indices accepted)."""
    if space is None:
        raise ArgumentError("the benchmark has no search space, so architectures cannot be parsed")
    if isinstance(arch, str):
        return space.parse(arch)
    if isinstance(arch, (int, np.integer)) and not isinstance(arch, bool) and hasattr(space, "cell_at"):
        return space.cell_at(int(arch))
    return space.validate(arch)


def _check_metric(benchmark: Any, metric: str) -> None:
    if metric not in benchmark.metrics:
        raise UnknownNameError(f"metric {metric!r} is not available; metrics: {list(benchmark.metrics)}")


def cell_edges(space: Any, arch: Any) -> pd.DataFrame:
    """The edges of a cell (one op per edge, as in NB201), for drawing it as a graph.

    Args:
        space: a cell space with ``edges`` (``(target, source)`` pairs) and cells with
            ``ops`` (one per edge), e.g. :class:`~nasbench_kit.spaces.NB201Space`.
        arch: a cell, its official string or its enumeration index.

    Returns:
        One row per edge in string order: ``position, source, target, label``
        (``"1<-0"``), ``op``.

    Raises:
        ArgumentError: the space has no edge list. OutOfSpaceError: a malformed cell.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> cell_edges(NB201Space(), 0)["op"].unique().tolist()
        ['none']
    """
    if not hasattr(space, "edges"):
        raise ArgumentError(f"space {getattr(space, 'name', space)!r} has no edge list: only cell spaces "
                            f"with one op per edge (NB201) can be drawn this way")
    cell = _arch_of(space, arch)
    targets, sources = zip(*space.edges)
    return pd.DataFrame({"position": np.arange(len(space.edges)), "source": sources, "target": targets,
                         "label": [f"{t}<-{s}" for t, s in space.edges], "op": list(cell.ops)})


def learning_curve(benchmark: Any, arch: Any, *, dataset: str | None = None, schedule: int | None = None,
                   seed: int | None = None) -> pd.DataFrame:
    """Per-epoch accuracies of one architecture (``benchmark.query(arch).curve``).

    Returns:
        Columns ``epoch, train_acc, valid_acc, test_acc`` (percent), ``train_seconds``
        (cumulative); seed means when ``seed`` is None.

    Raises:
        QueryError: an architecture, dataset or seed the table does not hold.

    Example:
        >>> from nasbench_kit.benchmarks import load_benchmark        # doctest: +SKIP
        >>> learning_curve(load_benchmark(), 0).columns.tolist()     # doctest: +SKIP
        ['epoch', 'train_acc', 'valid_acc', 'test_acc', 'train_seconds']
    """
    arch = _arch_of(benchmark.space, arch) if getattr(benchmark, "space", None) is not None else arch
    curve = benchmark.query(arch, dataset=dataset, schedule=schedule, seed=seed).curve
    return pd.DataFrame({"epoch": np.asarray(curve.epochs, dtype=np.int64),
                         **{m: np.asarray(getattr(curve, m), dtype=np.float64)
                            for m in ("train_acc", "valid_acc", "test_acc", "train_seconds")}})


def arch_metrics(benchmark: Any, arch: Any, *, dataset: str | None = None,
                 schedule: int | None = None) -> pd.DataFrame:
    """Final accuracies, training time and every free cost metric of one architecture.

    Returns:
        Columns ``metric, value``: ``train_acc``, ``valid_acc``, ``test_acc``,
        ``train_seconds`` at the schedule's last epoch (seed means), then the free
        metrics in the benchmark's order (``params``, ``flops``, ``latency_ms_<device>``, ...).

    Example:
        >>> from nasbench_kit.benchmarks import load_benchmark             # doctest: +SKIP
        >>> arch_metrics(load_benchmark(), 0).set_index("metric")["value"]["params"]  # doctest: +SKIP
    """
    from .benchmarks.record import CURVE_METRICS

    arch = _arch_of(benchmark.space, arch) if getattr(benchmark, "space", None) is not None else arch
    final = benchmark.query(arch, dataset=dataset, schedule=schedule).final
    rows = [(m, float(getattr(final, m))) for m in ("train_acc", "valid_acc", "test_acc", "train_seconds")]
    for m in benchmark.metrics:
        if m not in CURVE_METRICS:
            rows.append((m, float(benchmark.query_many([arch], metric=m, dataset=dataset, schedule=schedule)[0])))
    return pd.DataFrame(rows, columns=["metric", "value"])


_CANONICALS: dict[Any, list[str]] = {}


def _all_canonical(space: Any) -> list[str]:
    key = (type(space).__name__, getattr(space, "name", None), len(space))
    if key not in _CANONICALS:
        canon = space.all_canonical() if hasattr(space, "all_canonical") else [space.canonical(a) for a in space]
        _CANONICALS[key] = list(canon)
    return _CANONICALS[key]


def isomorphs(space: Any, arch: Any) -> pd.DataFrame:
    """Every cell of an enumerable space in the isomorphism class of ``arch``.

    Returns:
        Columns ``arch_index, arch, canonical``, in enumeration order (``arch`` itself
        included; ``len`` is the size of its class).

    Raises:
        ArgumentError: the space cannot be enumerated.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> len(isomorphs(NB201Space(), 0))      # all-none: every cell whose output reads zero
        225
        >>> len(isomorphs(NB201Space(), 15624))  # all avg_pool: no other cell computes the same
        1
    """
    if not getattr(space, "is_finite", False) or not hasattr(space, "cell_at"):
        raise ArgumentError(f"space {getattr(space, 'name', space)!r} cannot be enumerated; isomorphism classes "
                            f"are listed for finite spaces such as NB201")
    canonical = space.canonical(_arch_of(space, arch))
    index = np.flatnonzero(np.asarray(_all_canonical(space), dtype=object) == canonical)
    strings = _arch_strings(space)
    return pd.DataFrame({"arch_index": index.astype(np.int64), "arch": [strings[i] for i in index],
                         "canonical": canonical})


def neighbor_table(benchmark: Any, arch: Any, metric: str = "valid_acc", *, dataset: str | None = None,
                   schedule: int | None = None, epoch: int | None = None) -> pd.DataFrame:
    """The neighbours of ``arch`` (``space.neighbors``: one edit away) with a metric.

    Args:
        benchmark: a tabular benchmark of an enumerable space (NB201).
        arch: a cell, its official string or its enumeration index.
        metric: the value shown for each neighbour; ``delta`` is neighbour minus ``arch``.

    Returns:
        One row per neighbour, in ``space.neighbors`` order: ``arch_index, arch,
        position`` (the edge changed; -1 if not one edge), ``edge`` (``"1<-0"``),
        ``from_op, to_op``, ``metric`` (named after it; NaN without a run), ``delta``.

    Raises:
        UnknownNameError: an unknown metric. ArgumentError: a space that cannot be enumerated.

    Example:
        >>> from nasbench_kit.benchmarks import load_benchmark   # doctest: +SKIP
        >>> len(neighbor_table(load_benchmark(), 0))            # doctest: +SKIP
        24
    """
    space = _enumerable_space(benchmark)
    _check_metric(benchmark, metric)
    cell = _arch_of(space, arch)
    values = benchmark.metric_array(metric, dataset=dataset, schedule=schedule, epoch=epoch, over="space")
    found = space.neighbors(cell)
    edges = getattr(space, "edges", None)
    rows = []
    for other in found:
        changed = [k for k, (a, b) in enumerate(zip(getattr(cell, "ops", ()), getattr(other, "ops", ()))) if a != b]
        k = changed[0] if len(changed) == 1 else -1
        rows.append({"arch_index": int(space.index(other)), "arch": str(other), "position": k,
                     "edge": f"{edges[k][0]}<-{edges[k][1]}" if edges is not None and k >= 0 else "",
                     "from_op": cell.ops[k] if k >= 0 else "", "to_op": other.ops[k] if k >= 0 else ""})
    out = pd.DataFrame(rows, columns=["arch_index", "arch", "position", "edge", "from_op", "to_op"])
    out[metric] = values[out["arch_index"].to_numpy(np.int64)] if len(out) else np.empty(0)
    out["delta"] = out[metric] - values[space.index(cell)]
    return out


# --- the whole benchmark --------------------------------------------------------------------------


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
