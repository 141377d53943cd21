"""Incumbent / regret curves over simulated time, with mean and 95 % band over seeds.

* :func:`incumbent_figure`: a static figure of a ``compare`` frame (for reports and
  ``fig.write_html``).
* :class:`IncumbentPlot`: the same curves drawn live from one or more running
  :class:`~nasbench_kit.run.Run` objects. Runs with the same label (by default the
  strategy's name) are the seeds of one band. The runs' ``TrialFinished`` callbacks only
  queue numbers; the figure is redrawn in place inside ``fig.batch_update()`` at most once
  per ``min_interval_seconds``, and ``RunFinished`` forces a last redraw.

The numbers come from :func:`nasbench_kit.analysis.incumbent_bands`; this module only draws.

>>> fig = incumbent_figure(compare(["random", "rea"], bench, seeds=range(10), budget=budget))  # doctest: +SKIP
>>> fig.write_html("regret.html")                                                             # doctest: +SKIP
>>> IncumbentPlot([run_a, run_b])                                                             # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from nasbench_kit.analysis import incumbent_bands
from nasbench_kit.compare import optimum
from nasbench_kit.errors import ArgumentError, NasKitError, UnknownNameError
from nasbench_kit.run import Run, TrialFinished

from .live import BatchedRedraw
from .plots import PALETTE, _rgba
from .status import say

__all__ = ["incumbent_figure", "IncumbentPlot", "LIVE_VALUES"]

#: What a live plot can show: regret against the benchmark's best, or the incumbent itself.
LIVE_VALUES = ("regret", "incumbent")

_TITLES = {"regret": "regret of the incumbent (report metric, points)",
           "incumbent": "report metric of the incumbent"}


def _add_strategy_traces(fig: go.Figure, label: str, colour: str) -> None:
    """Two traces per strategy: the band (a closed polygon) under the mean line."""
    fig.add_trace(go.Scatter(x=[], y=[], fill="toself", fillcolor=_rgba(colour, 0.18), line={"width": 0},
                             hoverinfo="skip", showlegend=False, legendgroup=label, name=f"{label} band"))
    fig.add_trace(go.Scatter(x=[], y=[], name=label, mode="lines", line={"color": colour, "width": 2, "shape": "hv"},
                             legendgroup=label))


def _band_xy(part: pd.DataFrame, x: str) -> tuple[np.ndarray, np.ndarray]:
    """The band polygon of one strategy, drawn as steps like the mean (NaN points left out)."""
    part = part[np.isfinite(part["low"].to_numpy(np.float64))]
    xs, low, high = (part[c].to_numpy(np.float64) for c in (x, "low", "high"))
    if not len(xs):
        return np.empty(0), np.empty(0)
    step_x = np.repeat(xs, 2)[1:]  # hv steps: (x0, x1, x1, x2, x2, ...)
    step_high, step_low = np.repeat(high, 2)[:-1], np.repeat(low, 2)[:-1]
    return np.concatenate([step_x, step_x[::-1]]), np.concatenate([step_high, step_low[::-1]])


def _fill_strategy_traces(band: Any, mean: Any, part: pd.DataFrame, x: str) -> None:
    band.x, band.y = _band_xy(part, x)
    mean.x, mean.y = part[x].to_numpy(np.float64), part["mean"].to_numpy(np.float64)
    mean.customdata = part["n"].to_numpy(np.int64)
    mean.hovertemplate = "%{y:.4g} (mean of %{customdata} runs)<extra>" + mean.name + "</extra>"


def _layout(fig: go.Figure, value: str, x: str, title: str) -> None:
    fig.update_layout(title=title, template="plotly_white", hovermode="x unified",
                      xaxis_title="simulated seconds" if x == "time" else x, yaxis_title=_TITLES.get(value, value),
                      legend={"orientation": "h", "y": -0.2}, margin={"t": 50, "r": 20})


def incumbent_figure(frame: pd.DataFrame, value: str = "regret", *, x: str = "time", confidence: float = 0.95,
                     max_points: int = 400, title: str | None = None) -> go.Figure:
    """Mean ``value`` per strategy over simulated time with its ``confidence`` band over seeds.

    Args:
        frame: a tidy trace frame: :func:`nasbench_kit.compare.compare`'s result, or
            :func:`nasbench_kit.analysis.history_trace` frames stacked.
        value: ``"regret"``, ``"incumbent"``, ... (see :data:`nasbench_kit.analysis.TRACE_VALUES`).
        x: the time axis column (``"time"``: simulated seconds; or ``"evaluations"``).
        confidence, max_points: as in :func:`nasbench_kit.analysis.incumbent_bands`.

    Returns:
        A ``go.Figure`` with two traces per strategy (band, then mean), in the frame's order.

    Raises:
        UnknownNameError: ``value`` is not in the frame. ArgumentError: an empty frame.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"strategy": "rea", "seed": [0, 0, 1], "time": [1.0, 2.0, 1.5],
        ...                       "regret": [3.0, 1.0, 2.0]})
        >>> incumbent_figure(frame).data[1].y.tolist()
        [3.0, 2.5, 1.5]
    """
    data = incumbent_bands(frame, value, x=x, max_points=max_points, confidence=confidence)
    fig = go.Figure()
    for k, (label, part) in enumerate(data.groupby("strategy", sort=False)):
        _add_strategy_traces(fig, str(label), PALETTE[k % len(PALETTE)])
        _fill_strategy_traces(fig.data[2 * k], fig.data[2 * k + 1], part, x)
    _layout(fig, value, x, title or f"{value} ({confidence:.0%} band over seeds)")
    return fig


class IncumbentPlot(widgets.VBox):
    """A live incumbent / regret curve of one or more runs (see the module docstring).

    Bad input (an unknown ``value``, no runs, something that is not a run, a benchmark
    without an optimum for the regret) is shown in :attr:`status`; nothing raises.

    Args:
        runs: a :class:`~nasbench_kit.run.Run` or a list of them; attach before they start
            so no trial is missed (trials already in a history are drawn at once).
        value: ``"regret"`` (best report value of the benchmark within the run's
            constraints, minus the incumbent's) or ``"incumbent"``.
        labels: one label per run (default: the strategy's name); runs sharing a label
            are the seeds of one band.
        confidence: band width (t-based, over the runs of a label).
        max_points: at most this many grid points per curve.
        min_interval_seconds: at most one redraw per this many seconds.
        clock: monotonic seconds (injectable for tests).

    Attributes:
        fig: the ``go.FigureWidget`` (two traces per label: band, mean); status: the
            ``ipywidgets.HTML`` status line; redraws: how many times it was redrawn;
            labels: the distinct labels, in trace order.

    Example:
        >>> plot = IncumbentPlot(run)       # doctest: +SKIP
        >>> run.run(); plot.fig.data[1].y   # doctest: +SKIP
    """

    def __init__(self, runs: Run | Sequence[Run], value: str = "regret", *, labels: Sequence[str] | None = None,
                 confidence: float = 0.95, max_points: int = 400, min_interval_seconds: float = 0.1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.value, self.confidence, self.max_points = value, confidence, max_points
        self.status = widgets.HTML()
        self.fig = go.FigureWidget()
        self.runs: list[Run] = []
        self.labels: list[str] = []
        self._run_labels: list[str] = []
        self._optimum: list[float] = []
        self._times: list[list[float]] = []
        self._incumbents: list[list[float]] = []
        self._feed = BatchedRedraw(self._take, min_interval_seconds, clock=clock)
        super().__init__(children=[self.status, self.fig])
        try:
            self._setup(runs, labels)
        except NasKitError as error:
            say(self.status, f"cannot plot: {error}", warn=True)
            return
        self.flush(force=True)
        if not self.redraws:
            say(self.status, "waiting for the first trial...")

    # --- setup ------------------------------------------------------------------------------
    def _setup(self, runs: Run | Sequence[Run], labels: Sequence[str] | None) -> None:
        if self.value not in LIVE_VALUES:
            raise UnknownNameError(f"value {self.value!r} is unknown; use one of {LIVE_VALUES}")
        runs = [runs] if isinstance(runs, Run) else list(runs)
        if not runs:
            raise ArgumentError("no runs to follow: pass a Run or a list of Runs")
        bad = [r for r in runs if not isinstance(r, Run)]
        if bad:
            raise ArgumentError(f"runs must be nasbench_kit.run.Run objects, got {bad[0]!r}")
        labels = [r.strategy.name for r in runs] if labels is None else [str(label) for label in labels]
        if len(labels) != len(runs):
            raise ArgumentError(f"give one label per run: {len(labels)} labels for {len(runs)} runs")
        optima = [self._optimum_of(r) for r in runs] if self.value == "regret" else [np.nan] * len(runs)
        self.runs, self._run_labels, self._optimum = runs, labels, optima
        self.labels = list(dict.fromkeys(labels))
        for k, label in enumerate(self.labels):
            _add_strategy_traces(self.fig, label, PALETTE[k % len(PALETTE)])
        _layout(self.fig, self.value, "time", f"{self.value} over simulated time")
        for i, run in enumerate(runs):
            self._times.append([])
            self._incumbents.append([])
            if run.n_trials:  # a run that already has trials
                for t, v in zip(run.column("finish_seconds"), run.column("incumbent_report")):
                    self._feed.queue.append((i, float(t), float(v)))
            self._feed.follow(run, self._trial_callback(i))

    @staticmethod
    def _optimum_of(run: Run) -> float:
        """The best report value of the run's benchmark within its constraints (regret's zero)."""
        kwargs = {"dataset": run.dataset, "report_dataset": run.report_dataset, "constraints": run.constraints}
        return optimum(run.benchmark, kwargs, metric=run.report_metric)

    # --- events (run threads) ------------------------------------------------------------------
    def _trial_callback(self, i: int) -> Callable[[TrialFinished], None]:
        def on_trial(event: TrialFinished) -> None:
            row = event.row
            self._feed.push((i, float(row["finish_seconds"]), float(row["incumbent_report"])))

        return on_trial

    # --- drawing ---------------------------------------------------------------------------------
    @property
    def redraws(self) -> int:
        """How many times the figure was redrawn."""
        return self._feed.redraws

    def flush(self, *, force: bool = False) -> bool:
        """Redraw if trials are queued and the last redraw was ``min_interval_seconds`` ago
        (or ``force``); returns whether it redrew. A forced flush (the end of a run)
        also waits for a redraw another thread has in progress, so that once it returns
        the figure shows every trial."""
        return self._feed.flush(force=force)

    def _take(self, items: list[tuple[int, float, float]]) -> None:
        for i, t, v in items:
            self._times[i].append(t)
            self._incumbents[i].append(v)
        self._redraw()

    def trace_frame(self) -> pd.DataFrame:
        """The drawn trials as a tidy trace frame (``strategy, seed, time, incumbent,
        regret``; ``seed`` is the run's position), the input of the bands."""
        parts = []
        for i, label in enumerate(self._run_labels):
            incumbent = np.asarray(self._incumbents[i], dtype=np.float64)
            parts.append(pd.DataFrame({"strategy": label, "seed": i, "time": np.asarray(self._times[i], np.float64),
                                       "incumbent": incumbent, "regret": self._optimum[i] - incumbent}))
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def _redraw(self) -> None:
        try:
            data = incumbent_bands(self.trace_frame(), self.value, max_points=self.max_points,
                                   confidence=self.confidence)
        except NasKitError as error:
            say(self.status, f"cannot plot: {error}", warn=True)
            return
        parts = dict(tuple(data.groupby("strategy", sort=False)))
        with self.fig.batch_update():
            for k, label in enumerate(self.labels):
                part = parts.get(label, data.iloc[0:0])
                _fill_strategy_traces(self.fig.data[2 * k], self.fig.data[2 * k + 1], part, "time")
        n_trials = sum(len(t) for t in self._times)
        latest = max((t[-1] for t in self._times if t), default=0.0)
        say(self.status, f"{len(self.runs)} run(s), {n_trials:,} trials, {latest:,.0f} simulated seconds")

    @property
    def n_points(self) -> int:
        """Trials drawn so far, over all runs (queued ones not included)."""
        return sum(len(t) for t in self._times)

    def detach(self) -> None:
        """Stop following the runs; what is queued is drawn, later trials are not."""
        self._feed.detach()
