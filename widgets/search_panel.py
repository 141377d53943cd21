"""``SearchPanel``: pick a strategy, a seed, a budget and constraints; run; watch it live.

The panel only builds a :class:`~nasbench_kit.run.Run` from its inputs and drives it in a
:class:`~widgets.runner.BackgroundRun`; the search logic stays in the kit. Constraint
sliders show how many cells of the space remain feasible as they move
(:func:`nasbench_kit.analysis.feasible_count`, about a millisecond). Bad input (a budget
of 0, constraints no cell meets, a bad seed) shows the kit's message in the status line
and starts nothing.

>>> from nasbench_kit.benchmarks import load_benchmark   # doctest: +SKIP
>>> SearchPanel(load_benchmark())                        # doctest: +SKIP
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from nasbench_kit.analysis import feasible_count
from nasbench_kit.budget import Budget
from nasbench_kit.errors import ArgumentError, NasKitError
from nasbench_kit.objectives import Constraint, Objective
from nasbench_kit.run import Run, RunFinished, TrialFinished
from nasbench_kit.strategies import STRATEGIES, make_strategy, strategy_names

from .live import LiveParetoPlot, Throttle
from .runner import BackgroundRun

__all__ = ["SearchPanel"]

_WARN = "#D55E00"


def _cost_metrics(benchmark: Any) -> list[str]:
    """The constraint sliders: the first latency metric and ``params``, when present."""
    metrics = list(benchmark.metrics)
    latency = [m for m in metrics if m.startswith("latency_ms")]
    return latency[:1] + [m for m in ("params",) if m in metrics]


class SearchPanel(widgets.VBox):
    """A search control panel with a live Pareto plot (see the module docstring).

    Args:
        benchmark: a tabular benchmark of an enumerable space (NB201).
        dataset: the search dataset (default: the benchmark's only one).
        y: the search metric on the plot's y axis.
        strategy: the strategy selected at first; budget: evaluations at first.

    Attributes:
        current_run, background, plot: the last run started, its thread and its plot
            (None before the first run).
        n_feasible: feasible cells under the sliders' constraints (None if they are invalid).
    """

    def __init__(self, benchmark: Any, *, dataset: str | None = None, y: str = "valid_acc",
                 strategy: str = "random", budget: int = 100) -> None:
        self.benchmark, self.dataset, self.y = benchmark, dataset, y
        self.cost_metrics = _cost_metrics(benchmark)
        self.x = self.cost_metrics[0] if self.cost_metrics else "params"
        self.current_run: Run | None = None
        self.background: BackgroundRun | None = None
        self.plot: LiveParetoPlot | None = None
        self.n_feasible: int | None = None
        self._progress_throttle = Throttle(0.1)
        self._unsubscribe: list[Any] = []
        names = strategy_names()
        self.strategy_input = widgets.Dropdown(options=names, value=strategy if strategy in names else names[0],
                                               description="strategy")
        self.seed_input = widgets.IntText(value=0, description="seed")
        self.budget_input = widgets.IntText(value=budget, description="evaluations")
        self.sliders = {m: self._slider(m) for m in self.cost_metrics}
        self.feasible_label = widgets.HTML()
        self.run_button = widgets.Button(description="Run", button_style="success", icon="play")
        self.stop_button = widgets.Button(description="Stop", button_style="danger", icon="stop", disabled=True)
        self.progress = widgets.IntProgress(value=0, min=0, max=max(budget, 1), description="progress")
        self.status = widgets.HTML(value="ready")
        self.plot_box = widgets.VBox()
        for slider in self.sliders.values():
            slider.observe(self._on_constraints_changed, names="value")
        self.run_button.on_click(self._on_run_clicked)
        self.stop_button.on_click(self._on_stop_clicked)
        self._on_constraints_changed()
        super().__init__(children=[
            widgets.HBox([self.strategy_input, self.seed_input, self.budget_input]),
            *self.sliders.values(), self.feasible_label,
            widgets.HBox([self.run_button, self.stop_button, self.progress]),
            self.status, self.plot_box,
        ])

    # --- constraints ----------------------------------------------------------------------
    def _slider(self, metric: str) -> widgets.FloatRangeSlider:
        values = self.benchmark.metric_array(metric, dataset=self.dataset, over="space")
        low, high = float(values.min()), float(values.max())  # free metrics: every cell has one
        return widgets.FloatRangeSlider(value=(low, high), min=low, max=high, step=(high - low) / 500 or 1.0,
                                        description=metric, readout_format=".4g", continuous_update=True,
                                        layout=widgets.Layout(width="520px"),
                                        style={"description_width": "120px"})

    def constraints(self) -> list[Constraint]:
        """The constraints the sliders set (a slider at its full range sets none).

        Raises:
            ArgumentError: a lower bound above the upper one.
        """
        out = []
        for metric, slider in self.sliders.items():
            (low, high), tolerance = slider.value, slider.step / 2
            at_least = low if low > slider.min + tolerance else None
            at_most = high if high < slider.max - tolerance else None
            if at_least is not None or at_most is not None:
                out.append(Constraint(metric, at_most=at_most, at_least=at_least))
        return out

    def _on_constraints_changed(self, _change: Any = None) -> None:
        try:
            count = feasible_count(self.benchmark, self.constraints(), dataset=self.dataset)
        except NasKitError as error:
            self.n_feasible = None
            self.feasible_label.value = self._coloured(str(error))
            return
        self.n_feasible = count
        total = len(self.benchmark.space)
        text = f"{count:,} feasible cells of {total:,}"
        self.feasible_label.value = self._coloured(text + ": loosen a constraint") if count == 0 else text

    # --- run / stop -----------------------------------------------------------------------
    def _build_run(self) -> Run:
        budget = Budget(queries=self.budget_input.value)
        constraints = self.constraints()
        if constraints and feasible_count(self.benchmark, constraints, dataset=self.dataset) == 0:
            limits = " and ".join(str(c) for c in constraints)
            raise ArgumentError(f"no cell of the space satisfies {limits}: loosen a constraint slider")
        name, seed = self.strategy_input.value, self.seed_input.value
        strategy = make_strategy(name, self.benchmark.space, seed=seed)
        objectives = [Objective(self.y)]
        if STRATEGIES[name].multi_objective:
            objectives.append(Objective(self.x, maximize=False))
        return Run(strategy, self.benchmark, budget=budget, objectives=objectives, constraints=constraints,
                   seed=seed, dataset=self.dataset)

    def _on_run_clicked(self, _button: Any = None) -> None:
        if self.background is not None and self.background.is_running:
            self._say("a run is already going: stop it first", warn=True)
            return
        try:
            run = self._build_run()
        except NasKitError as error:
            self._say(f"cannot start: {error}", warn=True)
            return
        self._follow(run)
        self.run_button.disabled, self.stop_button.disabled = True, False
        self._say(f"running {run.strategy.name} (seed {run.seed}) for {run.budget.queries} evaluations...")
        self.background = BackgroundRun(run, on_done=self._on_done).start()

    def _follow(self, run: Run) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        if self.plot is not None:
            self.plot.detach()
        self.current_run = run
        self.plot = LiveParetoPlot(run, x=self.x, y=self.y)
        self.plot_box.children = (self.plot.fig,)
        self.progress.max, self.progress.value = run.budget.queries, 0
        self._unsubscribe = [run.on(TrialFinished, self._on_trial), run.on(RunFinished, self._on_finished)]

    def _on_trial(self, event: TrialFinished) -> None:  # run thread: cheap, throttled
        if self._progress_throttle.due():
            self.progress.value = event.run.n_evaluations
            self._progress_throttle.mark()

    def _on_finished(self, event: RunFinished) -> None:
        self.progress.value = event.run.n_evaluations

    def _on_done(self, background: BackgroundRun) -> None:
        run = background.run
        self.run_button.disabled, self.stop_button.disabled = False, True
        if self.plot is not None:
            self.plot.flush(force=True)
        if background.error is not None:
            self._say(f"the run failed: {type(background.error).__name__}: {background.error}", warn=True)
            return
        summary = run.summary()
        best = "" if summary["incumbent_search"] is None else (
            f"; best {self.y} {summary['incumbent_search']:.4g} ({run.report_metric} "
            f"{summary['incumbent_report']:.4g}): {summary['incumbent_arch']}")
        self._say(f"{run.finished_reason}: {summary['evaluations']} evaluations, {summary['trials']} trials{best}")

    def _on_stop_clicked(self, _button: Any = None) -> None:
        if self.background is None or not self.background.is_running:
            self._say("nothing to stop: no run is going")
            return
        if not self.background.stop(timeout_seconds=2.0):
            self._say("asked the run to stop; its current step is still finishing", warn=True)

    # --- status ---------------------------------------------------------------------------
    @staticmethod
    def _coloured(text: str) -> str:
        return f'<span style="color:{_WARN}">{html.escape(text)}</span>'

    def _say(self, text: str, *, warn: bool = False) -> None:
        self.status.value = self._coloured(text) if warn else html.escape(text)
