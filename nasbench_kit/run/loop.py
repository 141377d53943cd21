"""``Run``: the search loop. Ask, check constraints, query, charge the clock, tell.

A :class:`Run` drives one :class:`~nasbench_kit.strategies.Strategy` against one
benchmark under a :class:`~nasbench_kit.budget.Budget` of simulated seconds or queries:

1. ask the strategy (or take a user's suggestion, :meth:`Run.suggest`);
2. check the constraints on free metrics (latency, params, FLOPs): an infeasible
   architecture is recorded and told at no cost, as a real search would reject it before
   training;
3. with ``dedupe=True``, an architecture isomorphic to one already trained to that epoch
   is not trained again (its values are copied, nothing is charged);
4. query the benchmark and charge the :class:`~nasbench_kit.budget.SimulatedClock` the
   training seconds (only the extra epochs when a run continues to a higher fidelity);
5. tell the strategy each result when its simulated training finishes (several simulated
   workers run asynchronously).

Strategies see the search metric (validation accuracy at the search epoch) and free cost
metrics only; the report metric (test accuracy) goes to :attr:`Run.history` and events.

>>> from nasbench_kit.benchmarks import load_benchmark       # doctest: +SKIP
>>> from nasbench_kit.strategies import make_strategy         # doctest: +SKIP
>>> bench = load_benchmark()                                  # doctest: +SKIP
>>> run = Run(make_strategy("rea", bench.space, seed=0), bench, budget=Budget(queries=100))  # doctest: +SKIP
>>> run.run().history[["trial", "arch", "valid_acc", "test_acc"]].tail(3)  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..benchmarks.record import CURVE_METRICS
from ..budget import Budget, SimulatedClock
from ..errors import ArgumentError
from ..objectives import Constraint, Objective
from ..pareto import non_dominated_mask
from ..strategies.base import AskCancelled, SearchProblem, Strategy, Trial, check_seed
from .checkpoint import resume_run, save_run
from .checks import (check_budget_has_time, check_constraints, check_feasible_exists, check_objectives,
                     isomorph_warning, records_training_time)
from .events import Event, IncumbentChanged, RunFinished, Subscribers, TrialFinished
from .human import HumanAction, HumanControls
from .lookup import Lookup

__all__ = ["Run", "Budget", "TrialFinished", "IncumbentChanged", "RunFinished", "HumanAction"]


class Run(HumanControls):
    """One search: a strategy against a benchmark under a budget.

    Human in the loop (see :mod:`nasbench_kit.run.human`): :meth:`pause` /
    :meth:`resume_running`, :meth:`suggest`, :meth:`veto` / :meth:`unveto`,
    :meth:`seed_population`, :meth:`pin_parent`; with a
    :class:`~nasbench_kit.strategies.manual.ManualStrategy` every trial is a person's
    suggestion. All are thread-safe, take effect between trials and are replayed by
    :meth:`resume`.

    Args:
        strategy: the search strategy (ask/tell).
        benchmark: a :class:`~nasbench_kit.benchmarks.Benchmark` of the strategy's space.
        budget: simulated seconds and/or number of trained evaluations.
        objectives: what to optimize (default: maximize ``valid_acc``); the first is the
            search metric, the one a single-objective strategy optimizes.
        constraints: bounds on free metrics, checked before anything is charged.
        seed: if given, the strategy's random stream restarts from it (same seed, same
            history, bit for bit).
        dedupe: skip architectures isomorphic to already-trained ones (no charge).
        n_workers: simulated parallel workers (asynchronous).
        dataset, schedule: what the search reads (defaults: the benchmark's only dataset,
            the longest schedule).
        epoch: the search epoch (default: the schedule's last).
        report_metric: recorded for reports, never shown to the strategy.
        report_dataset, report_schedule: where the report metric is read (defaults: the
            search dataset and its longest schedule, at its last epoch).
        max_free_trials: stop after this many consecutive trials that cost nothing
            (infeasible or duplicate proposals), so a converged strategy cannot spin.

    A benchmark without training times (e.g. a CSV imported without ``train_seconds``)
    has no simulated time axis: :attr:`timed` is False, only a query budget is
    accepted, nothing is charged to the clock, and the history's ``train_seconds``,
    ``start_seconds`` and ``finish_seconds`` are NaN (read incumbent traces by
    ``trial`` or evaluations instead of time).

    Raises:
        ArgumentError: bad arguments, unknown metrics, constraints no architecture meets,
            a budget in seconds on a benchmark that records no training times.

    Example:
        >>> from tests.benchmarks.synthetic import tiny_table                # doctest: +SKIP
    """

    def __init__(
        self,
        strategy: Strategy,
        benchmark: Any,
        *,
        budget: Budget,
        objectives: Sequence[Objective] | None = None,
        constraints: Sequence[Constraint] = (),
        seed: int | None = None,
        dedupe: bool = False,
        n_workers: int = 1,
        dataset: str | None = None,
        schedule: int | None = None,
        epoch: int | None = None,
        report_metric: str = "test_acc",
        report_dataset: str | None = None,
        report_schedule: int | None = None,
        max_free_trials: int = 10_000,
    ) -> None:
        if not isinstance(strategy, Strategy):
            raise ArgumentError(f"strategy must be a Strategy (see nasbench_kit.strategies), got {strategy!r}")
        if not isinstance(budget, Budget):
            raise ArgumentError(f"budget must be a Budget(seconds=... and/or queries=...), got {budget!r}")
        for attr in ("query", "search_view", "metrics", "epochs"):
            if not hasattr(benchmark, attr):
                raise ArgumentError(f"benchmark must implement the Benchmark protocol (no {attr!r}): {benchmark!r}")
        space_name = getattr(getattr(benchmark, "space", None), "name", None)
        if space_name is not None and space_name != strategy.space.name:
            raise ArgumentError(
                f"the strategy searches space {strategy.space.name!r} but benchmark "
                f"{getattr(benchmark, 'name', '?')!r} holds {space_name!r} architectures"
            )
        if not isinstance(dedupe, bool):
            raise ArgumentError(f"dedupe must be True or False, got {dedupe!r}")
        if isinstance(max_free_trials, bool) or not isinstance(max_free_trials, int) or max_free_trials < 1:
            raise ArgumentError(f"max_free_trials must be an int >= 1, got {max_free_trials!r}")
        metrics = tuple(benchmark.metrics)
        self.objectives = check_objectives(objectives, metrics)
        self.constraints = check_constraints(constraints, metrics)
        if report_metric not in metrics:
            raise ArgumentError(f"report_metric {report_metric!r} is unknown; metrics: {list(metrics)}")
        view = benchmark.search_view(dataset, epoch=epoch, schedule=schedule)
        self.dataset, self.schedule, self.search_epoch = view.dataset, view.schedule_epochs, view.epoch
        self.fidelities = tuple(int(e) for e in benchmark.epochs(self.dataset, schedule=self.schedule))
        report_dataset = self.dataset if report_dataset is None else report_dataset
        if report_schedule is None:
            report_schedule = max(benchmark.schedules(report_dataset))
        report_epoch = benchmark.epochs(report_dataset, schedule=report_schedule)[-1]
        check_feasible_exists(benchmark, self.constraints, dataset=self.dataset, schedule=self.schedule)
        #: False when the benchmark records no training times: no simulated time axis.
        self.timed = records_training_time(benchmark, dataset=self.dataset, schedule=self.schedule,
                                           epoch=self.search_epoch)
        check_budget_has_time(benchmark, budget, timed=self.timed, dataset=self.dataset)

        self.strategy = strategy
        self.benchmark = benchmark
        self.space = strategy.space
        self.budget = budget
        self.dedupe = dedupe
        self.report_metric = report_metric
        self.report_dataset, self.report_schedule = report_dataset, int(report_schedule)
        self.max_free_trials = max_free_trials
        self.seed = check_seed(seed)
        if self.seed is not None:
            strategy.reseed(self.seed)
        self.clock = SimulatedClock(n_workers)
        static = [m for m in metrics if m not in CURVE_METRICS]
        cost_metrics = tuple(dict.fromkeys([*static, *(c.metric for c in self.constraints)]))
        self._lookup = Lookup(
            benchmark, dataset=self.dataset, schedule=self.schedule, epochs=self.fidelities,
            objective_metrics=tuple(o.metric for o in self.objectives), cost_metrics=cost_metrics,
            report_metric=report_metric, report_dataset=report_dataset, report_schedule=int(report_schedule),
            report_epoch=int(report_epoch),
        )
        self._feasible_cache: dict[Any, bool] = {}
        self._canonical: dict[Any, str] = {}
        strategy.setup(SearchProblem(
            objectives=self.objectives, constraints=self.constraints, feasible_many=self.feasible_many,
            search_epoch=self.search_epoch, fidelities=self.fidelities, should_stop=self._stop_requested_in_step,
        ))
        self._events = Subscribers()
        self._stop = threading.Event()
        self._lock = threading.RLock()
        self._suggestions: deque[tuple[Any, int | None]] = deque()
        self._asks: list[tuple[str, str, int]] = []  # (source, arch string, epoch) in ask order
        self._rows: list[dict[str, Any]] = []
        self._pending: dict[int, dict[str, Any]] = {}  # clock job order -> row being trained
        self._training: dict[Any, tuple[int, int]] = {}  # run key -> (generation, epoch reached)
        self._first_of: dict[tuple[str, int], int] = {}  # (canonical, epoch) -> first trial number
        self._values_of: dict[tuple[str, int], dict[str, Any]] = {}
        self._n_charged = 0
        self._free_streak = 0
        self._incumbent: dict[str, Any] | None = None
        self._sign = self.objectives[0].sign
        self._frame: pd.DataFrame | None = None
        self.finished_reason: str | None = None
        self._init_human()

    # --- constraints ---------------------------------------------------------------------
    def feasible_many(self, archs: Sequence[Any]) -> np.ndarray:
        """Which of ``archs`` satisfy every constraint (free: reads cost metrics only)."""
        out = np.ones(len(archs), dtype=bool)
        if not self.constraints:
            return out
        if len(archs) == 1:
            out[0] = self._feasible(archs[0])
            return out
        for i, arch in enumerate(archs):
            out[i] = self._feasible(arch)
        return out

    def _feasible(self, arch: Any) -> bool:
        if not self.constraints:
            return True
        ok = self._feasible_cache.get(arch)
        if ok is None:
            costs = self._lookup.costs(arch)
            ok = all(c.satisfied(costs[c.metric]) for c in self.constraints)
            self._feasible_cache[arch] = ok
        return ok

    # --- events ----------------------------------------------------------------------------
    def on(self, event: type[Event] | str, callback: Callable[[Any], None]) -> Callable[[], None]:
        """Subscribe ``callback(event)`` to ``TrialFinished``, ``IncumbentChanged`` or
        ``RunFinished`` (class or name); returns a function that unsubscribes it."""
        return self._events.add(event, callback)

    def off(self, event: type[Event] | str, callback: Callable[[Any], None]) -> None:
        """Unsubscribe ``callback`` from ``event``."""
        self._events.remove(event, callback)

    # --- state -----------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """True once the run ended (budget spent, stopped, or nothing new to try)."""
        return self.finished_reason is not None

    @property
    def n_trials(self) -> int:
        """Trials finished so far (including infeasible and skipped duplicates)."""
        return len(self._rows)

    @property
    def n_evaluations(self) -> int:
        """Trials that were charged (what a query budget counts)."""
        return self._n_charged

    @property
    def incumbent(self) -> dict[str, Any] | None:
        """History row of the best feasible trial by the search metric (None before one)."""
        return self._incumbent

    def settings(self) -> dict[str, Any]:
        """Keyword arguments that build an equivalent :class:`Run` of another strategy
        (budget, objectives, constraints, fidelity, report metric, ...; not the seed)."""
        return {
            "budget": self.budget, "objectives": list(self.objectives), "constraints": list(self.constraints),
            "dedupe": self.dedupe, "n_workers": self.clock.n_workers, "dataset": self.dataset,
            "schedule": self.schedule, "epoch": self.search_epoch, "report_metric": self.report_metric,
            "report_dataset": self.report_dataset, "report_schedule": self.report_schedule,
            "max_free_trials": self.max_free_trials,
        }

    def _check_epoch(self, epoch: int | None) -> int:
        if epoch is None:
            return self.search_epoch
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or int(epoch) not in self.fidelities:
            raise ArgumentError(f"epoch {epoch!r} is not recorded by the benchmark; epochs: {list(self.fidelities)}")
        return int(epoch)

    def _stop_requested_in_step(self) -> bool:
        """Whether a long ask should give up: only inside a step, so that e.g. a surrogate's
        ``predict`` after the run stopped still works."""
        return self._in_step and self._stop.is_set()

    def _budget_spent(self) -> bool:
        return self.budget.exhausted(now_seconds=self.clock.now_seconds, n_queries=self._n_charged)

    # --- the loop ----------------------------------------------------------------------------
    def step(self) -> list[dict[str, Any]]:
        """Ask for one architecture, evaluate it and tell every result that became available.

        The architecture is the oldest pending suggestion (:meth:`suggest`), else the
        strategy's first candidate that is not vetoed. ``step`` works while the run is
        paused (single-stepping); human actions made during the step (from event
        callbacks) take effect when it ends.

        Returns:
            The history rows of the trials that finished during this step (possibly none
            with several workers; all outstanding ones when the budget ran out).

        Raises:
            RunStateError: a manual run with nothing suggested, or every candidate of the
                strategy vetoed :attr:`max_vetoed_asks` times in a row (the run then ends).
        """
        with self._lock:
            self._in_step = True
            try:
                return self._step()
            finally:
                self._in_step = False
                self._apply_deferred()

    def _step(self) -> list[dict[str, Any]]:
        if self.finished:
            return []
        if self._stop.is_set():
            return self._finish("stopped")
        if self._budget_spent():
            return self._finish("budget")
        if self._free_streak >= self.max_free_trials:
            return self._finish("no-new-architectures")
        try:
            source, arch, epoch = self._next_candidate()
        except AskCancelled:  # Stop pressed during a long ask (e.g. a surrogate fit)
            return self._finish("stopped")
        number = len(self._asks)
        self._asks.append((source, str(arch), epoch))
        done = self._submit(number, source, arch, epoch)
        done += self._tell_finished(self.clock.pop_finished())
        if self._budget_spent() or self._stop.is_set():
            reason = "stopped" if self._stop.is_set() else "budget"
            done += self._finish(reason)
        return done

    def run(self, *, max_steps: int | None = None) -> Run:
        """Step until the run finishes (or ``max_steps`` steps); returns the run itself.

        Between steps it waits, blocked (no busy loop), while the run is paused, while a
        manual run has nothing suggested, and while another thread waits to act on the
        run; :meth:`stop` from any thread ends it promptly. So call it from a background
        thread when a person drives the run (``widgets.runner.BackgroundRun``): a paused
        or manual ``run()`` in the calling thread waits for another thread.
        """
        steps = 0
        while not self.finished and (max_steps is None or steps < max_steps):
            self._wait_until_runnable()
            self.step()
            steps += 1
        return self

    def stop(self) -> None:
        """Ask the run to stop after the current step (safe from any thread; wakes a
        paused or waiting ``run()``)."""
        self._stop.set()
        self._wake()

    # --- internals ----------------------------------------------------------------------------
    def _submit(self, number: int, source: str, arch: Any, epoch: int) -> list[dict[str, Any]]:
        canonical = self._canonical.get(arch)
        if canonical is None:
            canonical = self._canonical[arch] = self.space.canonical(arch)
        row: dict[str, Any] = {"trial": number, "source": source, "arch": str(arch), "canonical": canonical,
                               "epoch": epoch}
        now = self.clock.now_seconds
        if not self._feasible(arch):
            costs = self._lookup.costs(arch)
            self._free_streak += 1
            return [self._complete(row, arch, feasible=False, costs=costs, start=now, finish=now)]
        first = self._first_of.get((canonical, epoch))
        if self.dedupe and first is not None:
            self._free_streak += 1
            known = self._values_of[(canonical, epoch)]
            return [self._complete(dict(row, **known, duplicate_of=first, skipped=True, train_seconds=0.0,
                                        start_seconds=now, finish_seconds=now), arch)]
        numbers = self._lookup.numbers(arch, epoch)
        base = canonical if self.dedupe else str(arch)
        generation, reached = self._training.get(base, (0, 0))
        if reached >= epoch:  # trained this far already: a real search would train it again
            generation, reached = generation + 1, 0
        self._training[base] = (generation, epoch)
        seconds = numbers.cumulative_seconds if self.timed else 0.0  # no time axis: charge nothing
        job = self.clock.charge((base, generation), epoch=epoch, train_seconds=seconds)
        self._n_charged += 1
        self._free_streak = 0
        row.update(duplicate_of=-1 if first is None else first, skipped=False, train_seconds=job.charged_seconds,
                   start_seconds=job.start_seconds, finish_seconds=job.finish_seconds, worker=job.worker,
                   _arch=arch, _numbers=numbers)
        if first is None:
            self._first_of[(canonical, epoch)] = number
        self._pending[job.order] = row
        return []

    def _tell_finished(self, jobs: Sequence[Any]) -> list[dict[str, Any]]:
        done = []
        for job in jobs:
            row = self._pending.pop(job.order)
            arch, numbers = row.pop("_arch"), row.pop("_numbers")
            values = {o.metric: v for o, v in zip(self.objectives, numbers.objectives)}
            values.update(report_value=numbers.report, _curve=numbers.valid_curve, _curve_epochs=numbers.curve_epochs,
                          _costs=numbers.costs)
            key = (row["canonical"], row["epoch"])
            self._values_of.setdefault(key, values)
            done.append(self._complete(dict(row, **values), arch))
        return done

    def _complete(self, row: dict[str, Any], arch: Any, *, feasible: bool = True,
                  costs: dict[str, float] | None = None, start: float = 0.0, finish: float = 0.0) -> dict[str, Any]:
        """Finish a trial: tell the strategy, append the history row, publish events."""
        if not feasible:
            row.update({o.metric: math.nan for o in self.objectives}, report_value=math.nan, duplicate_of=-1,
                       skipped=False, train_seconds=0.0, start_seconds=start, finish_seconds=finish,
                       _curve=np.empty(0), _curve_epochs=np.empty(0, dtype=np.int64),
                       _costs=costs)
        row.setdefault("worker", None)
        if not self.timed:  # no time axis: say so rather than record zeros
            row.update(train_seconds=math.nan, start_seconds=math.nan, finish_seconds=math.nan)
        costs = row.pop("_costs")
        curve, curve_epochs = row.pop("_curve"), row.pop("_curve_epochs")
        objectives = tuple(float(row[o.metric]) for o in self.objectives)
        trial = Trial(number=row["trial"], arch=arch, canonical=row["canonical"], epoch=row["epoch"],
                      feasible=feasible, objectives=objectives, costs=dict(costs), valid_curve=curve,
                      curve_epochs=curve_epochs, train_seconds=row["train_seconds"],
                      finish_seconds=row["finish_seconds"], duplicate=row["skipped"])
        self.strategy.tell(trial)
        self._remember_trial(trial)
        row.update(feasible=feasible, search_value=objectives[0], **costs)
        row[self.report_metric] = row.pop("report_value")
        improved = feasible and (self._incumbent is None or self._sign * objectives[0] < self._sign
                                 * self._incumbent["search_value"])
        if improved:
            self._incumbent = row
        best = self._incumbent
        row["incumbent_search"] = math.nan if best is None else best["search_value"]
        row["incumbent_report"] = math.nan if best is None else best[self.report_metric]
        row["incumbent_trial"] = -1 if best is None else best["trial"]
        self._rows.append(row)
        self._frame = None
        if self._events.wanted(TrialFinished):
            self._events.publish(TrialFinished(self, row))
        if improved and self._events.wanted(IncumbentChanged):
            self._events.publish(IncumbentChanged(self, row))
        return row

    def _finish(self, reason: str) -> list[dict[str, Any]]:
        done = self._tell_finished(self.clock.pop_finished(math.inf))
        self.finished_reason = reason
        self._events.publish(RunFinished(self, reason))
        return done

    # --- results ------------------------------------------------------------------------------
    @property
    def history(self) -> pd.DataFrame:
        """One row per finished trial, in the order results became available.

        Columns: ``trial`` (ask order), ``source`` (``strategy`` / ``user``), ``arch``,
        ``canonical``, ``epoch``, ``feasible``, ``duplicate_of`` (first trial of the same
        isomorphism class at this epoch, -1 if none), ``skipped`` (a duplicate not trained
        because ``dedupe=True``), ``train_seconds`` (charged), ``start_seconds``,
        ``finish_seconds`` (all three NaN when the benchmark records no training times,
        see :attr:`timed`), ``worker``, one column per objective metric, ``search_value``
        (the first objective), the report metric (e.g. ``test_acc``), every free cost
        metric, ``incumbent_search`` / ``incumbent_report`` / ``incumbent_trial`` (best
        feasible trial so far) and ``on_front`` (on the Pareto front of the objectives
        among feasible trials so far, at the end of the history).
        """
        with self._exclusive():
            if self._frame is None:
                frame = pd.DataFrame(self._rows)
                if len(frame):
                    frame["on_front"] = self._front_mask(frame)
                self._frame = frame
            return self._frame.copy()

    def column(self, name: str) -> np.ndarray:
        """One history column as an array, without building the DataFrame (fast, for
        comparisons of thousands of runs); ``on_front`` is not available here."""
        with self._exclusive():
            if self._rows and name not in self._rows[0]:
                raise ArgumentError(f"no history column {name!r}; columns: {list(self._rows[0])}")
            return np.array([row[name] for row in self._rows])

    def _front_mask(self, frame: pd.DataFrame) -> np.ndarray:
        mask = np.zeros(len(frame), dtype=bool)
        ok = frame["feasible"].to_numpy(bool)
        if ok.any():
            points = frame.loc[ok, [o.metric for o in self.objectives]].to_numpy(np.float64)
            mask[np.flatnonzero(ok)] = non_dominated_mask(points, maximize=[o.maximize for o in self.objectives])
        return mask

    def summary(self) -> dict[str, Any]:
        """Plain-data summary: trials, evaluations, simulated seconds, the incumbent, wasted budget.

        ``simulated_seconds`` and ``seconds_on_isomorphs`` are None when the benchmark
        records no training times (:attr:`timed`). ``isomorph_share`` is the fraction of
        the budget (seconds, or evaluations without a time axis) spent training
        architectures isomorphic to ones already trained; ``warnings`` holds a sentence
        when that is more than half (see :func:`isomorph_warning`).
        """
        frame = self.history
        repeats = frame["duplicate_of"].to_numpy() >= 0 if len(frame) else np.zeros(0, dtype=bool)
        trained = ~frame["skipped"].to_numpy(bool) & frame["feasible"].to_numpy(bool) if len(frame) else repeats
        if self.timed:
            seconds = frame["train_seconds"].to_numpy(np.float64) if len(frame) else np.zeros(0)
            wasted: float | None = float(seconds[repeats].sum())
            total = float(seconds.sum())
            share = wasted / total if total > 0 else 0.0
        else:
            wasted = None
            share = float((repeats & trained).sum() / trained.sum()) if trained.any() else 0.0
        best = self._incumbent
        warning = isomorph_warning(share, dedupe=self.dedupe)
        return {
            "strategy": self.strategy.name,
            "trials": self.n_trials,
            "evaluations": self._n_charged,
            "simulated_seconds": self.clock.makespan_seconds if self.timed else None,
            "finished_reason": self.finished_reason,
            "incumbent_arch": None if best is None else best["arch"],
            "incumbent_search": None if best is None else best["search_value"],
            "incumbent_report": None if best is None else best[self.report_metric],
            "seconds_on_isomorphs": wasted,
            "isomorph_share": share,
            "skipped_isomorphs": 0 if not len(frame) else int(frame["skipped"].sum()),
            "user_trials": 0 if not len(frame) else int((frame["source"] == "user").sum()),
            "vetoed_candidates": self.n_vetoed,
            "warnings": [] if warning is None else [warning],
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write a JSON checkpoint (configuration and asks; no pickle); see :meth:`resume`."""
        with self._exclusive():
            return save_run(self, path)

    @classmethod
    def resume(cls, path: str | os.PathLike[str], benchmark: Any, *, strategy: Strategy | None = None) -> Run:
        """Rebuild a saved run by replaying its asks and its human actions (suggestions,
        vetoes, steering) at the trials they took effect: it then continues exactly as the
        uninterrupted run would have (same seed, same actions, same history)."""
        return resume_run(path, benchmark, run_class=Run, strategy=strategy)

    def __repr__(self) -> str:
        return (f"Run(strategy={self.strategy!r}, benchmark={getattr(self.benchmark, 'name', '?')!r}, "
                f"trials={self.n_trials}, finished={self.finished_reason!r})")
