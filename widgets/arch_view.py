"""Architecture view: one NB201 cell drawn as a graph, its learning curve, metrics,
isomorphism class and neighbours (clickable, to walk the space one edit at a time).

* :func:`cell_figure` and :func:`curve_figure`: static figures (``fig.write_html``).
* :class:`ArchitectureView`: the panel; :meth:`ArchitectureView.show` takes a cell, its
  official string or its index, e.g. from a click on a
  :class:`~widgets.live.LiveParetoPlot` point (:meth:`ArchitectureView.follow`).

The numbers come from :mod:`nasbench_kit.analysis` (``cell_edges``, ``learning_curve``,
``arch_metrics``, ``isomorphs``, ``neighbor_table``); this module only draws.

>>> view = ArchitectureView(bench, 15624)   # doctest: +SKIP
>>> view.neighbor_buttons[0].click()   # doctest: +SKIP
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from nasbench_kit.analysis import arch_metrics, cell_edges, isomorphs, learning_curve, neighbor_table
from nasbench_kit.errors import NasKitError

from .plots import PALETTE
from .status import say

__all__ = ["cell_figure", "curve_figure", "cell_shapes", "ArchitectureView", "CURVE_TRACES"]

#: Traces of the learning-curve figure, in order.
CURVE_TRACES = ("train_acc", "valid_acc", "test_acc")

_SHORT = {"none": "none", "skip_connect": "skip", "nor_conv_1x1": "conv 1x1", "nor_conv_3x3": "conv 3x3",
          "avg_pool_3x3": "avg pool 3x3"}
_OP_COLOUR = {"none": "#999999", "skip_connect": PALETTE[0], "nor_conv_1x1": PALETTE[2], "nor_conv_3x3": PALETTE[3],
              "avg_pool_3x3": PALETTE[4]}
_NODE_RADIUS = 0.16


def _bend(source: int, target: int) -> float:
    """Height of an edge's arc: adjacent nodes are joined straight, longer edges arc
    above (from even sources) or below (odd sources), higher the further they reach."""
    span = target - source
    return 0.0 if span == 1 else 0.55 * (span - 1) * (1.0 if source % 2 == 0 else -1.0)


def _bezier(p0: tuple[float, float], c: tuple[float, float], p2: tuple[float, float], t: float) -> tuple[float, float]:
    """The point at ``t`` (0..1) of the quadratic curve from ``p0`` to ``p2`` pulled towards ``c``."""
    x, y = ((1 - t) ** 2 * a + 2 * (1 - t) * t * b + t**2 * d for a, b, d in zip(p0, c, p2))
    return x, y


def cell_shapes(edges: pd.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Plotly layout shapes and annotations that draw a cell (nodes on a line, 0 = input).

    Args:
        edges: the frame of :func:`nasbench_kit.analysis.cell_edges`.

    Returns:
        ``(shapes, annotations)``: one path shape per edge (named ``"edge 1<-0"``; ``none``
        edges dashed grey) then one circle per node (``"node 0"``, ...); annotations: one
        op label per edge (named like its edge), one arrowhead per edge, one label per node.

    Example:
        >>> from nasbench_kit.analysis import cell_edges
        >>> from nasbench_kit.spaces import NB201Space
        >>> shapes, notes = cell_shapes(cell_edges(NB201Space(), 0))
        >>> len(shapes), shapes[0]["line"]["dash"]
        (10, 'dash')
    """
    nodes = sorted(set(edges["source"]) | set(edges["target"]))
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for row in edges.itertuples(index=False):
        p0, p2 = (float(row.source), 0.0), (float(row.target), 0.0)
        bend = _bend(row.source, row.target)
        c = ((p0[0] + p2[0]) / 2, 2 * bend)  # the quadratic curve's apex is at height `bend`
        none = row.op == "none"
        colour = _OP_COLOUR.get(row.op, PALETTE[1])
        shapes.append({"type": "path", "name": f"edge {row.label}", "layer": "below",
                       "path": f"M {p0[0]},{p0[1]} Q {c[0]},{c[1]} {p2[0]},{p2[1]}",
                       "line": {"color": colour, "width": 1.5 if none else 3, "dash": "dash" if none else "solid"}})
        span = row.target - row.source
        tip_t = 1.0 - (_NODE_RADIUS + 0.04) / span  # stop at the target's circle (the arrow draws on top)
        tip, tail = _bezier(p0, c, p2, tip_t), _bezier(p0, c, p2, tip_t - 0.15 / span)
        annotations.append({"name": f"edge {row.label}", "x": c[0], "y": bend, "text": _SHORT.get(row.op, row.op),
                            "showarrow": False, "bgcolor": "white", "font": {"color": colour, "size": 12}})
        annotations.append({"name": f"arrow {row.label}", "x": tip[0], "y": tip[1], "ax": tail[0], "ay": tail[1],
                            "axref": "x", "ayref": "y", "text": "", "showarrow": True, "arrowhead": 2,
                            "arrowsize": 1.2, "arrowcolor": colour, "opacity": 0.5 if none else 1.0})
    last = max(nodes)
    for k in nodes:
        shapes.append({"type": "circle", "name": f"node {k}", "x0": k - _NODE_RADIUS, "x1": k + _NODE_RADIUS,
                       "y0": -_NODE_RADIUS, "y1": _NODE_RADIUS, "fillcolor": "white", "line": {"color": "#333333"}})
        label = f"{k}<br>in" if k == 0 else f"{k}<br>out" if k == last else str(k)
        annotations.append({"name": f"node {k}", "x": k, "y": 0, "text": label, "showarrow": False,
                            "font": {"size": 11}})
    return shapes, annotations


