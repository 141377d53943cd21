"""Static plotly figures of the workbench (for the CLI, reports and HTML export).

The data comes from :mod:`nasbench_kit.analysis` and run histories; these functions only
draw. The live widgets draw the same traces into ``FigureWidget`` objects.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

__all__ = ["regret_figure", "search_figure", "PALETTE"]

#: Colours per strategy, in registry order (colour-blind-friendly Okabe-Ito palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def regret_figure(bands: pd.DataFrame, *, x: str = "time", title: str = "regret",
                  y_title: str = "regret of the incumbent (test accuracy, points)", log_y: bool = False) -> go.Figure:
    """Mean regret per strategy over simulated time with its 95 % confidence band.

    Args:
        bands: the frame of :func:`nasbench_kit.analysis.bands`.
    """
    fig = go.Figure()
    for k, (name, part) in enumerate(bands.groupby("strategy", sort=False)):
        colour = PALETTE[k % len(PALETTE)]
        xs = part[x].tolist()
        fig.add_trace(go.Scatter(x=xs + xs[::-1], y=part["high"].tolist() + part["low"].tolist()[::-1],
                                 fill="toself", fillcolor=_rgba(colour, 0.18), line={"width": 0},
                                 hoverinfo="skip", showlegend=False, legendgroup=name))
        fig.add_trace(go.Scatter(x=xs, y=part["mean"], name=name, line={"color": colour, "width": 2},
                                 legendgroup=name))
    fig.update_layout(title=title, xaxis_title="simulated seconds" if x == "time" else x, yaxis_title=y_title,
                      template="plotly_white", hovermode="x unified")
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def search_figure(history: pd.DataFrame, *, objectives: Sequence[str], cost: str,
                  title: str = "search") -> go.Figure:
    """Evaluated architectures of one run: search metric against a cost metric, coloured by
    trial order, the run's Pareto front highlighted, infeasible trials as grey crosses."""
    metric = objectives[0]
    fig = go.Figure()
    feasible = history[history["feasible"].astype(bool)]
    infeasible = history[~history["feasible"].astype(bool)]
    fig.add_trace(go.Scatter(
        x=feasible[cost], y=feasible[metric], mode="markers", name="evaluated",
        marker={"color": feasible["trial"], "colorscale": "Viridis", "size": 7,
                "colorbar": {"title": "trial"}},
        text=feasible["arch"], hovertemplate="%{text}<br>" + cost + "=%{x}<br>" + metric + "=%{y}<extra></extra>"))
    if len(infeasible):
        fig.add_trace(go.Scatter(x=infeasible[cost], y=[feasible[metric].min()] * len(infeasible), mode="markers",
                                 name="rejected (infeasible)", marker={"symbol": "x", "color": "grey"}))
    front = feasible[feasible["on_front"]] if "on_front" in feasible else feasible.iloc[0:0]
    if len(front) and cost in objectives:
        front = front.sort_values(cost)
        fig.add_trace(go.Scatter(x=front[cost], y=front[metric], mode="lines+markers", name="front found",
                                 line={"color": "#D55E00", "shape": "hv"}))
    fig.update_layout(title=title, xaxis_title=cost, yaxis_title=metric, template="plotly_white")
    return fig
