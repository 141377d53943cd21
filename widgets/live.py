"""``LiveParetoPlot``: a run's evaluated architectures drawn over the whole space, live.

The figure is a plotly ``FigureWidget`` (needs ``anywidget``) with, bottom to top:

* every cell of the space as a grey cloud (``scattergl``: 15,625 points stay fluid);
* the true Pareto front of the benchmark (within the run's constraints) as a step line;
* the evaluated trials, coloured by trial order;
* the front of the evaluated feasible trials so far, highlighted;
* the region the run's constraints on ``x`` forbid, shaded.

The run publishes ``TrialFinished`` in its own thread; the callback only queues the row's
numbers. :meth:`LiveParetoPlot.flush` redraws from the queue inside ``fig.batch_update()``
at most once per ``min_interval_seconds`` (about 10 redraws a second), and the run's
``RunFinished`` forces a last redraw so the final state is always complete.

:meth:`LiveParetoPlot.on_click` calls back with the official string of a clicked point
(a cell of the cloud, a trial or a point of the front found), e.g. to open it in an
:class:`~widgets.arch_view.ArchitectureView`.

>>> plot = LiveParetoPlot(run, x="latency_ms_cpu1t", y="valid_acc")   # doctest: +SKIP
>>> plot.fig                                                          # doctest: +SKIP
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go

from nasbench_kit.analysis import space_points
from nasbench_kit.benchmarks.record import CURVE_METRICS
from nasbench_kit.errors import ArgumentError
from nasbench_kit.objectives import Objective
from nasbench_kit.pareto import non_dominated_mask
from nasbench_kit.run import RunFinished, TrialFinished

__all__ = ["BatchedRedraw", "LiveParetoPlot", "Throttle"]

#: Trace positions in ``fig.data``.
CLOUD, TRUE_FRONT, TRIALS, FOUND_FRONT = range(4)


class Throttle:
    """Says when at most one action per ``min_interval_seconds`` is due (thread-safe).

    Example:
        >>> ticks = iter([0.0, 0.0, 0.05, 0.12])  # seconds the clock reads, call by call
        >>> throttle = Throttle(0.1, clock=lambda: next(ticks))
        >>> throttle.due()
        True
        >>> throttle.mark()
        >>> throttle.due(), throttle.due()
        (False, True)
    """

    def __init__(self, min_interval_seconds: float = 0.1, *, clock: Callable[[], float] = time.monotonic) -> None:
        if not (isinstance(min_interval_seconds, (int, float)) and min_interval_seconds >= 0):
            raise ArgumentError(f"min_interval_seconds must be a number >= 0, got {min_interval_seconds!r}")
        self.min_interval_seconds = float(min_interval_seconds)
        self._clock = clock
        self._last = -math.inf
        self._timer: threading.Timer | None = None
        self._timer_lock = threading.Lock()
        self._firing = 0  # deferred actions running now

    def due(self) -> bool:
        """True if the last :meth:`mark` was at least ``min_interval_seconds`` ago."""
        return self._clock() - self._last >= self.min_interval_seconds

    def mark(self) -> None:
        """Record that the action happened now."""
        self._last = self._clock()

    def defer(self, action: Callable[[], object]) -> None:
        """Run ``action`` once the interval has passed (on a timer thread), unless a
        deferred action is pending already: the trailing call that draws the end of a
        burst, e.g. the 9 trials a model-based strategy proposes after each model fit."""
        with self._timer_lock:
            if self._timer is not None:
                return
            delay = min(self.min_interval_seconds, max(0.0, self.min_interval_seconds - (self._clock() - self._last)))
            self._timer = threading.Timer(delay, self._fire, args=(action,))
            self._timer.daemon = True
            self._timer.start()

    def now_or_later(self, action: Callable[[], object]) -> None:
        """Run ``action`` now if due, else :meth:`defer` it: every event gets drawn, at
        most one action per interval."""
        if self.due():
            action()
        else:
            self.defer(action)

    def _fire(self, action: Callable[[], object]) -> None:
        with self._timer_lock:
            self._timer = None  # from here on a new item schedules a new deferred action
            self._firing += 1
        try:
            action()
        finally:
            with self._timer_lock:
                self._firing -= 1

    @property
    def pending(self) -> bool:
        """Whether a deferred action waits for its timer or is running."""
        return self._timer is not None or self._firing > 0

    def cancel(self) -> None:
        """Drop a pending deferred action."""
        with self._timer_lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


class BatchedRedraw:
    """Items queued by run threads and drawn in batches; the one redraw policy of the live plots.

    At most one redraw per ``min_interval_seconds`` (a trailing timer draws the end of a
    burst), and a forced flush, as at the end of a run, waits for a redraw another thread
    has in progress, so once it returns the figure shows every item queued before it.

    Args:
        draw: called with the items taken from the queue, in order, while the redraw lock
            is held; it records them and redraws the figure.
        min_interval_seconds, clock: see :class:`Throttle`.

    Attributes:
        queue: the items waiting (a ``deque``: appends from any thread are safe).
        lock: held while drawing (also for reading what was drawn from another thread).
        throttle: the :class:`Throttle`; redraws: how many times ``draw`` was called.

    Example:
        >>> drawn = []
        >>> feed = BatchedRedraw(drawn.append, 1e9)
        >>> feed.push(1); feed.push(2)   # the first is due at once, the second waits
        >>> feed.flush(force=True), drawn, feed.redraws
        (True, [[1], [2]], 2)
        >>> feed.detach()
    """

    def __init__(self, draw: Callable[[list[Any]], None], min_interval_seconds: float = 0.1, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._draw = draw
        self.throttle = Throttle(min_interval_seconds, clock=clock)
        self.queue: deque[Any] = deque()
        self.lock = threading.Lock()
        self.redraws = 0
        self._unsubscribe: list[Callable[[], None]] = []

    def push(self, item: Any) -> None:
        """Queue ``item`` (from a run thread) and redraw now or, throttled, a little later."""
        self.queue.append(item)
        self.throttle.now_or_later(self.flush)

    def flush(self, *, force: bool = False) -> bool:
        """Draw the queued items if the last redraw was ``min_interval_seconds`` ago (or
        ``force``); returns whether it drew."""
        if not force and (not self.queue or not self.throttle.due()):
            return False
        with self.lock:
            items = []
            while self.queue:
                items.append(self.queue.popleft())
            if not items:
                return False
            self._draw(items)
            self.throttle.mark()
            self.redraws += 1
        return True

    def follow(self, run: Any, on_trial: Callable[[TrialFinished], None]) -> None:
        """Call ``on_trial`` for each of ``run``'s finished trials, and force a last
        redraw when it finishes."""
        self._unsubscribe += [run.on(TrialFinished, on_trial),
                              run.on(RunFinished, lambda _event: self.flush(force=True))]

    def detach(self) -> None:
        """Stop following; what is queued is drawn, later trials are not."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        self.throttle.cancel()
        self.flush(force=True)


