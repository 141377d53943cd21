"""``SearchPanel``: pick a strategy, a seed, a budget and constraints; run; watch it live.

The panel only builds a :class:`~nasbench_kit.run.Run` from its inputs and drives it in a
background thread (:class:`~widgets.runner.BackgroundRun`); the search logic stays in the
kit. Each constraint is a range slider with two exact boxes (``min`` / ``max``); the
boxes are the source of truth, the slider follows them, and the panel shows how many
cells of the space remain feasible as they move (:func:`nasbench_kit.analysis.feasible_count`,
about a millisecond). ``pace`` (seconds per trial) slows a run down so that a person can
watch the front grow; Stop interrupts the pause at once.

Bad input never raises and never shows a traceback: a ``min`` above its ``max``, limits
no cell meets (the message names the tightest feasible limit), a budget below one
evaluation or a bad seed show a message in the status line and start nothing.

For browsers (end-to-end tests, custom CSS) the parts carry classes: ``nbk-search-panel``,
``nbk-run``, ``nbk-stop``, ``nbk-status``, ``nbk-count``, ``nbk-feasible``, ``nbk-plot``,
``nbk-budget``, ``nbk-pace``, ``nbk-min-<metric>`` and ``nbk-max-<metric>``.

>>> from nasbench_kit.benchmarks import load_benchmark   # doctest: +SKIP
>>> panel = SearchPanel(load_benchmark(), pace=0.02)     # doctest: +SKIP
>>> panel.set_limit("latency_ms_cpu1t", at_most=2.0)     # doctest: +SKIP
>>> panel.run_button.click(); panel.background.wait(60)  # doctest: +SKIP
>>> panel.message                                        # doctest: +SKIP
'budget: 100 evaluations, ...'
"""

from __future__ import annotations

import contextlib
import html
import math
import re
import threading
from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets
import numpy as np

from nasbench_kit.analysis import feasible_count
from nasbench_kit.budget import Budget
from nasbench_kit.errors import ArgumentError, NasKitError
from nasbench_kit.objectives import Constraint, Objective
from nasbench_kit.run import Run, RunFinished, TrialFinished
from nasbench_kit.strategies import STRATEGIES, make_strategy, strategy_names

from .live import LiveParetoPlot, Throttle
from .runner import BackgroundRun

__all__ = ["SearchPanel", "PacedRun"]

_WARN = "#D55E00"
#: The slowest pace the slider offers (seconds per trial).
MAX_PACE = 0.5


def _cost_metrics(benchmark: Any) -> list[str]:
    """The constraint sliders: the first latency metric and ``params``, when present."""
    metrics = list(benchmark.metrics)
    latency = [m for m in metrics if m.startswith("latency_ms")]
    return latency[:1] + [m for m in ("params",) if m in metrics]


def _round_away(value: float, *, up: bool, digits: int = 4) -> float:
    """``value`` rounded to ``digits`` significant digits, up (or down), so that the limit
    shown still admits the cell it was computed from.

    >>> _round_away(0.531249, up=True), _round_away(0.531251, up=False), _round_away(2.5, up=True)
    (0.5313, 0.5312, 2.5)
    """
    if value == 0 or not math.isfinite(value):
        return float(value)
    step = 10.0 ** (math.floor(math.log10(abs(value))) - digits + 1)
    units = math.ceil(value / step - 1e-9) if up else math.floor(value / step + 1e-9)
    rounded = round(units * step, 12)
    while (rounded < value) if up else (rounded > value):
        rounded = round(rounded + (step if up else -step), 12)
    return rounded


def _fmt(value: float) -> str:
    return f"{value:.4g}"


class PacedRun(BackgroundRun):
    """A :class:`BackgroundRun` that waits ``pace()`` seconds after each step (0: none), so a
    person can watch a fast search; :meth:`stop` interrupts the wait at once."""

    def __init__(self, run: Any, *, pace: Any = lambda: 0.0, **kwargs: Any) -> None:
        super().__init__(run, **kwargs)
        self._pace = pace
        self._wake = threading.Event()

    def _work(self) -> None:
        run = self.run
        while not run.finished:
            run.run(max_steps=1)  # waits while paused, like run.run(), then one step
            pace = float(self._pace() or 0.0)
            if pace > 0 and not run.finished:
                self._wake.wait(pace)

    def stop(self, timeout_seconds: float = 2.0) -> bool:
        self.run.stop()
        self._wake.set()
        return self.wait(timeout_seconds)


