"""``OneShotPanel``: watch a one-shot search (DARTS, GDAS, SPOS, RSPS, ENAS) train, live.

Left, a heat map of the method's probability of each op on each edge (alpha's softmax for
DARTS / GDAS, the controller's for ENAS, uniform sampling for SPOS / RSPS); right, the
table accuracy of the cell the method would derive after every epoch, with the
skip_connect weight (DARTS's collapse shows as that line rising). The panel subscribes to
the search's ``epoch_finished`` / ``search_finished`` events only; the search runs in a
background thread, so the kernel stays free, and Stop ends it after the current minibatch.

>>> panel = OneShotPanel("darts", preset="tiny")   # doctest: +SKIP
>>> panel.start(); panel.wait()                    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nasbench_kit.oneshot import METHODS, PRESETS, make_search
from nasbench_kit.oneshot.base import distribution_columns
from nasbench_kit.spaces.nb201 import EDGES, OPS

from .live import BatchedRedraw
from .runner import BackgroundThread
from .status import say

__all__ = ["OneShotPanel", "oneshot_figure", "BackgroundSearch"]

_EDGE_LABELS = [f"{t}<-{s}" for t, s in EDGES]


def oneshot_figure(rows: Sequence[Mapping[str, Any]] = (), *, title: str = "") -> go.Figure:
    """The panel's figure for trajectory ``rows`` (dicts or a DataFrame's records).

    Traces: 0 the heat map of the last row's op probabilities (edges x ops), 1 the table
    test accuracy of each epoch's derived cell, 2 the mean skip_connect weight.

    Example:
        >>> fig = oneshot_figure()
        >>> [t.type for t in fig.data], fig.data[0].z.shape
        (['heatmap', 'scatter', 'scatter'], (6, 5))
    """
    fig = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], specs=[[{}, {"secondary_y": True}]],
                        subplot_titles=("probability of each op per edge", "derived cell, per epoch"))
    fig.add_trace(go.Heatmap(z=np.full((len(EDGES), len(OPS)), 1 / len(OPS)), x=list(OPS), y=_EDGE_LABELS,
                             zmin=0, zmax=1, colorscale="Viridis", colorbar={"x": 0.42, "len": 0.9},
                             hovertemplate="edge %{y}, %{x}: %{z:.3f}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name="table test acc of the derived cell"),
                  row=1, col=2)
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name="skip_connect weight", line={"dash": "dot"}),
                  row=1, col=2, secondary_y=True)
    fig.update_xaxes(title_text="epoch", row=1, col=2)
    fig.update_yaxes(title_text="test accuracy (%)", row=1, col=2, secondary_y=False)
    fig.update_yaxes(title_text="skip weight", range=[0, 1], row=1, col=2, secondary_y=True)
    fig.update_layout(height=340, margin={"t": 50, "l": 60, "r": 20, "b": 40}, title=title,
                      legend={"orientation": "h", "y": -0.25})
    if rows:
        _show(fig, list(rows))
    return fig


def _show(fig: Any, rows: list[Mapping[str, Any]]) -> None:
    last = rows[-1]
    fig.data[0].z = np.array([last[c] for c in distribution_columns()]).reshape(len(EDGES), len(OPS))
    epochs = [r["epoch"] for r in rows]
    fig.data[1].x, fig.data[1].y = epochs, [r["table_test_acc"] for r in rows]
    fig.data[2].x, fig.data[2].y = epochs, [r["skip_weight"] for r in rows]


class BackgroundSearch(BackgroundThread):
    """Runs ``search.run()`` in a daemon thread; :attr:`result` holds what it returned."""

    _thread_name = "nasbench-kit-oneshot"

    def __init__(self, search: Any, **options: Any) -> None:
        super().__init__(**options)
        self.search = search
        self.result: Any = None

    def _work(self) -> None:
        self.result = self.search.run()

    def stop(self, timeout_seconds: float = 2.0) -> bool:
        """Ask the search to stop after its current minibatch; True if it ended in time."""
        self.search.stop()
        return self.wait(timeout_seconds)


class OneShotPanel(widgets.VBox):
    """Choose a method, preset and seed; Start trains it in the background; watch; Stop.

    Args:
        method: the method shown first (``darts``, ``gdas``, ``spos``, ``rsps``, ``enas``).
        preset: ``tiny``, ``fast`` or ``full``.
        seed: the search's seed.
        benchmark: the table judging derived cells (default: the shipped one).
        min_interval_seconds: at most one redraw per this many seconds.
        **settings: setting overrides passed to every search (``epochs=3``, ...).

    Attributes:
        figure: the ``FigureWidget``; rows: the trajectory rows drawn so far;
        background: the :class:`BackgroundSearch` of the last Start, or None.
    """

    def __init__(self, method: str = "darts", *, preset: str = "fast", seed: int = 0, benchmark: Any = None,
                 min_interval_seconds: float = 0.2, **settings: Any) -> None:
        self.method = widgets.Dropdown(options=list(METHODS), value=method, description="method")
        self.preset = widgets.Dropdown(options=list(PRESETS), value=preset, description="preset")
        self.seed = widgets.BoundedIntText(value=seed, min=0, max=10**6, description="seed")
        self.start_button = widgets.Button(description="Start", button_style="success", icon="play")
        self.stop_button = widgets.Button(description="Stop", icon="stop", disabled=True)
        self.status = widgets.HTML()
        self.cell = widgets.HTML()
        self.figure = go.FigureWidget(oneshot_figure())
        self.rows: list[dict[str, Any]] = []
        self.background: BackgroundSearch | None = None
        self._benchmark, self._settings = benchmark, settings
        self._feed = BatchedRedraw(self._draw, min_interval_seconds)
        self.start_button.on_click(lambda _button: self.start())
        self.stop_button.on_click(lambda _button: self.stop())
        say(self.status, "ready: choose a method and press Start")
        controls = widgets.HBox([self.method, self.preset, self.seed, self.start_button, self.stop_button])
        super().__init__([controls, self.status, self.figure, self.cell])

    def start(self) -> None:
        """Build the chosen search and run it in the background (the panel shows it live)."""
        if self.background is not None and self.background.is_running:
            say(self.status, "a search is running; Stop it first", warn=True)
            return
        try:
            search = make_search(self.method.value, preset=self.preset.value, seed=int(self.seed.value),
                                 benchmark=self._benchmark, **self._settings)
        except Exception as error:  # a kit error is the user's to read, as one line
            say(self.status, str(error), warn=True)
            return
        self.rows = []
        self._feed.queue.clear()
        with self.figure.batch_update():
            _show(self.figure, [{"epoch": 0, "table_test_acc": None, "skip_weight": None,
                                 **dict.fromkeys(distribution_columns(), 1 / len(OPS))}])
        search.on("epoch_finished", lambda event: self._feed.push(event.row))
        search.on("search_finished", lambda event: self._feed.flush(force=True))
        self.background = BackgroundSearch(search, on_done=self._done)
        self.start_button.disabled, self.stop_button.disabled = True, False
        say(self.status, f"training {self.method.value} ({self.preset.value}, seed {self.seed.value}) ...")
        self.background.start()

    def stop(self, timeout_seconds: float = 2.0) -> bool:
        """Stop the running search after its current minibatch; True if it ended in time."""
        return True if self.background is None else self.background.stop(timeout_seconds)

    def wait(self, timeout_seconds: float | None = None) -> bool:
        """Block until the search ends (tests, scripts); True if it ended."""
        return True if self.background is None else self.background.wait(timeout_seconds)

    def _draw(self, rows: list[dict[str, Any]]) -> None:
        self.rows.extend(rows)
        with self.figure.batch_update():
            _show(self.figure, self.rows)
        last = self.rows[-1]
        self.cell.value = (f"epoch {last['epoch']}: derived cell <code>{last['derived']}</code>, "
                           f"table test accuracy {last['table_test_acc']:.2f} %")

    def _done(self, background: BackgroundSearch) -> None:
        self._feed.flush(force=True)
        self.start_button.disabled, self.stop_button.disabled = False, True
        if background.error is not None:
            say(self.status, f"the search failed: {background.error}", warn=True)
            return
        result = background.result
        final = result.final
        say(self.status, f"{result.method} {result.reason} after {len(result.trajectory)} epoch(s): "
                         f"{result.derived} reaches {final.get('test_acc', float('nan')):.2f} % test accuracy in the "
                         f"table (regret {final.get('test_regret', float('nan')):.2f})")