def _readable_metrics(run: Any) -> set[str]:
    """Metrics a history row holds: objectives, free costs and the report metric."""
    free = {m for m in run.benchmark.metrics if m not in CURVE_METRICS}
    return free | {o.metric for o in run.objectives} | {run.report_metric}


class LiveParetoPlot:
    """A live scatter of a run's trials over the whole space (see the module docstring).

    Args:
        run: the :class:`~nasbench_kit.run.Run` to follow (a tabular benchmark of an
            enumerable space, e.g. NB201).
        x, y: metrics on the axes (``x`` a cost, ``y`` the search metric by default).
        maximize: whether ``x`` and ``y`` are maximized, for both fronts (default: minimize
            the cost, maximize accuracy).
        min_interval_seconds: the throttle: at most one redraw per this many seconds.
        clock: monotonic seconds (injectable for tests).

    Raises:
        ArgumentError: ``x`` or ``y`` is not a metric the run records for each trial.

    Attributes:
        fig: the ``go.FigureWidget``; ``redraws``: how many times it was redrawn.
    """

    def __init__(self, run: Any, x: str = "latency_ms_cpu1t", y: str = "valid_acc", *,
                 maximize: tuple[bool, bool] = (False, True), min_interval_seconds: float = 0.1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        readable = _readable_metrics(run)
        for axis, metric in (("x", x), ("y", y)):
            if metric not in readable:
                raise ArgumentError(f"{axis}={metric!r} is not recorded for each trial; use one of {sorted(readable)}")
        self.run, self.x, self.y, self.maximize = run, x, y, tuple(bool(m) for m in maximize)
        self._feed = BatchedRedraw(self._take, min_interval_seconds, clock=clock)
        self._trials: list[int] = []
        self._xs: list[float] = []
        self._ys: list[float] = []
        self._feasible: list[bool] = []
        self._archs: list[str] = []
        self._front_archs: list[str] = []
        self._click_callbacks: list[Callable[[str], None]] = []
        self.fig = self._build_figure()
        for row in run.history.to_dict("records"):  # a run that already has trials
            self._feed.queue.append(self._item(row))
        self.flush(force=True)
        self._feed.follow(run, lambda event: self._feed.push(self._item(event.row)))

    # --- figure ---------------------------------------------------------------------------
    def _build_figure(self) -> go.FigureWidget:
        run, x, y = self.run, self.x, self.y
        read = {"dataset": run.dataset, "schedule": run.schedule}
        cloud = space_points(run.benchmark, x, y, epoch=run.search_epoch, **read)
        objectives = [Objective(x, maximize=self.maximize[0]), Objective(y, maximize=self.maximize[1])]
        front = run.benchmark.true_front(objectives, epoch=run.search_epoch, constraints=run.constraints, **read)
        front = front.sort_values(x, kind="stable")
        fig = go.FigureWidget()
        fig.add_trace(go.Scattergl(
            x=cloud[x].to_numpy(), y=cloud[y].to_numpy(), mode="markers", name="space",
            marker={"color": "rgba(150,150,150,0.25)", "size": 3}, customdata=cloud["arch_index"].to_numpy(),
            hovertemplate="cell %{customdata}<br>" + x + "=%{x}<br>" + y + "=%{y}<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=front[x].to_numpy(), y=front[y].to_numpy(), mode="lines", name="true front",
            line={"color": "#000000", "width": 1.5, "shape": "hv"}, hoverinfo="skip"))
        fig.add_trace(go.Scattergl(
            x=[], y=[], mode="markers", name="evaluated",
            marker={"color": [], "colorscale": "Viridis", "size": 7, "colorbar": {"title": "trial", "x": 1.02},
                    "line": {"width": 0}},
            hovertemplate="trial %{marker.color}<br>" + x + "=%{x}<br>" + y + "=%{y}<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=[], y=[], mode="lines+markers", name="front found",
            line={"color": "#D55E00", "width": 2, "shape": "hv"},
            marker={"symbol": "circle-open", "size": 12, "color": "#D55E00", "line": {"width": 2}}))
        self._shade_infeasible(fig, cloud[x].to_numpy())
        fig.update_layout(template="plotly_white", xaxis_title=x, yaxis_title=y,
                          title=f"{run.strategy.name} on {getattr(run.benchmark, 'name', '?')}",
                          legend={"orientation": "h", "y": -0.15}, margin={"t": 50, "r": 20})
        return fig

    def _shade_infeasible(self, fig: go.FigureWidget, xs: np.ndarray) -> None:
        finite = xs[np.isfinite(xs)]
        if not finite.size:
            return
        low, high = float(finite.min()), float(finite.max())
        pad = 0.02 * (high - low or 1.0)
        style = {"fillcolor": "rgba(213,94,0,0.12)", "line_width": 0, "layer": "below"}
        for c in self.run.constraints:
            if c.metric != self.x:
                continue
            if c.at_most is not None and c.at_most < high:
                fig.add_vrect(x0=c.at_most, x1=high + pad, annotation_text="infeasible", **style)
            if c.at_least is not None and c.at_least > low:
                fig.add_vrect(x0=low - pad, x1=c.at_least, annotation_text="infeasible", **style)

    # --- events (run thread) ------------------------------------------------------------
    def _item(self, row: Any) -> tuple[int, float, float, bool, str]:
        return (int(row["trial"]), float(row.get(self.x, math.nan)), float(row.get(self.y, math.nan)),
                bool(row["feasible"]), str(row["arch"]))

    # --- drawing --------------------------------------------------------------------------
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

    def _take(self, items: list[tuple[int, float, float, bool, str]]) -> None:
        for trial, xv, yv, ok, arch in items:
            self._archs.append(arch)
            self._trials.append(trial)
            self._xs.append(xv)
            self._ys.append(yv)
            self._feasible.append(ok)
        self._redraw()

    def _found_front(self) -> tuple[np.ndarray, np.ndarray]:
        points = np.column_stack([self._xs, self._ys]).astype(np.float64)
        ok = np.asarray(self._feasible) & np.isfinite(points).all(axis=1)
        rows = np.flatnonzero(ok)
        if not len(rows):
            self._front_archs = []
            return np.empty(0), np.empty(0)
        rows = rows[non_dominated_mask(points[rows], maximize=list(self.maximize))]
        rows = rows[np.argsort(points[rows, 0], kind="stable")]
        self._front_archs = [self._archs[i] for i in rows]
        return points[rows, 0], points[rows, 1]

    def _redraw(self) -> None:
        front_x, front_y = self._found_front()
        trials = np.asarray(self._trials)
        with self.fig.batch_update():
            evaluated = self.fig.data[TRIALS]
            evaluated.x, evaluated.y = np.asarray(self._xs), np.asarray(self._ys)
            evaluated.marker.color = trials
            evaluated.marker.cmin, evaluated.marker.cmax = 0, max(int(trials.max()), 1)
            found = self.fig.data[FOUND_FRONT]
            found.x, found.y = front_x, front_y

    # --- clicks ----------------------------------------------------------------------------
    def on_click(self, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call ``callback(arch)`` with the official string of a clicked point (a cell of
        the cloud, a trial, or a point of the front found); returns an unsubscribe function.

        Example:
            >>> view = ArchitectureView(run.benchmark)       # doctest: +SKIP
            >>> plot.on_click(view.show)                     # doctest: +SKIP
        """
        if not callable(callback):
            raise ArgumentError(f"callback must be callable, got {callback!r}")
        if not self._click_callbacks:
            for k in (CLOUD, TRIALS, FOUND_FRONT):
                self.fig.data[k].on_click(self._clicked, append=True)
        self._click_callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._click_callbacks:
                self._click_callbacks.remove(callback)

        return unsubscribe

    def arch_at(self, trace: int, point: int) -> str:
        """The official string of point ``point`` of trace ``trace`` (``CLOUD``, ``TRIALS``
        or ``FOUND_FRONT``).

        Raises:
            ArgumentError: a trace without architectures, or a point it does not have.
        """
        with self._feed.lock:
            if trace == CLOUD:
                cells = self.fig.data[CLOUD].customdata
                if 0 <= point < len(cells):
                    return str(self.run.space.cell_at(int(cells[point])))
            elif trace in (TRIALS, FOUND_FRONT):
                archs = self._archs if trace == TRIALS else self._front_archs
                if 0 <= point < len(archs):
                    return archs[point]
            else:
                raise ArgumentError(f"trace {trace!r} has no architectures; use CLOUD, TRIALS or FOUND_FRONT")
        raise ArgumentError(f"trace {trace} has no point {point!r}")

    def _clicked(self, trace: Any, points: Any, _state: Any = None) -> None:
        if not points.point_inds:
            return
        index = next(k for k, t in enumerate(self.fig.data) if t is trace)
        arch = self.arch_at(index, int(points.point_inds[0]))
        for callback in list(self._click_callbacks):
            callback(arch)

    @property
    def n_points(self) -> int:
        """Trials drawn so far (queued ones not included)."""
        return len(self._trials)

    def detach(self) -> None:
        """Stop following the run; trials already queued are drawn, later ones are not."""
        self._feed.detach()
