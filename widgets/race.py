"""Strategy race: several strategies on one simulated clock, side by side, live.

One :class:`~nasbench_kit.run.Run` per (strategy, seed), all stepped by one background
thread (:class:`RaceRunner`) in order of simulated time: each step goes to the run whose
clock is furthest behind (:func:`next_run`), so at any moment every curve of the
:class:`~widgets.incumbent.IncumbentPlot` has reached about the same simulated second,
and the race is fair to watch. Runs are driven only through ``Run.step()`` and
``Run.stop()``; Stop stops them all.

>>> race = StrategyRace(bench, ["random", "rea", "local-search"], seeds=3)   # doctest: +SKIP
>>> race.start_button.click()                                               # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets

from nasbench_kit.budget import Budget
from nasbench_kit.compare import nb201_protocol
from nasbench_kit.errors import ArgumentError, NasKitError, UnknownNameError
from nasbench_kit.run import Run
from nasbench_kit.strategies import make_strategy, strategy_names

from .incumbent import IncumbentPlot
from .runner import BackgroundThread
from .status import say

__all__ = ["next_run", "RaceRunner", "StrategyRace"]


def next_run(runs: Sequence[Run]) -> Run | None:
    """The unfinished run whose simulated clock is furthest behind (the first such on ties),
    or None when every run finished.

    Example:
        >>> from types import SimpleNamespace as NS
        >>> runs = [NS(finished=False, clock=NS(now_seconds=t), name=n) for t, n in [(5.0, "a"), (2.0, "b")]]
        >>> next_run(runs).name
        'b'
    """
    live = [(run.clock.now_seconds, k) for k, run in enumerate(runs) if not run.finished]
    return runs[min(live)[1]] if live else None


class RaceRunner(BackgroundThread):
    """Steps several runs in one daemon thread, in order of simulated time, until all finish.

    Args:
        runs: the runs (not yet finished).
        on_done: optional ``on_done(runner)`` called in the thread once every run ended.

    Attributes:
        error: the exception that ended the race early (the other runs are stopped), or None.
        steps: how many ``step()`` calls were made.

    Raises:
        ArgumentError: no runs, or a run that already finished.

    Example:
        >>> runner = RaceRunner([run_a, run_b]).start()   # doctest: +SKIP
        >>> runner.stop()                                  # doctest: +SKIP
        True
    """

    _thread_name = "nasbench-kit-race"

    def __init__(self, runs: Sequence[Run], *, on_done: Callable[[RaceRunner], None] | None = None) -> None:
        runs = list(runs)
        if not runs:
            raise ArgumentError("a race needs at least one run")
        done = [r for r in runs if getattr(r, "finished", False)]
        if done:
            raise ArgumentError(f"run {done[0]!r} already finished; build new Runs for a new race")
        super().__init__(on_done=on_done)
        self.runs = runs
        self.steps = 0

    def _work(self) -> None:
        while (run := next_run(self.runs)) is not None:
            run.step()  # a stopped run finishes on its next step, publishing RunFinished("stopped")
            self.steps += 1

    def _after_error(self) -> None:
        """Stop the other runs (each ends with ``RunFinished("stopped")``)."""
        for run in self.runs:
            run.stop()
            if not run.finished:
                try:
                    run.step()
                except Exception:  # the broken run itself: its error is already kept
                    pass

    def stop(self, timeout_seconds: float = 2.0) -> bool:
        """Stop every run after its current step; True if the thread ended in time."""
        for run in self.runs:
            run.stop()
        return self.wait(timeout_seconds)


def _specs(strategies: Sequence[str] | Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    if isinstance(strategies, str):
        strategies = [strategies]
    if isinstance(strategies, Mapping):
        return {str(name): dict(hp or {}) for name, hp in strategies.items()}
    return {str(name): {} for name in strategies}


class StrategyRace(widgets.VBox):
    """Race strategies on one simulated clock, with a live regret curve per strategy.

    Args:
        benchmark: a tabular benchmark (its space is searched).
        strategies: registry names, or a mapping ``name -> hyperparameters``.
        seeds: how many seeds per strategy (seeds ``0 .. seeds-1``; the band is over them).
        budget: each run's budget (default: the NAS-Bench-201 protocol's, 150 evaluations
            of median length in simulated seconds, so every run ends at the same time).
        value: ``"regret"`` or ``"incumbent"``.
        min_interval_seconds: the plot's throttle.
        **run_kwargs: more :class:`~nasbench_kit.run.Run` arguments (``dataset``,
            ``constraints``, ``dedupe``, ``n_workers``, ...).

    Attributes:
        start_button, stop_button, status: the controls; plot: the current
        :class:`~widgets.incumbent.IncumbentPlot` (None before a race); runner: the current
        :class:`RaceRunner`; runs, labels: its runs and their strategy names.

    Bad input (an unknown strategy, a bad hyperparameter or budget) is shown in
    :attr:`status` and starts nothing.

    Example:
        >>> race = StrategyRace(bench, ["random", "rea"], seeds=2)   # doctest: +SKIP
        >>> race.start_button.click(); race.runner.wait()            # doctest: +SKIP
        True
    """

    def __init__(self, benchmark: Any, strategies: Sequence[str] | Mapping[str, Mapping[str, Any]] = ("random", "rea"),
                 *, seeds: int = 1, budget: Budget | None = None, value: str = "regret",
                 min_interval_seconds: float = 0.1, **run_kwargs: Any) -> None:
        self.benchmark, self.value, self.run_kwargs = benchmark, value, run_kwargs
        self.min_interval_seconds = min_interval_seconds
        self.strategies = _specs(strategies)
        self.seeds = seeds
        self.budget = budget
        self.plot: IncumbentPlot | None = None
        self.runner: RaceRunner | None = None
        self.runs: list[Run] = []
        self.labels: list[str] = []
        self.status = widgets.HTML(value="ready")
        self.start_button = widgets.Button(description="Race", button_style="success", icon="play")
        self.stop_button = widgets.Button(description="Stop all", button_style="danger", icon="stop", disabled=True)
        self.plot_box = widgets.VBox()
        self.start_button.on_click(self._on_start_clicked)
        self.stop_button.on_click(self._on_stop_clicked)
        super().__init__(children=[widgets.HBox([self.start_button, self.stop_button]), self.status, self.plot_box])

    def build_runs(self) -> tuple[list[Run], list[str]]:
        """Fresh runs, one per (strategy, seed), and their labels (the strategy names).

        Raises:
            UnknownNameError, ArgumentError: bad names, hyperparameters, seeds or budget.
        """
        if not self.strategies:
            raise ArgumentError(f"choose at least one strategy of {list(strategy_names())}")
        unknown = [n for n in self.strategies if n not in strategy_names()]
        if unknown:
            raise UnknownNameError(f"strategy {unknown[0]!r} is unknown; use one of {list(strategy_names())}")
        if isinstance(self.seeds, bool) or not isinstance(self.seeds, int) or self.seeds < 1:
            raise ArgumentError(f"seeds must be an int >= 1 (how many seeds per strategy), got {self.seeds!r}")
        budget = self.budget
        if budget is None:
            budget = nb201_protocol(self.benchmark, dataset=self.run_kwargs.get("dataset"))["budget"]
        runs, labels = [], []
        for name, hyperparameters in self.strategies.items():
            for seed in range(self.seeds):
                strategy = make_strategy(name, self.benchmark.space, seed=seed, **hyperparameters)
                runs.append(Run(strategy, self.benchmark, budget=budget, seed=seed, **self.run_kwargs))
                labels.append(name)
        return runs, labels

    def _on_start_clicked(self, _button: Any = None) -> None:
        if self.runner is not None and self.runner.is_running:
            say(self.status, "a race is already going: stop it first", warn=True)
            return
        try:
            runs, labels = self.build_runs()
        except NasKitError as error:
            say(self.status, f"cannot start: {error}", warn=True)
            return
        if self.plot is not None:
            self.plot.detach()
        self.runs, self.labels = runs, labels
        self.plot = IncumbentPlot(runs, self.value, labels=labels, min_interval_seconds=self.min_interval_seconds)
        self.plot_box.children = (self.plot,)
        self.start_button.disabled, self.stop_button.disabled = True, False
        say(self.status, f"racing {', '.join(self.strategies)} ({self.seeds} seed(s) each)...")
        self.runner = RaceRunner(runs, on_done=self._on_done).start()

    def _on_stop_clicked(self, _button: Any = None) -> None:
        if self.runner is None or not self.runner.is_running:
            say(self.status, "nothing to stop: no race is going")
            return
        if not self.runner.stop(timeout_seconds=2.0):
            say(self.status, "asked every run to stop; the current step is still finishing", warn=True)

    def _on_done(self, runner: RaceRunner) -> None:
        self.start_button.disabled, self.stop_button.disabled = False, True
        if self.plot is not None:
            self.plot.flush(force=True)
        if runner.error is not None:
            say(self.status, f"the race failed: {type(runner.error).__name__}: {runner.error}", warn=True)
            return
        reasons = sorted({r.finished_reason for r in runner.runs})
        parts = []
        for name in self.strategies:
            best = [r.incumbent[r.report_metric] for r, label in zip(runner.runs, self.labels)
                    if label == name and r.incumbent is not None]
            parts.append(f"{name} {sum(best) / len(best):.4g}" if best else f"{name} -")
        metric = runner.runs[0].report_metric
        say(self.status, f"{'/'.join(reasons)}: mean final incumbent {metric}: " + ", ".join(parts))
