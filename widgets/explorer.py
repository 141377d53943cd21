"""Benchmark explorer: distributions of accuracy and cost metrics, their Spearman rank
correlations, and which op on which edge makes a cell good.

* :func:`distribution_figure`, :func:`correlation_figure`, :func:`op_importance_figure`:
  static figures (``fig.write_html``).
* :class:`BenchmarkExplorer`: the panel; choosing a metric redraws its histogram (or the
  op-importance heatmap) in place.

The numbers come from :mod:`nasbench_kit.analysis` (``metric_table``,
``metric_histograms``, ``spearman_matrix``, ``op_importance``); this module only draws.

>>> BenchmarkExplorer(bench)                                  # doctest: +SKIP
>>> op_importance_figure(bench).write_html("ops.html")        # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nasbench_kit.analysis import metric_histograms, metric_table, op_importance, spearman_matrix
from nasbench_kit.errors import NasKitError

from .plots import PALETTE
from .status import say

__all__ = ["default_metrics", "distribution_figure", "correlation_figure", "op_importance_figure",
           "BenchmarkExplorer"]


def default_metrics(benchmark: Any) -> list[str]:
    """The metrics the explorer shows by default: final accuracies, training time and
    every free cost metric the benchmark has.

    Example:
        >>> from types import SimpleNamespace
        >>> default_metrics(SimpleNamespace(metrics=("train_acc", "valid_acc", "params", "latency_ms_cpu1t")))
        ['valid_acc', 'params', 'latency_ms_cpu1t']
    """
    first = ["valid_acc", "test_acc", "train_seconds", "params", "flops"]
    costs = [m for m in benchmark.metrics if m.startswith(("latency_ms", "energy_mj"))]
    return [m for m in dict.fromkeys(first + costs) if m in benchmark.metrics]


def _bar(hist: pd.DataFrame, colour: str, name: str) -> go.Bar:
    left, right = hist["left"].to_numpy(np.float64), hist["right"].to_numpy(np.float64)
    return go.Bar(x=(left + right) / 2, y=hist["count"].to_numpy(np.float64), width=right - left, name=name,
                  marker={"color": colour, "line": {"width": 0}}, customdata=np.column_stack([left, right]),
                  hovertemplate="[%{customdata[0]:.4g}, %{customdata[1]:.4g}): %{y} architectures<extra></extra>")


def distribution_figure(benchmark: Any, metrics: Sequence[str] | None = None, *, dataset: str | None = None,
                        bins: int = 40, columns: int = 3) -> go.Figure:
    """One histogram per metric over every stored architecture (seed means, last epoch).

    Raises:
        UnknownNameError: an unknown metric. ArgumentError: no metric, or a bad ``bins``.

    Example:
        >>> distribution_figure(bench, ["valid_acc", "params"]).data[0].type   # doctest: +SKIP
        'bar'
    """
    metrics = default_metrics(benchmark) if metrics is None else list(metrics)
    hist = metric_histograms(metric_table(benchmark, metrics, dataset=dataset), metrics, bins=bins)
    cols = max(1, min(columns, len(metrics)))
    rows = math.ceil(len(metrics) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=metrics)
    for k, m in enumerate(metrics):
        fig.add_trace(_bar(hist[hist["metric"] == m], PALETTE[k % len(PALETTE)], m), row=k // cols + 1,
                      col=k % cols + 1)
    fig.update_layout(template="plotly_white", showlegend=False, bargap=0, height=260 * rows,
                      title=f"distributions over {getattr(benchmark, 'name', 'the benchmark')}")
    return fig


def _heatmap_data(matrix: pd.DataFrame) -> dict[str, Any]:
    labels = list(matrix.columns)
    values = matrix.to_numpy(np.float64)
    return {"z": values, "x": labels, "y": labels,
            "text": [[("" if not np.isfinite(v) else f"{v:.2f}") for v in row] for row in values]}


def correlation_figure(benchmark: Any, metrics: Sequence[str] | None = None, *,
                       dataset: str | None = None) -> go.Figure:
    """Spearman rank correlation between every pair of metrics (a heatmap, -1 to 1).

    Raises:
        UnknownNameError: an unknown metric.

    Example:
        >>> correlation_figure(bench, ["valid_acc", "test_acc"]).data[0].z[0][1]   # doctest: +SKIP
    """
    metrics = default_metrics(benchmark) if metrics is None else list(metrics)
    matrix = spearman_matrix(metric_table(benchmark, metrics, dataset=dataset), metrics)
    fig = go.Figure(go.Heatmap(**_heatmap_data(matrix), zmin=-1, zmax=1, colorscale="RdBu", texttemplate="%{text}",
                               hovertemplate="%{y} vs %{x}: %{z:.3f}<extra></extra>"))
    fig.update_layout(template="plotly_white", title="Spearman rank correlation", yaxis_autorange="reversed")
    return fig


def _importance_data(table: pd.DataFrame) -> dict[str, Any]:
    """Heatmap of edge (rows, string order) x op (columns, space order): mean, effect as text."""
    edges = list(dict.fromkeys(table["edge"]))
    ops = list(dict.fromkeys(table["op"]))
    mean = table.pivot(index="edge", columns="op", values="mean").loc[edges, ops]
    effect = table.pivot(index="edge", columns="op", values="effect").loc[edges, ops]
    text = [[("" if not np.isfinite(e) else f"{e:+.2f}") for e in row] for row in effect.to_numpy(np.float64)]
    return {"z": mean.to_numpy(np.float64), "x": ops, "y": edges, "text": text}


def op_importance_figure(benchmark: Any, metric: str = "valid_acc", *, dataset: str | None = None,
                         maximize: bool = True) -> go.Figure:
    """Mean ``metric`` of the cells with each op on each edge (colour), and its difference
    to the mean over all cells (text): which op helps where.

    Raises:
        UnknownNameError: an unknown metric. ArgumentError: not a cell space (NB201).

    Example:
        >>> op_importance_figure(bench).data[0].y    # doctest: +SKIP
        ('1<-0', '2<-0', '2<-1', '3<-0', '3<-1', '3<-2')
    """
    table = op_importance(benchmark, metric, dataset=dataset, maximize=maximize)
    fig = go.Figure(go.Heatmap(**_importance_data(table), colorscale="Viridis", texttemplate="%{text}",
                               colorbar={"title": f"mean {metric}"},
                               hovertemplate="edge %{y}, %{x}: mean %{z:.4g} (%{text})<extra></extra>"))
    fig.update_layout(template="plotly_white", title=f"op importance: mean {metric} by op on each edge",
                      xaxis_title="op", yaxis_title="edge (target<-source)", yaxis_autorange="reversed")
    return fig


class BenchmarkExplorer(widgets.VBox):
    """Explore a tabular benchmark: one metric's distribution, all metrics' rank
    correlations, and op importance per edge for a chosen metric.

    Args:
        benchmark: a tabular benchmark (op importance needs a cell space such as NB201).
        dataset: the dataset read (default: the benchmark's only one).
        metrics: metrics offered and correlated (default :func:`default_metrics`).
        bins: histogram bins.

    Attributes:
        status: the status line; metric_input / target_input: dropdowns choosing the
        histogram's metric and the op-importance metric; dist_fig, corr_fig, ops_fig:
        ``go.FigureWidget`` objects, updated in place; table: the
        :func:`~nasbench_kit.analysis.metric_table` behind them.

    Bad input (an unknown metric, a space without edges) is shown in :attr:`status`;
    whatever can still be drawn is.

    Example:
        >>> explorer = BenchmarkExplorer(bench)              # doctest: +SKIP
        >>> explorer.metric_input.value = "params"           # doctest: +SKIP
    """

    def __init__(self, benchmark: Any, *, dataset: str | None = None, metrics: Sequence[str] | None = None,
                 bins: int = 40) -> None:
        self.benchmark, self.dataset, self.bins = benchmark, dataset, bins
        self.metrics = default_metrics(benchmark) if metrics is None else list(metrics)
        self.table: pd.DataFrame | None = None
        self.status = widgets.HTML(value="ready")
        self.dist_fig = go.FigureWidget(go.Bar(x=[], y=[], marker={"color": PALETTE[0], "line": {"width": 0}}))
        self.dist_fig.update_layout(template="plotly_white", bargap=0, height=320, yaxis_title="architectures",
                                    margin={"t": 40})
        self.corr_fig = go.FigureWidget(go.Heatmap(z=[], zmin=-1, zmax=1, colorscale="RdBu", texttemplate="%{text}"))
        self.corr_fig.update_layout(template="plotly_white", title="Spearman rank correlation", height=420,
                                    yaxis_autorange="reversed")
        self.ops_fig = go.FigureWidget(go.Heatmap(z=[], colorscale="Viridis", texttemplate="%{text}"))
        self.ops_fig.update_layout(template="plotly_white", height=360, xaxis_title="op",
                                   yaxis_title="edge (target<-source)", yaxis_autorange="reversed")
        accuracy = [m for m in ("valid_acc", "test_acc", "train_acc") if m in benchmark.metrics]
        self.metric_input = widgets.Dropdown(options=self.metrics, description="distribution")
        self.target_input = widgets.Dropdown(options=list(dict.fromkeys(accuracy + self.metrics)),
                                             description="op importance")
        self.metric_input.observe(lambda _c: self.show_distribution(self.metric_input.value), names="value")
        self.target_input.observe(lambda _c: self.show_op_importance(self.target_input.value), names="value")
        super().__init__(children=[self.status, self.metric_input, self.dist_fig, self.corr_fig, self.target_input,
                                   self.ops_fig])
        try:
            self.table = metric_table(benchmark, self.metrics, dataset=dataset)
            matrix = spearman_matrix(self.table, self.metrics)
        except NasKitError as error:
            say(self.status, f"cannot explore: {error}", warn=True)
            return
        with self.corr_fig.batch_update():
            self.corr_fig.data[0].update(**_heatmap_data(matrix))
        if self.metrics:
            self.show_distribution(self.metric_input.value)
        if self.target_input.value is not None:
            self.show_op_importance(self.target_input.value)
        if self.status.value == "ready":
            say(self.status, f"{len(self.table):,} architectures of {getattr(benchmark, 'name', '?')}")

    def show_distribution(self, metric: str) -> None:
        """Draw the histogram of ``metric`` (in place); an unknown one is named in the status.

        Example:
            >>> explorer.show_distribution("flops")   # doctest: +SKIP
        """
        if self.table is None or metric not in self.table.columns:
            say(self.status, f"metric {metric!r} is not explored here; choose one of {self.metrics}", warn=True)
            return
        hist = metric_histograms(self.table, [metric], bins=self.bins)
        bar = _bar(hist, PALETTE[0], metric)
        with self.dist_fig.batch_update():
            trace = self.dist_fig.data[0]
            trace.x, trace.y, trace.width = bar.x, bar.y, bar.width
            trace.customdata, trace.hovertemplate, trace.name = bar.customdata, bar.hovertemplate, metric
            self.dist_fig.layout.title, self.dist_fig.layout.xaxis.title = f"distribution of {metric}", metric

    def show_op_importance(self, metric: str, *, maximize: bool | None = None) -> None:
        """Draw the op-importance heatmap of ``metric`` (in place; ``maximize`` defaults to
        True for accuracies, False otherwise); errors are shown in the status.

        Example:
            >>> explorer.show_op_importance("latency_ms_cpu1t")   # doctest: +SKIP
        """
        maximize = metric.endswith("_acc") if maximize is None else maximize
        try:
            table = op_importance(self.benchmark, metric, dataset=self.dataset, maximize=maximize)
        except NasKitError as error:
            say(self.status, f"no op importance: {error}", warn=True)
            return
        with self.ops_fig.batch_update():
            self.ops_fig.data[0].update(**_importance_data(table), colorbar={"title": f"mean {metric}"})
            self.ops_fig.layout.title = f"op importance: mean {metric} by op on each edge (text: vs. all cells)"