def _cell_layout(fig: go.Figure, title: str) -> None:
    fig.update_layout(title=title, template="plotly_white", height=300, margin={"t": 40, "l": 10, "r": 10, "b": 10},
                      showlegend=False)
    fig.update_xaxes(visible=False, range=[-0.4, 3.4])
    fig.update_yaxes(visible=False, range=[-1.0, 1.35], scaleanchor="x", scaleratio=1)


def cell_figure(space: Any, arch: Any, *, title: str | None = None) -> go.Figure:
    """A cell drawn as a graph: 4 nodes, one labelled edge per op (``none`` dashed).

    Args:
        space: a cell space with an edge list (NB201).
        arch: a cell, its official string or its enumeration index.

    Raises:
        ArgumentError: a space without edges. OutOfSpaceError: a malformed cell.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> fig = cell_figure(NB201Space(), 15624)
        >>> [a.text for a in fig.layout.annotations if a.name == "edge 3<-2"]
        ['avg pool 3x3']
    """
    edges = cell_edges(space, arch)
    shapes, annotations = cell_shapes(edges)
    fig = go.Figure(layout={"shapes": shapes, "annotations": annotations})
    _cell_layout(fig, title or "cell")
    return fig


def _add_curve_traces(fig: go.Figure) -> None:
    for metric, colour in zip(CURVE_TRACES, (PALETTE[1], PALETTE[0], PALETTE[3])):
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name=metric.replace("_", " "),
                                 line={"color": colour}, marker={"size": 4}))
    fig.update_layout(template="plotly_white", height=300, xaxis_title="epoch", yaxis_title="accuracy (%)",
                      margin={"t": 40, "l": 50, "r": 10, "b": 40}, legend={"orientation": "h", "y": -0.25},
                      title="learning curve (mean over seeds)")


def _fill_curve(fig: go.Figure, curve: pd.DataFrame) -> None:
    for trace, metric in zip(fig.data, CURVE_TRACES):
        trace.x, trace.y = curve["epoch"].to_numpy(), curve[metric].to_numpy(np.float64)


def curve_figure(benchmark: Any, arch: Any, *, dataset: str | None = None, seed: int | None = None) -> go.Figure:
    """Train / valid / test accuracy of one architecture per epoch.

    Raises:
        QueryError: an architecture, dataset or seed the benchmark does not hold.

    Example:
        >>> curve_figure(bench, 0).data[1].name    # doctest: +SKIP
        'valid acc'
    """
    fig = go.Figure()
    _add_curve_traces(fig)
    _fill_curve(fig, learning_curve(benchmark, arch, dataset=dataset, seed=seed))
    return fig


def _metrics_html(metrics: pd.DataFrame) -> str:
    rows = "".join(f"<tr><td style='padding-right:12px'>{html.escape(m)}</td><td>{v:,.6g}</td></tr>"
                   for m, v in zip(metrics["metric"], metrics["value"]))
    return f"<b>metrics</b><table>{rows}</table>"


