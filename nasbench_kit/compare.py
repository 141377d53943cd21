"""``compare``: many strategies x many seeds on one benchmark, as one tidy DataFrame.

Each (strategy, seed) is one :class:`~nasbench_kit.run.Run`; the result has one row per
finished trial with the incumbent so far, its regret against the true optimum and, with
several objectives, the hypervolume of the feasible trials so far against the true
front's. :mod:`nasbench_kit.analysis` turns it into plot data (mean and 95 % bands over
seeds, final-regret and rank tables).

Runs are independent, so they parallelize across processes through any
``concurrent.futures``-style executor: pass ``workers=N`` for a local Dask cluster, or
your own ``executor`` (e.g. ``dask.distributed.Client(...).get_executor()``).

>>> from tests.benchmarks.synthetic import write_synthetic_nb201      # doctest: +SKIP
>>> frame = compare(["random", "rea"], bench, seeds=range(20), budget=Budget(queries=100))  # doctest: +SKIP
>>> frame.groupby("strategy")["regret"].last()                        # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .budget import Budget
from .errors import ArgumentError
from .objectives import Constraint, Objective
from .pareto import hypervolume, non_dominated_mask

__all__ = ["compare", "rank_against", "StrategySpec", "optimum", "reference_point", "nb201_protocol"]


@dataclass(frozen=True)
class StrategySpec:
    """A built-in strategy by registry name, with hyperparameters and a display label."""

    name: str
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    label: str | None = None

    @property
    def display(self) -> str:
        return self.label or self.name


def _specs(strategies: Any) -> list[StrategySpec]:
    from .strategies import strategy_names

    if isinstance(strategies, (str, StrategySpec)):
        strategies = [strategies]
    if isinstance(strategies, Mapping):
        strategies = [StrategySpec(name, dict(hp or {})) for name, hp in strategies.items()]
    specs = [s if isinstance(s, StrategySpec) else StrategySpec(s) for s in strategies]
    if not specs:
        raise ArgumentError("compare needs at least one strategy")
    known = strategy_names()
    for spec in specs:
        if spec.name not in known:
            from .errors import UnknownNameError

            raise UnknownNameError(f"strategy {spec.name!r} is unknown; use one of {list(known)}")
    labels = [s.display for s in specs]
    if len(set(labels)) != len(labels):
        raise ArgumentError(f"strategy labels must be distinct, got {labels}: give StrategySpec(label=...)")
    return specs


def optimum(benchmark: Any, run_kwargs: Mapping[str, Any], *, metric: str = "test_acc",
            maximize: bool = True) -> float:
    """Best value of ``metric`` among feasible architectures (the regret's zero)."""
    dataset = run_kwargs.get("report_dataset") or run_kwargs.get("dataset")
    values = benchmark.metric_array(metric, dataset=dataset, over="table")
    ok = np.isfinite(values)
    for c in run_kwargs.get("constraints", ()):
        ok &= c.satisfied_many(benchmark.metric_array(c.metric, dataset=run_kwargs.get("dataset"), over="table"))
    if not ok.any():
        raise ArgumentError(f"no feasible architecture has a {metric!r} value")
    return float(values[ok].max() if maximize else values[ok].min())


def reference_point(benchmark: Any, objectives: Sequence[Objective], *, dataset: str | None = None) -> np.ndarray:
    """Hypervolume reference point: each objective's worst value over the benchmark."""
    ref = []
    for o in objectives:
        values = benchmark.metric_array(o.metric, dataset=dataset, over="table")
        values = values[np.isfinite(values)]
        ref.append(values.min() if o.maximize else values.max())
    return np.asarray(ref, dtype=np.float64)


def _hypervolume_trace(points: np.ndarray, feasible: np.ndarray, objectives: Sequence[Objective],
                       reference: np.ndarray) -> np.ndarray:
    """Hypervolume of the feasible points among the first k, for every k (incremental front)."""
    maximize = [o.maximize for o in objectives]
    out = np.zeros(len(points))
    front = np.empty((0, points.shape[1]))
    current = 0.0
    for k in range(len(points)):
        if feasible[k] and np.isfinite(points[k]).all():
            candidate = np.vstack([front, points[k]])
            front = candidate[non_dominated_mask(candidate, maximize=maximize)]
            current = hypervolume(front, reference, maximize=maximize)
        out[k] = current
    return out


def _run_chunk(spec: StrategySpec, seeds: Sequence[int], benchmark: Any, budget: Budget,
               run_kwargs: Mapping[str, Any], best: float, reference: np.ndarray | None) -> pd.DataFrame:
    """Run one strategy for some seeds; one tidy frame (executed on a worker)."""
    from .benchmarks.registry import load_benchmark
    from .run import Run
    from .strategies import make_strategy

    if isinstance(benchmark, (str, os.PathLike)):
        benchmark = _cached_benchmark(str(benchmark), load_benchmark)
    objectives = run_kwargs.get("objectives") or [Objective("valid_acc")]
    frames = []
    for seed in seeds:
        strategy = make_strategy(spec.name, benchmark.space, seed=int(seed), **dict(spec.hyperparameters))
        run = Run(strategy, benchmark, budget=budget, seed=int(seed), **run_kwargs).run()
        report = run.report_metric
        feasible = run.column("feasible").astype(bool)
        incumbent = run.column("incumbent_report").astype(np.float64)
        columns = {
            "strategy": spec.display,
            "seed": int(seed),
            "trial": np.arange(run.n_trials),
            "time": run.column("finish_seconds").astype(np.float64),
            "evaluations": np.cumsum(~run.column("skipped").astype(bool) & feasible),
            "arch": run.column("arch"),
            "search_value": run.column("search_value").astype(np.float64),
            report: run.column(report).astype(np.float64),
            "incumbent_search": run.column("incumbent_search").astype(np.float64),
            "incumbent": incumbent,
            "regret": best - incumbent,
        }
        if reference is not None:
            points = np.stack([run.column(o.metric).astype(np.float64) for o in objectives], axis=1)
            columns["hypervolume"] = _hypervolume_trace(points, feasible, objectives, reference)
        frames.append(columns)
    if not frames:
        return pd.DataFrame()
    names = list(frames[0])
    lengths = [len(f["trial"]) for f in frames]
    data = {}
    for name in names:
        if name in ("strategy", "seed"):
            data[name] = np.repeat([f[name] for f in frames], lengths)
        else:
            data[name] = np.concatenate([f[name] for f in frames])
    return pd.DataFrame(data)


_BENCH_CACHE: dict[str, Any] = {}


def _cached_benchmark(path: str, loader: Any) -> Any:
    """Load each benchmark file once per worker process."""
    if path not in _BENCH_CACHE:
        _BENCH_CACHE[path] = loader(path)
    return _BENCH_CACHE[path]


def _chunks(seeds: Sequence[int], n: int) -> list[list[int]]:
    n = max(1, min(n, len(seeds)))
    return [list(part) for part in np.array_split(np.asarray(seeds, dtype=np.int64), n) if len(part)]


def compare(
    strategies: Any,
    benchmark: Any,
    *,
    seeds: Iterable[int] = range(10),
    budget: Budget,
    objectives: Sequence[Objective] | None = None,
    constraints: Sequence[Constraint] = (),
    workers: int = 1,
    executor: Executor | None = None,
    progress: bool = False,
    **run_kwargs: Any,
) -> pd.DataFrame:
    """Run every strategy with every seed and collect one tidy DataFrame.

    Args:
        strategies: registry names (``["random", "rea"]``), :class:`StrategySpec`
            objects, or a mapping ``name -> hyperparameters``.
        benchmark: a benchmark (or the path of a table file).
        seeds: seeds; run ``k`` of every strategy uses the same seed.
        budget: each run's budget.
        objectives, constraints: as in :class:`~nasbench_kit.run.Run`. With two or more
            objectives the result has a ``hypervolume`` column (reference point: each
            objective's worst value over the benchmark).
        workers: processes of a local Dask cluster (1: run here, serially).
        executor: any ``concurrent.futures.Executor`` to use instead (not shut down here).
        progress: show a tqdm progress bar over (strategy, seed-chunk) tasks.
        **run_kwargs: more :class:`~nasbench_kit.run.Run` arguments (``dedupe``,
            ``n_workers``, ``dataset``, ``epoch``, ...).

    Returns:
        One row per finished trial: ``strategy``, ``seed``, ``trial``, ``time`` (simulated
        seconds when the result arrived; NaN on a benchmark that records no training
        times, see :func:`nasbench_kit.analysis.trace_axis`), ``evaluations``, ``arch``, ``search_value``, the
        report metric, ``incumbent_search``, ``incumbent`` (report metric of the best
        trial by the search metric), ``regret`` (true optimum minus incumbent) and, with
        several objectives, ``hypervolume``. ``frame.attrs`` holds ``optimum``,
        ``reference_point``, ``true_hypervolume`` and the budget.

    Raises:
        UnknownNameError, ArgumentError: before anything runs (bad names, budgets, bounds).
    """
    from .benchmarks.registry import load_benchmark
    from .run import Run
    from .strategies import make_strategy

    specs = _specs(strategies)
    seeds = [int(s) for s in seeds]
    if not seeds or any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise ArgumentError(f"seeds must be distinct ints >= 0, got {seeds[:10]}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ArgumentError(f"workers must be an int >= 1, got {workers!r}")
    path = None
    if isinstance(benchmark, (str, os.PathLike)):
        path = str(benchmark)
        benchmark = load_benchmark(path)
    kwargs = dict(run_kwargs, objectives=objectives, constraints=list(constraints))
    # Validate everything once, here, before any work is scheduled.
    for spec in specs:
        probe = make_strategy(spec.name, benchmark.space, seed=0, **dict(spec.hyperparameters))
        Run(probe, benchmark, budget=budget, **kwargs)
    objectives = list(objectives) if objectives else [Objective("valid_acc")]
    report = kwargs.get("report_metric", "test_acc")
    best = optimum(benchmark, kwargs, metric=report)
    reference = true_hv = None
    if len(objectives) > 1:
        reference = reference_point(benchmark, objectives, dataset=kwargs.get("dataset"))
        front = benchmark.true_front(objectives, dataset=kwargs.get("dataset"), constraints=list(constraints))
        true_hv = hypervolume(front[[o.metric for o in objectives]].to_numpy(np.float64), reference,
                              maximize=[o.maximize for o in objectives])
    source = path or getattr(benchmark, "source", None)
    shippable = source if (workers > 1 or executor is not None) and source and os.path.exists(source) else benchmark
    n_chunks = 1 if workers == 1 and executor is None else 2 * workers
    tasks = [(spec, chunk) for spec in specs for chunk in _chunks(seeds, n_chunks)]
    frames = _execute(tasks, shippable, budget, kwargs, best, reference, workers, executor, progress)
    frame = pd.concat(frames, ignore_index=True)
    order = {s.display: i for i, s in enumerate(specs)}
    frame = frame.sort_values(["strategy", "seed", "trial"], key=lambda c: c.map(order) if c.name == "strategy" else c,
                              kind="stable").reset_index(drop=True)
    frame.attrs.update(optimum=best, report_metric=report, budget_seconds=budget.seconds,
                       budget_queries=budget.queries, objectives=[str(o) for o in objectives],
                       reference_point=None if reference is None else reference.tolist(), true_hypervolume=true_hv)
    return frame


def _execute(tasks, benchmark, budget, kwargs, best, reference, workers, executor, progress) -> list[pd.DataFrame]:
    from .progress import progress_bar

    bar = progress_bar(total=len(tasks), desc="compare", unit="task", enabled=progress)
    try:
        if workers == 1 and executor is None:
            out = []
            for spec, chunk in tasks:
                out.append(_run_chunk(spec, chunk, benchmark, budget, kwargs, best, reference))
                bar.update()
            return out
        own = None
        if executor is None:
            from dask.distributed import Client

            from .dask_cluster import local_cluster

            cluster = local_cluster(workers)
            own = Client(cluster)
            executor = own.get_executor()
        try:
            futures = [executor.submit(_run_chunk, spec, chunk, benchmark, budget, kwargs, best, reference)
                       for spec, chunk in tasks]
            out = []
            for future in futures:
                out.append(future.result())
                bar.update()
            return out
        finally:
            if own is not None:
                cluster = own.cluster
                own.close()
                cluster.close()
    finally:
        bar.close()


def nb201_protocol(benchmark: Any, *, dataset: str | None = None, evaluations: int = 150) -> dict[str, Any]:
    """The NAS-Bench-201 search protocol (Dong & Yang, ICLR 2020, Sec. 6) as ``compare`` arguments.

    Search on validation accuracy at the search epoch, report the test accuracy of the
    architecture with the best validation accuracy, under a fixed simulated time budget.
    The budget here is ``evaluations`` times the median training time of an architecture
    at the search epoch, so the same preset works on any NB201-style table (ours or an
    imported official one); pass your own ``Budget(seconds=...)`` to use a paper's figure.

    Returns:
        ``dict(budget=Budget(seconds=...), dataset=..., report_metric="test_acc")``.
    """
    if isinstance(evaluations, bool) or not isinstance(evaluations, int) or evaluations < 1:
        raise ArgumentError(f"evaluations must be an int >= 1, got {evaluations!r}")
    view = benchmark.search_view(dataset)
    seconds = benchmark.metric_array("train_seconds", dataset=view.dataset, epoch=view.epoch, over="table")
    if not np.isfinite(seconds).any():
        raise ArgumentError(
            f"the nb201 preset is a budget in simulated seconds, but benchmark {getattr(benchmark, 'name', '?')!r} "
            f"records no training times for dataset {view.dataset!r}; use a query budget (e.g. --budget 150)"
        )
    median = float(np.nanmedian(seconds))
    return {"budget": Budget(seconds=evaluations * median), "dataset": view.dataset, "report_metric": "test_acc"}


def rank_against(
    run: Any,
    *,
    strategies: Any = ("random", "rea", "local-search"),
    seeds: Iterable[int] = range(20),
    workers: int = 1,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Rank a run (typically a person's, "you are the strategy") against built-in strategies.

    Every strategy runs once per seed on the run's benchmark with the run's settings
    (budget, objectives, constraints, fidelity, report metric: :meth:`Run.settings`),
    through :func:`compare`; the run's final regret (true optimum minus the report metric
    of its best trial by the search metric) is then placed among each strategy's final
    regrets. A run stopped before its budget was spent is ranked as it stands.

    Args:
        run: a :class:`~nasbench_kit.run.Run` with at least one feasible trial.
        strategies: as in :func:`compare`.
        seeds: the strategies' seeds.
        workers, executor: as in :func:`compare`.

    Returns:
        One row per strategy: ``strategy``, ``runs``, ``user_regret``, ``median_regret``
        and ``mean_regret`` of the strategy's runs, ``percentile`` (percent of the
        strategy's runs the user beat, i.e. with a larger final regret, ties counted half:
        100 = better than every run) and ``rank`` (the user's place among the strategy's
        runs plus the user: 1 = best, ties shared). A run with no feasible trial has an
        infinite regret. ``frame.attrs`` holds ``optimum`` and the budget.

    Raises:
        ArgumentError: not a Run, or a run with no feasible trial yet.
        UnknownNameError: an unknown strategy name.

    Example:
        >>> table = rank_against(manual_run, strategies=["random", "rea"], seeds=range(20))  # doctest: +SKIP
        >>> table[["strategy", "user_regret", "median_regret", "percentile", "rank"]]          # doctest: +SKIP
    """
    from .run import Run

    if not isinstance(run, Run):
        raise ArgumentError(f"rank_against needs a Run (e.g. a manual one), got {type(run).__name__}")
    best = run.incumbent
    if best is None:
        raise ArgumentError("the run has no feasible trial yet: there is nothing to rank")
    frame = compare(strategies, run.benchmark, seeds=seeds, workers=workers, executor=executor, **run.settings())
    user = float(frame.attrs["optimum"] - best[run.report_metric])
    user = np.inf if np.isnan(user) else user
    finals = frame.groupby(["strategy", "seed"], sort=False).tail(1)
    rows = []
    for name, part in finals.groupby("strategy", sort=False):
        regrets = part["regret"].to_numpy(np.float64)
        regrets = np.where(np.isnan(regrets), np.inf, regrets)
        worse, ties = int((regrets > user).sum()), int((regrets == user).sum())
        rows.append({"strategy": name, "runs": len(regrets), "user_regret": user,
                     "median_regret": float(np.median(regrets)), "mean_regret": float(regrets.mean()),
                     "percentile": 100.0 * (worse + 0.5 * ties) / len(regrets),
                     "rank": 1 + int((regrets < user).sum())})
    out = pd.DataFrame(rows)
    out.attrs.update({k: frame.attrs[k] for k in ("optimum", "report_metric", "budget_seconds", "budget_queries")})
    return out
