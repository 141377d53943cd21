"""Plain data for plots and tables: incumbent traces on a common grid, confidence bands,
final-regret tables with significance tests, rank tables, Pareto fronts, the whole space
as a background cloud, the number of cells that meet a set of constraints, one
architecture's edges, curve, metrics, isomorphs and neighbours, and whole-benchmark
distributions, rank correlations and per-edge op importance.

Everything takes the tidy frame of :func:`nasbench_kit.compare.compare` (or a run's
history, or a benchmark) and returns DataFrames; drawing them is the widgets' job.

One module per concept, every public name re-exported here
(``from nasbench_kit import analysis; analysis.final_table(...)``):

* :mod:`~nasbench_kit.analysis.traces`: search runs over time (grids, bands, final and
  rank tables, incumbent traces);
* :mod:`~nasbench_kit.analysis.fronts`: the space and its Pareto view (fronts, the
  whole space as a cloud, feasible counts);
* :mod:`~nasbench_kit.analysis.architecture`: one architecture (edges, curve, metrics,
  isomorphs, neighbours);
* :mod:`~nasbench_kit.analysis.metrics`: table-wide metric statistics (metric table,
  histograms, rank correlations, op importance).

>>> import pandas as pd
>>> frame = pd.DataFrame({"strategy": ["a", "a", "b", "b"], "seed": [0, 0, 0, 0],
...                       "time": [1.0, 3.0, 2.0, 4.0], "regret": [5.0, 1.0, 4.0, 3.0]})
>>> on_grid(frame, "regret", grid=[2.0, 4.0])["regret"].tolist()
[5.0, 1.0, 4.0, 3.0]
"""

from __future__ import annotations

from .architecture import arch_metrics, cell_edges, isomorphs, learning_curve, neighbor_table
from .fronts import feasible_count, pareto_points, space_points
from .metrics import metric_histograms, metric_table, op_importance, spearman_matrix
from .traces import (
    TRACE_VALUES,
    bands,
    final_table,
    final_values,
    history_trace,
    incumbent_bands,
    on_grid,
    rank_table,
    time_grid,
    trace_axis,
)

__all__ = ["on_grid", "trace_axis", "time_grid", "bands", "final_values", "final_table", "rank_table", "pareto_points",
           "space_points", "feasible_count", "TRACE_VALUES", "history_trace", "incumbent_bands", "cell_edges",
           "learning_curve", "arch_metrics", "isomorphs", "neighbor_table", "metric_table", "metric_histograms",
           "spearman_matrix", "op_importance"]
