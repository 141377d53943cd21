"""A table imported without ``train_seconds`` has no time axis: query budgets work, seconds refuse.

The table is made the way a user makes one: a CSV (valid/test accuracy, params, latency;
no ``train_seconds``) converted with ``python -m nasbench_kit import csv``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nasbench_kit import analysis
from nasbench_kit.benchmarks import load_benchmark
from nasbench_kit.budget import Budget
from nasbench_kit.cli import main
from nasbench_kit.compare import compare, nb201_protocol
from nasbench_kit.errors import ArgumentError
from nasbench_kit.run import Run
from nasbench_kit.strategies import make_strategy


@pytest.fixture(scope="module")
def timeless_path(synth_bench, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("timeless")
    pd.DataFrame({
        "arch": list(synth_bench.archs),
        "valid_acc": synth_bench.metric_array("valid_acc", over="table"),
        "test_acc": synth_bench.metric_array("test_acc", over="table"),
        "params": synth_bench.metric_array("params", over="table"),
        "latency_ms_cpu1t": synth_bench.metric_array("latency_ms_cpu1t", over="table"),
    }).to_csv(folder / "mine.csv", index=False)
    assert main(["import", "csv", str(folder / "mine.csv"), "-o", str(folder / "mine.parquet"), "--dataset", "toy",
                 "--schedule-epochs", "50", "--no-progress"]) == 0
    return folder / "mine.parquet"


def test_query_budget_runs_without_a_time_axis(timeless_path):
    bench = load_benchmark(timeless_path)
    run = Run(make_strategy("rea", bench.space, seed=0), bench, budget=Budget(queries=30), seed=0,
              n_workers=2).run()
    history = run.history
    assert not run.timed and run.n_evaluations == 30 and run.finished_reason == "budget"
    for column in ("train_seconds", "start_seconds", "finish_seconds"):
        assert history[column].isna().all(), column
    summary = run.summary()
    assert summary["simulated_seconds"] is None and summary["seconds_on_isomorphs"] is None
    assert summary["incumbent_search"] == pytest.approx(history["valid_acc"].max())
    trace = analysis.history_trace(history)
    assert analysis.trace_axis(trace) == "trial"
    with pytest.raises(ArgumentError, match="no simulated time axis"):
        analysis.incumbent_bands(trace)
    assert len(analysis.incumbent_bands(trace, x="trial"))


def test_seconds_budget_refused_with_one_clear_message(timeless_path):
    bench = load_benchmark(timeless_path)
    with pytest.raises(ArgumentError, match=r"records no training times.*use a query budget"):
        Run(make_strategy("random", bench.space, seed=0), bench, budget=Budget(seconds=1000))
    with pytest.raises(ArgumentError, match="records no training times"):
        compare(["random"], bench, seeds=range(2), budget=Budget(seconds=1000))
    with pytest.raises(ArgumentError, match="nb201 preset is a budget in simulated seconds"):
        nb201_protocol(bench)


def test_compare_api_traces_by_evaluations(timeless_path):
    frame = compare(["random", "rea"], timeless_path, seeds=range(3), budget=Budget(queries=20))
    assert frame["time"].isna().all() and frame.groupby(["strategy", "seed"])["evaluations"].max().eq(20).all()
    assert analysis.trace_axis(frame) == "evaluations"
    band = analysis.bands(frame, x="evaluations")
    assert np.isfinite(band["mean"]).all()


@pytest.mark.parametrize("command", [["search", "--strategy", "rea"], ["compare", "--strategies", "random,rea",
                                                                       "--seeds", "2"]])
def test_cli_query_budget_on_timeless_table(timeless_path, tmp_path, command, capsys):
    assert main([*command, "--benchmark", str(timeless_path), "--budget", "20", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    if command[0] == "search":
        assert summary["simulated_seconds"] is None and summary["evaluations"] == 20
    else:
        assert "evaluations" in pd.read_csv(tmp_path / "regret_bands.csv").columns


@pytest.mark.slow
def test_cli_compare_with_workers_on_timeless_table(timeless_path, tmp_path):
    assert main(["compare", "--strategies", "random", "--seeds", "2", "--workers", "2", "--benchmark",
                 str(timeless_path), "--budget", "15", "--out", str(tmp_path), "--no-progress"]) == 0
    assert pd.read_parquet(tmp_path / "trials.parquet")["time"].isna().all()


@pytest.mark.parametrize("budget", ["1000s", "nb201"])
def test_cli_seconds_budget_refused_before_work(timeless_path, tmp_path, budget, capsys):
    out = tmp_path / "out"
    assert main(["search", "--benchmark", str(timeless_path), "--budget", budget, "--out", str(out),
                 "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "records no training times" in err and not out.exists()


def test_run_summary_warns_when_most_budget_went_to_isomorphs(synth_bench):
    from nasbench_kit.objectives import Constraint

    limit = [Constraint("latency_ms_cpu1t", at_most=0.7)]
    kwargs = dict(budget=Budget(queries=60), constraints=limit, seed=0)
    wasteful = Run(make_strategy("rea", synth_bench.space, seed=0), synth_bench, **kwargs).run().summary()
    assert wasteful["isomorph_share"] > 0.5 and "isomorphic" in wasteful["warnings"][0]
    deduped = Run(make_strategy("rea", synth_bench.space, seed=0), synth_bench, dedupe=True, **kwargs).run()
    assert deduped.summary()["warnings"] == [] and deduped.summary()["isomorph_share"] == 0.0


def test_a_benchmark_that_trains_on_demand_has_a_time_axis_before_its_first_training(tmp_path):
    """An empty TrainingBenchmark cache holds no train_seconds yet, but every query it
    trains is timed: a seconds budget is accepted and nothing is marked timeless."""
    from nasbench_kit.benchmarks.training_benchmark import TrainingBenchmark
    from nasbench_kit.spaces import NB201Space
    from nasbench_kit.build.runs import BuildRecipe

    bench = TrainingBenchmark(recipe=BuildRecipe(epochs=1, C=4, N=1), cache_path=tmp_path / "runs.parquet")
    run = Run(make_strategy("random", NB201Space(), seed=0), bench, budget=Budget(seconds=5.0), seed=0)
    assert run.timed and bench.n_trained == 0