class SearchPanel(widgets.VBox):
    """A search control panel with a live Pareto plot (see the module docstring).

    Args:
        benchmark: a tabular benchmark of an enumerable space (NB201).
        dataset: the search dataset (default: the benchmark's only one).
        y: the search metric on the plot's y axis.
        strategy: the strategy selected at first; budget: evaluations at first.
        pace: seconds to wait after each trial at first (0: as fast as it goes).

    Attributes:
        current_run, background, plot: the last run started, its thread and its plot
            (None before the first run).
        n_feasible: feasible cells under the constraints (None if they are invalid).
        sliders, bounds: per constrained metric, its range slider and its
            ``(min box, max box)`` pair.
    """

    def __init__(self, benchmark: Any, *, dataset: str | None = None, y: str = "valid_acc",
                 strategy: str = "random", budget: int = 100, pace: float = 0.0) -> None:
        self.benchmark, self.dataset, self.y = benchmark, dataset, y
        self.cost_metrics = _cost_metrics(benchmark)
        self.x = self.cost_metrics[0] if self.cost_metrics else "params"
        self.current_run: Run | None = None
        self.background: PacedRun | None = None
        self.plot: LiveParetoPlot | None = None
        self.n_feasible: int | None = None
        self._progress_throttle = Throttle(0.1)
        self._unsubscribe: list[Any] = []
        self._syncing = False
        self._values = {m: self.benchmark.metric_array(m, dataset=self.dataset, over="space")
                        for m in self.cost_metrics}
        names = strategy_names()
        self.strategy_input = widgets.Dropdown(options=names, value=strategy if strategy in names else names[0],
                                               description="strategy")
        self.seed_input = widgets.IntText(value=0, description="seed")
        self.budget_input = widgets.IntText(value=budget, description="evaluations")
        self.budget_input.add_class("nbk-budget")
        self.pace_input = widgets.FloatSlider(value=min(max(float(pace), 0.0), MAX_PACE), min=0.0, max=MAX_PACE,
                                              step=0.005, description="s / trial", readout_format=".3f")
        self.pace_input.add_class("nbk-pace")
        self.sliders: dict[str, widgets.FloatRangeSlider] = {}
        self.bounds: dict[str, tuple[widgets.FloatText, widgets.FloatText]] = {}
        rows = []
        for metric in self.cost_metrics:
            slider, low_box, high_box = self._constraint_row(metric)
            self.sliders[metric], self.bounds[metric] = slider, (low_box, high_box)
            rows.append(widgets.HBox([slider, low_box, high_box]))
        self.feasible_label = widgets.HTML()
        self.feasible_label.add_class("nbk-feasible")
        self.run_button = widgets.Button(description="Run", button_style="success", icon="play")
        self.run_button.add_class("nbk-run")
        self.stop_button = widgets.Button(description="Stop", button_style="danger", icon="stop", disabled=True)
        self.stop_button.add_class("nbk-stop")
        self.progress = widgets.IntProgress(value=0, min=0, max=max(budget, 1), description="progress")
        self.progress.add_class("nbk-progress")
        self.count_label = widgets.HTML(value="0 evaluations")
        self.count_label.add_class("nbk-count")
        self.status = widgets.HTML(value="ready")
        self.status.add_class("nbk-status")
        self.plot_box = widgets.VBox()
        self.plot_box.add_class("nbk-plot")
        self.run_button.on_click(self._on_run_clicked)
        self.stop_button.on_click(self._on_stop_clicked)
        self._on_constraints_changed()
        super().__init__(children=[
            widgets.HBox([self.strategy_input, self.seed_input, self.budget_input]),
            *rows, self.feasible_label, self.pace_input,
            widgets.HBox([self.run_button, self.stop_button, self.progress, self.count_label]),
            self.status, self.plot_box,
        ])
        self.add_class("nbk-search-panel")

    def __repr__(self) -> str:  # short and deterministic (a notebook's text output)
        return (f"SearchPanel(benchmark={getattr(self.benchmark, 'name', '?')!r}, "
                f"strategy={self.strategy_input.value!r}, x={self.x!r}, y={self.y!r})")

    # --- constraints ----------------------------------------------------------------------
    def _constraint_row(self, metric: str) -> tuple[widgets.FloatRangeSlider, widgets.FloatText, widgets.FloatText]:
        values = self._values[metric]
        low, high = float(np.nanmin(values)), float(np.nanmax(values))  # free metrics: every cell has one
        slider = widgets.FloatRangeSlider(value=(low, high), min=low, max=high, step=(high - low) / 500 or 1.0,
                                          description=metric, readout_format=".4g", continuous_update=True,
                                          layout=widgets.Layout(width="520px"),
                                          style={"description_width": "120px"})
        low_box = widgets.FloatText(value=low, description="min", layout=widgets.Layout(width="150px"),
                                    style={"description_width": "30px"})
        high_box = widgets.FloatText(value=high, description="max", layout=widgets.Layout(width="150px"),
                                     style={"description_width": "30px"})
        low_box.add_class(f"nbk-min-{metric}")
        high_box.add_class(f"nbk-max-{metric}")
        slider.observe(lambda change, m=metric: self._on_slider(m, change), names="value")
        low_box.observe(lambda change, m=metric: self._on_box(m), names="value")
        high_box.observe(lambda change, m=metric: self._on_box(m), names="value")
        return slider, low_box, high_box

    @contextlib.contextmanager
    def _sync(self) -> Iterator[None]:
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def _on_slider(self, metric: str, change: Any) -> None:
        if self._syncing:
            return
        low_box, high_box = self.bounds[metric]
        with self._sync():
            low_box.value, high_box.value = change.new
        self._on_constraints_changed()

    def _on_box(self, metric: str) -> None:
        if self._syncing:
            return
        low, high = (box.value for box in self.bounds[metric])
        slider = self.sliders[metric]
        if low <= high:  # the slider shows what it can of the range; the boxes keep the exact values
            clamp = lambda v: min(max(v, slider.min), slider.max)  # noqa: E731
            with self._sync():
                slider.value = (clamp(low), clamp(high))
        self._on_constraints_changed()

    def set_limit(self, metric: str, *, at_most: float | None = None, at_least: float | None = None) -> None:
        """Set the ``max`` (and/or ``min``) box of ``metric``, as a person typing them would.

        Raises:
            ArgumentError: ``metric`` has no constraint in this panel.
        """
        if metric not in self.bounds:
            raise ArgumentError(f"no constraint on {metric!r} in this panel; use one of {list(self.bounds)}")
        low_box, high_box = self.bounds[metric]
        if at_least is not None:
            low_box.value = float(at_least)
        if at_most is not None:
            high_box.value = float(at_most)

    def constraints(self) -> list[Constraint]:
        """The constraints the boxes set (a bound at or beyond the end of the space's range
        sets none).

        Raises:
            ArgumentError: a ``min`` above its ``max``, or a bound that is not finite.
        """
        out = []
        for metric, (low_box, high_box) in self.bounds.items():
            slider = self.sliders[metric]
            low, high, tolerance = float(low_box.value), float(high_box.value), slider.step / 2
            if not (math.isfinite(low) and math.isfinite(high)):
                raise ArgumentError(f"{metric}: min and max must be numbers, got {low} and {high}")
            at_least = low if low > slider.min + tolerance else None  # at the range's end: no limit
            at_most = high if high < slider.max - tolerance else None
            if at_least is not None and at_most is not None and at_least > at_most:
                raise ArgumentError(f"{metric}: min {_fmt(low)} is above max {_fmt(high)}; "
                                    f"set min at most max")
            if at_least is not None or at_most is not None:
                out.append(Constraint(metric, at_most=at_most, at_least=at_least))
        return out

    def infeasible_hint(self, constraints: list[Constraint]) -> str:
        """For constraints no cell meets: the tightest limit of each one that would admit a
        cell, the other constraints kept (empty if the others alone admit none)."""
        read = {"dataset": self.dataset, "over": "space"}
        values = [self.benchmark.metric_array(c.metric, **read) for c in constraints]
        masks = [c.satisfied_many(v) for c, v in zip(constraints, values)]
        hints = []
        for i, (c, v) in enumerate(zip(constraints, values)):
            others = np.isfinite(v)
            for j, mask in enumerate(masks):
                if j != i:
                    others &= mask
            candidates = v[others]
            if not candidates.size:
                continue
            if c.at_most is not None and c.at_least is None:
                hints.append(f"{c.metric} <= {_fmt(_round_away(float(candidates.min()), up=True))}")
            elif c.at_least is not None and c.at_most is None:
                hints.append(f"{c.metric} >= {_fmt(_round_away(float(candidates.max()), up=False))}")
            else:  # an interval in a gap: the nearest cells on either side
                below, above, sides = candidates[candidates < c.at_least], candidates[candidates > c.at_most], []
                if below.size:
                    sides.append(f"{c.metric} >= {_fmt(_round_away(float(below.max()), up=False))}")
                if above.size:
                    sides.append(f"{c.metric} <= {_fmt(_round_away(float(above.min()), up=True))}")
                hints.append(" or ".join(sides))
        if not hints:
            return ""
        keep = " (keeping the other limits)" if len(constraints) > 1 else ""
        return "tightest feasible limit" + keep + ": " + "; ".join(hints)

    def _infeasible_message(self, constraints: list[Constraint]) -> str:
        limits = " and ".join(str(c) for c in constraints)
        hint = self.infeasible_hint(constraints)
        return f"no cell of the space satisfies {limits}" + (f"; {hint}" if hint else "; loosen a constraint")

    def _on_constraints_changed(self, _change: Any = None) -> None:
        try:
            constraints = self.constraints()
            count = feasible_count(self.benchmark, constraints, dataset=self.dataset)
        except NasKitError as error:
            self.n_feasible = None
            self.feasible_label.value = self._coloured(str(error))
            return
        self.n_feasible = count
        total = len(self.benchmark.space)
        text = f"{count:,} feasible cells of {total:,}"
        if count == 0:
            self.feasible_label.value = self._coloured(f"{text}: {self._infeasible_message(constraints)}")
        else:
            self.feasible_label.value = text

    # --- run / stop -----------------------------------------------------------------------
    def _build_run(self) -> Run:
        evaluations = self.budget_input.value
        if not isinstance(evaluations, int) or evaluations < 1:
            raise ArgumentError(f"the budget must be at least 1 evaluation, got {evaluations!r}: "
                                f"set 'evaluations' to how many architectures the search may train")
        budget = Budget(queries=evaluations)
        constraints = self.constraints()
        if constraints and feasible_count(self.benchmark, constraints, dataset=self.dataset) == 0:
            raise ArgumentError(self._infeasible_message(constraints))
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
        except Exception as error:  # noqa: BLE001 - a status line, never a traceback in the page
            self._say(f"cannot start: {type(error).__name__}: {error}", warn=True)
            return
        self._follow(run)
        self.run_button.disabled, self.stop_button.disabled = True, False
        self._say(f"running {run.strategy.name} (seed {run.seed}) for {run.budget.queries} evaluations...")
        self.background = PacedRun(run, pace=lambda: self.pace_input.value, on_done=self._on_done).start()

    def _follow(self, run: Run) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        if self.plot is not None:
            self.plot.detach()
        self.current_run = run
        self.plot = LiveParetoPlot(run, x=self.x, y=self.y)
        self.plot_box.children = (self.plot.fig,)
        self.progress.max, self.progress.value = run.budget.queries, 0
        self._show_count(run)
        self._unsubscribe = [run.on(TrialFinished, self._on_trial), run.on(RunFinished, self._on_finished)]

    def _show_count(self, run: Run) -> None:
        self.progress.value = run.n_evaluations
        self.count_label.value = f"{run.n_evaluations:,} evaluations, {run.n_trials:,} trials"

    def _on_trial(self, event: TrialFinished) -> None:  # run thread: cheap, throttled
        if self._progress_throttle.due():
            self._show_count(event.run)
            self._progress_throttle.mark()

    def _on_finished(self, event: RunFinished) -> None:
        self._show_count(event.run)

    def _on_done(self, background: BackgroundRun) -> None:
        run = background.run
        self.run_button.disabled, self.stop_button.disabled = False, True
        if self.plot is not None:
            self.plot.flush(force=True)
        if background.error is not None:
            self._say(f"the run failed: {type(background.error).__name__}: {background.error}", warn=True)
            return
        # from the incumbent row, not run.summary(): that builds the whole history frame,
        # which delayed the end of a stopped run by up to a second (bench/bench_widgets.py)
        best_row = run.incumbent
        best = "" if best_row is None else (
            f"; best {self.y} {best_row['search_value']:.4g} ({run.report_metric} "
            f"{best_row[run.report_metric]:.4g}): {best_row['arch']}")
        self._say(f"{run.finished_reason}: {run.n_evaluations} evaluations, {run.n_trials} trials{best}")

    def _on_stop_clicked(self, _button: Any = None) -> None:
        if self.background is None or not self.background.is_running:
            self._say("nothing to stop: no run is going")
            return
        # never wait here: the kernel must stay responsive; on_done writes the final status
        if not self.background.stop(timeout_seconds=0):
            self._say("stopping: the current step is finishing")

    # --- status ---------------------------------------------------------------------------
    @property
    def message(self) -> str:
        """The status line as plain text."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.status.value))

    @staticmethod
    def _coloured(text: str) -> str:
        return f'<span style="color:{_WARN}">{html.escape(text)}</span>'

    def _say(self, text: str, *, warn: bool = False) -> None:
        self.status.value = self._coloured(text) if warn else html.escape(text)