class ArchitectureView(widgets.VBox):
    """One architecture of a tabular NB201 benchmark: drawing, curve, metrics, class, neighbours.

    Args:
        benchmark: a tabular benchmark of a cell space (NB201).
        arch: the architecture shown first (a cell, its official string or its index;
            None shows nothing until :meth:`show`).
        dataset: the dataset read (default: the benchmark's only one).
        metric: the value shown for each neighbour (and its difference to ``arch``).

    Attributes:
        arch: official string of the cell shown (None before one); status: the status line;
        cell_fig, curve_fig: ``go.FigureWidget`` objects, updated in place;
        neighbors: the :func:`~nasbench_kit.analysis.neighbor_table` shown;
        neighbor_buttons: one button per neighbour (a click shows that neighbour);
        back_button: shows the previous architecture.

    Bad input (a malformed string, a cell without a run, an unknown metric) is shown in
    :attr:`status`; the last good architecture stays on screen.

    Example:
        >>> view = ArchitectureView(bench, 15624)           # doctest: +SKIP
        >>> view.neighbor_buttons[3].click(); view.arch     # doctest: +SKIP
    """

    def __init__(self, benchmark: Any, arch: Any = None, *, dataset: str | None = None,
                 metric: str = "valid_acc") -> None:
        self.benchmark, self.dataset, self.metric = benchmark, dataset, metric
        self.arch: str | None = None
        self.neighbors: pd.DataFrame | None = None
        self._previous: list[str] = []
        self.status = widgets.HTML(value="click a point of a search plot, or call show(arch)")
        self.title = widgets.HTML()
        self.class_label = widgets.HTML()
        self.metrics_label = widgets.HTML()
        self.cell_fig = go.FigureWidget()
        _cell_layout(self.cell_fig, "cell")
        self.curve_fig = go.FigureWidget()
        _add_curve_traces(self.curve_fig)
        self.back_button = widgets.Button(description="back", icon="arrow-left", disabled=True)
        self.back_button.on_click(self._on_back)
        self.neighbor_buttons: list[widgets.Button] = []
        self.neighbor_box = widgets.GridBox(layout=widgets.Layout(grid_template_columns="repeat(3, 270px)"))
        super().__init__(children=[
            self.status, widgets.HBox([self.back_button, self.title]), self.class_label,
            widgets.HBox([self.cell_fig, self.curve_fig]), self.metrics_label,
            widgets.HTML(f"<b>neighbours</b> (one edge changed; {html.escape(metric)}, difference to this cell)"),
            self.neighbor_box,
        ])
        if arch is not None:
            self.show(arch)

    def show(self, arch: Any) -> None:
        """Show ``arch`` (a cell, its official string or its enumeration index); on bad
        input say why in :attr:`status` and keep what is shown."""
        self._show(arch, remember=True)

    def follow(self, plot: Any) -> Any:
        """Show the architecture of every point clicked in ``plot`` (a
        :class:`~widgets.live.LiveParetoPlot`); returns the unsubscribe function.

        Example:
            >>> view.follow(LiveParetoPlot(run))   # doctest: +SKIP
        """
        return plot.on_click(self.show)

    def _show(self, arch: Any, *, remember: bool) -> None:
        bench, space = self.benchmark, getattr(self.benchmark, "space", None)
        try:
            edges = cell_edges(space, arch)
            text = str(space.cell_at(int(arch))) if isinstance(arch, (int, np.integer)) else \
                str(space.parse(arch) if isinstance(arch, str) else arch)
            curve = learning_curve(bench, text, dataset=self.dataset)
            metrics = arch_metrics(bench, text, dataset=self.dataset)
            members = isomorphs(space, text)
            neighbors = neighbor_table(bench, text, self.metric, dataset=self.dataset)
        except NasKitError as error:
            say(self.status, f"cannot show {arch if isinstance(arch, (str, int)) else str(arch)!r}: {error}",
                warn=True)
            return
        if remember and self.arch is not None and self.arch != text:
            self._previous.append(self.arch)
        self.arch, self.neighbors = text, neighbors
        shapes, annotations = cell_shapes(edges)
        with self.cell_fig.batch_update():
            self.cell_fig.layout.shapes, self.cell_fig.layout.annotations = shapes, annotations
        with self.curve_fig.batch_update():
            _fill_curve(self.curve_fig, curve)
        index = int(space.index(space.parse(text)))
        self.title.value = f"<b>cell {index:,}</b> <code>{html.escape(text)}</code>"
        self.class_label.value = (f"isomorphism class <code>{html.escape(str(members['canonical'].iloc[0]))}</code>: "
                                  f"{len(members):,} cell(s) of the space compute the same function")
        self.metrics_label.value = _metrics_html(metrics)
        self._fill_neighbors(neighbors)
        self.back_button.disabled = not self._previous
        say(self.status, f"showing cell {index:,}")

    def _fill_neighbors(self, neighbors: pd.DataFrame) -> None:
        if len(self.neighbor_buttons) != len(neighbors):  # NB201: always 24, so buttons are reused
            width = widgets.Layout(width="265px")
            self.neighbor_buttons = [widgets.Button(layout=width) for _ in range(len(neighbors))]
            for k, button in enumerate(self.neighbor_buttons):
                button.on_click(lambda _b, k=k: self._on_neighbor(k))
            self.neighbor_box.children = tuple(self.neighbor_buttons)
        for button, row in zip(self.neighbor_buttons, neighbors.itertuples(index=False)):
            value, delta = getattr(row, self.metric), row.delta
            shown = "no run" if not np.isfinite(value) else f"{value:.4g} ({delta:+.2f})"
            button.description = f"{row.edge}: {_SHORT.get(row.to_op, row.to_op)}  {shown}"
            button.tooltip = row.arch
            button.button_style = "" if not np.isfinite(delta) or delta == 0 else "success" if delta > 0 else "warning"

    def _on_neighbor(self, k: int) -> None:
        if self.neighbors is not None and k < len(self.neighbors):
            self.show(self.neighbors["arch"].iloc[k])

    def _on_back(self, _button: Any = None) -> None:
        if self._previous:
            self._show(self._previous.pop(), remember=False)
