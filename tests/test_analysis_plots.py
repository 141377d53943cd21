"""Plot data of the workbench panels (``nasbench_kit.analysis``), checked against hand
computations, brute force and scipy; no plotting library involved."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nasbench_kit import analysis
from nasbench_kit.benchmarks.schema import build_table
from nasbench_kit.benchmarks.table import TabularBenchmark
from nasbench_kit.budget import Budget
from nasbench_kit.errors import ArgumentError, OutOfSpaceError, UnknownNameError
from nasbench_kit.run import Run
from nasbench_kit.spaces.nb201 import OPS, NB201Space
from nasbench_kit.strategies import make_strategy
from tests.benchmarks.synthetic import SYNTHETIC_META, synthetic_nb201_columns

LATENCY = "latency_ms_cpu1t"
CELL = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|"


# --- incumbent traces and bands ---------------------------------------------------------------

def tiny_trace() -> pd.DataFrame:
    """Two seeds of strategy a, one of b (regret steps down at the listed times)."""
    return pd.DataFrame({
        "strategy": ["a", "a", "a", "a", "b"],
        "seed": [0, 0, 1, 1, 0],
        "time": [1.0, 3.0, 2.0, 4.0, 2.0],
        "regret": [5.0, 1.0, 4.0, 2.0, 7.0],
    })


def test_band_mean_and_interval_equal_a_hand_computation():
    band = analysis.incumbent_bands(tiny_trace())
    a = band[band["strategy"] == "a"]
    # seed 0 reads 5, 5, 1, 1 and seed 1 reads -, 4, 4, 2 at times 1, 2, 3, 4
    assert a["time"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert a["mean"].tolist() == [5.0, 4.5, 2.5, 1.5]
    assert a["n"].tolist() == [1, 2, 2, 2]
    half = stats.t.ppf(0.975, 1) * np.std([5.0, 4.0], ddof=1) / np.sqrt(2)
    assert a["low"].iloc[1] == pytest.approx(4.5 - half) and a["high"].iloc[1] == pytest.approx(4.5 + half)
    assert a["low"].iloc[0] == a["high"].iloc[0] == 5.0  # one run: no spread
    b = band[band["strategy"] == "b"]
    assert np.isnan(b["mean"].iloc[0]) and b["mean"].iloc[1:].tolist() == [7.0, 7.0, 7.0]


def test_band_grid_is_thinned_to_max_points():
    frame = pd.DataFrame({"strategy": "a", "seed": 0, "time": np.arange(1000.0), "regret": np.arange(1000.0)[::-1]})
    band = analysis.incumbent_bands(frame, max_points=50)
    assert len(band) == 50 and band["time"].iloc[0] == 0.0 and band["time"].iloc[-1] == 999.0


@pytest.mark.parametrize("call, error, message", [
    (lambda: analysis.incumbent_bands(tiny_trace(), "accuracy"), UnknownNameError, "use one of ['regret']"),
    (lambda: analysis.incumbent_bands(tiny_trace().iloc[0:0]), ArgumentError, "no trial has finished yet"),
    (lambda: analysis.incumbent_bands(tiny_trace(), max_points=1), ArgumentError, "max_points"),
    (lambda: analysis.history_trace(pd.DataFrame()), ArgumentError, "the history is empty"),
    (lambda: analysis.history_trace(pd.DataFrame({"trial": [0]})), ArgumentError, "finish_seconds"),
])
def test_bad_trace_input_says_what_is_allowed(call, error, message):
    with pytest.raises(error) as caught:
        call()
    assert message in str(caught.value)


def test_history_trace_of_a_run_is_its_step_function(synth_bench):
    run = Run(make_strategy("random", synth_bench.space), synth_bench, budget=Budget(queries=40), seed=3).run()
    history = run.history
    best = float(np.nanmax(synth_bench.metric_array("test_acc", over="table")))
    trace = analysis.history_trace(history, strategy="random", seed=3, optimum=best)
    assert trace["regret"].tolist() == pytest.approx((best - history["incumbent_report"]).tolist())
    assert (trace["strategy"] == "random").all() and (trace["seed"] == 3).all()
    band = analysis.incumbent_bands(trace)
    last = history.groupby("finish_seconds")["incumbent_report"].last()  # the value after every change
    assert band["time"].tolist() == last.index.tolist()
    assert band["mean"].tolist() == pytest.approx((best - last).tolist())


# --- one architecture ---------------------------------------------------------------------------

def test_cell_edges_lists_the_six_edges_in_string_order():
    edges = analysis.cell_edges(NB201Space(), CELL)
    assert edges["label"].tolist() == ["1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2"]
    assert edges["op"].tolist() == ["nor_conv_3x3", "none", "skip_connect", "nor_conv_1x1", "none", "avg_pool_3x3"]
    assert (edges["source"] < edges["target"]).all()
    with pytest.raises(ArgumentError, match="no edge list"):
        analysis.cell_edges(SimpleNamespace(name="chain"), CELL)
    with pytest.raises(OutOfSpaceError, match="conv5x5"):
        analysis.cell_edges(NB201Space(), CELL.replace("avg_pool_3x3", "conv5x5"))


def test_curve_and_metrics_are_the_query_values(synth_bench):
    record = synth_bench.query(CELL)
    curve = analysis.learning_curve(synth_bench, CELL)
    assert curve["epoch"].tolist() == record.curve.epochs.tolist()
    for m in ("train_acc", "valid_acc", "test_acc"):
        assert np.allclose(curve[m], getattr(record.curve, m))
    metrics = analysis.arch_metrics(synth_bench, CELL).set_index("metric")["value"]
    assert metrics["params"] == record.params and metrics["flops"] == record.flops
    assert metrics[LATENCY] == pytest.approx(record.latency_ms["cpu1t"])
    assert metrics["test_acc"] == pytest.approx(record.final.test_acc)


def test_isomorphs_are_exactly_the_cells_with_the_same_canonical_string():
    space = NB201Space()
    members = analysis.isomorphs(space, CELL)
    canonical = space.canonical(space.parse(CELL))
    expected = [i for i, cell in enumerate(space) if space.canonical(cell) == canonical]  # brute force
    assert members["arch_index"].tolist() == expected and CELL in members["arch"].tolist()
    assert len(analysis.isomorphs(space, 15624)) == 1
    with pytest.raises(ArgumentError, match="cannot be enumerated"):
        analysis.isomorphs(SimpleNamespace(name="infinite", is_finite=False), CELL)


def test_neighbors_are_exactly_the_24_one_edge_changes(synth_bench):
    space = synth_bench.space
    table = analysis.neighbor_table(synth_bench, CELL)
    ops = space.parse(CELL).ops
    brute = {str(c) for c in space if sum(a != b for a, b in zip(c.ops, ops)) == 1}
    assert len(table) == 24 and set(table["arch"]) == brute
    for row in table.itertuples():
        changed = space.parse(row.arch).ops
        assert row.from_op == ops[row.position] and row.to_op == changed[row.position] != row.from_op
        assert row.edge == "{}<-{}".format(*space.edges[row.position])
    values = synth_bench.metric_array("valid_acc")
    assert np.allclose(table["valid_acc"], values[table["arch_index"]])
    assert np.allclose(table["delta"], table["valid_acc"] - values[space.index(space.parse(CELL))])
    with pytest.raises(UnknownNameError, match="metric 'acc' is not available"):
        analysis.neighbor_table(synth_bench, CELL, "acc")


# --- the whole benchmark --------------------------------------------------------------------------

def test_metric_table_histograms_and_spearman(synth_bench):
    metrics = ["valid_acc", "params", LATENCY]
    table = analysis.metric_table(synth_bench, metrics)
    assert len(table) == len(synth_bench.archs)
    for m in metrics:
        assert np.allclose(table[m], synth_bench.metric_array(m, over="table"))
    hist = analysis.metric_histograms(table, metrics, bins=25)
    counts, edges = np.histogram(table["valid_acc"], bins=25)
    valid = hist[hist["metric"] == "valid_acc"]
    assert valid["count"].tolist() == counts.tolist() and np.allclose(valid["left"], edges[:-1])
    assert hist.groupby("metric")["count"].sum().tolist() == [len(table)] * 3
    matrix = analysis.spearman_matrix(table, metrics)
    rho = stats.spearmanr(table[metrics].to_numpy()).statistic
    assert np.allclose(matrix.to_numpy(), rho) and list(matrix.columns) == metrics
    with pytest.raises(UnknownNameError, match="'bogus' is not available"):
        analysis.metric_table(synth_bench, ["valid_acc", "bogus"])


@pytest.fixture(scope="module")
def skip_is_best() -> TabularBenchmark:
    """All 15,625 cells; valid_acc = 40 + 5 x (number of skip_connect edges), exactly."""
    columns = synthetic_nb201_columns(np.random.default_rng(0), datasets=("synth-a",), seeds=(0,), n_epochs=2)
    n_skip = (NB201Space().all_ops_array() == OPS.index("skip_connect")).sum(axis=1)
    columns["valid_acc"] = np.repeat((40.0 + 5.0 * n_skip)[:, None], 2, axis=1)
    return TabularBenchmark(build_table(columns, SYNTHETIC_META))


def test_op_importance_finds_the_op_constructed_to_be_best(skip_is_best):
    table = analysis.op_importance(skip_is_best, "valid_acc")
    assert len(table) == 6 * 5 and (table["count"] == 5**5).all()
    skip = table[table["op"] == "skip_connect"]
    other = table[table["op"] != "skip_connect"]
    # with skip on the edge: 40 + 5 (1 + 5/5); without: 40 + 5 (5/5); over all cells: 40 + 5 (6/5)
    assert np.allclose(skip["mean"], 50.0) and np.allclose(other["mean"], 45.0)
    assert np.allclose(skip["effect"], 4.0) and np.allclose(other["effect"], -1.0)
    assert (skip["rank"] == 1).all() and (other["rank"] == 2).all()  # ties share a rank
    worst_first = analysis.op_importance(skip_is_best, "valid_acc", maximize=False)
    assert (worst_first.loc[worst_first["op"] == "skip_connect", "rank"] == 5).all()


def test_op_importance_means_are_plain_masked_means(synth_bench):
    table = analysis.op_importance(synth_bench, LATENCY, maximize=False)
    ops, values = NB201Space().all_ops_array(), synth_bench.metric_array(LATENCY)
    row = table[(table["edge"] == "3<-1") & (table["op"] == "nor_conv_3x3")].iloc[0]
    assert row["mean"] == pytest.approx(values[ops[:, 4] == 3].mean())
    assert row["effect"] == pytest.approx(values[ops[:, 4] == 3].mean() - values.mean())
    with pytest.raises(UnknownNameError, match="latency_gpu"):
        analysis.op_importance(synth_bench, "latency_gpu")
