"""Benchmark explorer: distributions, Spearman matrix and op importance, drawn in place."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from nasbench_kit.benchmarks.table import TabularBenchmark
from nasbench_kit.spaces.nb201 import OPS
from tests.benchmarks.synthetic import tiny_table
from widgets.explorer import (BenchmarkExplorer, correlation_figure, default_metrics, distribution_figure,
                              op_importance_figure)

LATENCY = "latency_ms_cpu1t"


@pytest.fixture(scope="module")
def explorer(synth_bench):
    return BenchmarkExplorer(synth_bench, bins=30)


def test_default_metrics_are_accuracies_time_and_costs(synth_bench):
    assert default_metrics(synth_bench) == ["valid_acc", "test_acc", "train_seconds", "params", "flops", LATENCY,
                                            "energy_mj_edgegpu"]


def test_histogram_is_the_metric_distribution_and_redraws_in_place(explorer, synth_bench):
    bar = explorer.dist_fig.data[0]
    counts, edges = np.histogram(synth_bench.metric_array("valid_acc", over="table"), bins=30)
    assert explorer.metric_input.value == "valid_acc"
    assert bar.y.tolist() == counts.tolist() and np.allclose(bar.x, (edges[:-1] + edges[1:]) / 2)
    explorer.metric_input.value = LATENCY
    assert explorer.dist_fig.data[0] is bar and len(explorer.dist_fig.data) == 1
    counts, _ = np.histogram(synth_bench.metric_array(LATENCY, over="table"), bins=30)
    assert bar.y.tolist() == counts.tolist() and explorer.dist_fig.layout.xaxis.title.text == LATENCY
    explorer.metric_input.value = "valid_acc"


def test_correlation_heatmap_is_the_spearman_matrix(explorer, synth_bench):
    heat = explorer.corr_fig.data[0]
    values = np.column_stack([synth_bench.metric_array(m, over="table") for m in explorer.metrics])
    assert list(heat.x) == explorer.metrics == list(heat.y)
    assert np.allclose(np.asarray(heat.z, dtype=float), stats.spearmanr(values).statistic)


def test_op_importance_heatmap_finds_the_best_op_per_edge(explorer, synth_bench):
    heat = explorer.ops_fig.data[0]
    assert list(heat.y) == ["1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2"] and list(heat.x) == list(OPS)
    z = np.asarray(heat.z, dtype=float)
    # the synthetic table's made-up quality model makes nor_conv_3x3 best and none worst on every edge
    assert [heat.x[k] for k in z.argmax(axis=1)] == ["nor_conv_3x3"] * 6
    ops, values = synth_bench.space.all_ops_array(), synth_bench.metric_array("valid_acc")
    assert z[2, 1] == pytest.approx(values[ops[:, 2] == 1].mean())
    explorer.target_input.value = LATENCY
    assert explorer.ops_fig.data[0] is heat
    assert [heat.x[k] for k in np.asarray(heat.z, dtype=float).argmin(axis=1)] == ["none"] * 6
    explorer.target_input.value = "valid_acc"


def test_static_figures_export(synth_bench, tmp_path):
    dist = distribution_figure(synth_bench, ["valid_acc", "params"], bins=10)
    assert [t.type for t in dist.data] == ["bar", "bar"] and sum(dist.data[1].y) == len(synth_bench.archs)
    corr = correlation_figure(synth_bench, ["valid_acc", "test_acc"])
    assert corr.data[0].z[0][0] == 1.0 and corr.data[0].z[0][1] > 0.9
    ops = op_importance_figure(synth_bench)
    for k, fig in enumerate((dist, corr, ops)):
        fig.write_html(tmp_path / f"{k}.html")


def test_unknown_metric_is_a_message(synth_bench):
    explorer = BenchmarkExplorer(synth_bench, metrics=["valid_acc", "bogus"])
    assert "cannot explore: metric &#x27;bogus&#x27; is not available; metrics:" in explorer.status.value
    assert "Traceback" not in explorer.status.value and explorer.table is None
    explorer.show_distribution("valid_acc")
    assert "is not explored here" in explorer.status.value


def test_a_space_without_edges_still_shows_what_it_can():
    explorer = BenchmarkExplorer(TabularBenchmark(tiny_table()), bins=5)
    assert "no op importance" in explorer.status.value and "no enumerable space" in explorer.status.value
    assert sum(explorer.dist_fig.data[0].y) == 2  # archs a and b
    assert len(explorer.ops_fig.data[0].z) == 0
