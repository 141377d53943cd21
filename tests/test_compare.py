"""compare(): tidy results, regret against the true optimum, hypervolume, parallel = serial."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nasbench_kit import analysis
from nasbench_kit.budget import Budget
from nasbench_kit.compare import StrategySpec, compare, nb201_protocol
from nasbench_kit.errors import ArgumentError, UnknownNameError
from nasbench_kit.objectives import Constraint, Objective


def test_tidy_frame_with_regret_against_the_true_optimum(synth_bench):
    frame = compare(["random", "rea"], synth_bench, seeds=range(4), budget=Budget(queries=30))
    assert list(frame["strategy"].unique()) == ["random", "rea"]
    assert frame.groupby("strategy")["seed"].nunique().tolist() == [4, 4]
    best = np.nanmax(synth_bench.metric_array("test_acc", over="table"))
    assert frame.attrs["optimum"] == pytest.approx(best)
    assert np.allclose(frame["regret"], best - frame["incumbent"])
    assert (frame["regret"] >= 0).all()
    per_run = frame.groupby(["strategy", "seed"])
    assert per_run["incumbent_search"].apply(lambda s: s.is_monotonic_increasing).all()
    assert (per_run["evaluations"].max() == 30).all()


def test_constraints_move_the_optimum(synth_bench):
    limit = float(np.nanmedian(synth_bench.metric_array("latency_ms_cpu1t", over="table")))
    frame = compare(["random"], synth_bench, seeds=[0, 1], budget=Budget(queries=20),
                    constraints=[Constraint("latency_ms_cpu1t", at_most=limit)])
    free = compare(["random"], synth_bench, seeds=[0], budget=Budget(queries=5))
    assert frame.attrs["optimum"] < free.attrs["optimum"]
    assert (frame["regret"] >= 0).all()


def test_multi_objective_hypervolume_grows_to_at_most_the_true_front(synth_bench):
    objectives = [Objective("valid_acc"), Objective("latency_ms_cpu1t", maximize=False)]
    frame = compare(["random"], synth_bench, seeds=[0, 1], budget=Budget(queries=40), objectives=objectives)
    true_hv = frame.attrs["true_hypervolume"]
    assert frame.groupby("seed")["hypervolume"].apply(lambda s: s.is_monotonic_increasing).all()
    assert 0 < frame["hypervolume"].max() <= true_hv + 1e-9


def test_parallel_dask_equals_serial(synth_bench):
    kwargs = dict(seeds=range(6), budget=Budget(queries=15))
    serial = compare([StrategySpec("rea", {"population_size": 5}, label="rea-5"), "random"], synth_bench, **kwargs)
    parallel = compare([StrategySpec("rea", {"population_size": 5}, label="rea-5"), "random"], synth_bench,
                       workers=2, **kwargs)
    pd.testing.assert_frame_equal(serial, parallel)


@pytest.mark.parametrize("bad, error", [
    (dict(strategies=["nope"]), UnknownNameError),
    (dict(strategies=[]), ArgumentError),
    (dict(seeds=[]), ArgumentError),
    (dict(seeds=[1, 1]), ArgumentError),
    (dict(workers=0), ArgumentError),
    (dict(constraints=[Constraint("latency_ms_cpu1t", at_most=1e-6)]), ArgumentError),
    (dict(strategies={"rea": {"population_size": 0}}), ArgumentError),
])
def test_bad_input_fails_before_running(synth_bench, bad, error):
    kwargs = dict(strategies=["random"], seeds=[0], budget=Budget(queries=5))
    kwargs.update(bad)
    with pytest.raises(error):
        compare(kwargs.pop("strategies"), synth_bench, **kwargs)


def test_nb201_protocol_budget_is_150_median_evaluations(synth_bench):
    preset = nb201_protocol(synth_bench, evaluations=150)
    seconds = synth_bench.metric_array("train_seconds", over="table")
    assert preset["budget"].seconds == pytest.approx(150 * np.median(seconds))
    frame = compare(["random"], synth_bench, seeds=[0], **preset)
    assert 100 <= frame["evaluations"].max() <= 200


def test_analysis_tables(synth_bench):
    frame = compare(["random", "rea"], synth_bench, seeds=range(8), budget=Budget(queries=40))
    band = analysis.bands(frame, grid=np.linspace(0, frame["time"].max(), 20))
    assert set(band["strategy"]) == {"random", "rea"}
    assert band.loc[band["time"] == 0, "n"].eq(0).all()  # before any trial finished there is no value
    band = band.dropna()
    assert (band["low"] <= band["mean"] + 1e-12).all() and (band["mean"] <= band["high"] + 1e-12).all()
    final = analysis.final_table(frame, baseline="random")
    assert np.isnan(final.loc[final["strategy"] == "random", "p_vs_baseline"]).all()
    assert final["runs"].tolist() == [8, 8]
    finals = analysis.final_values(frame)
    assert final.set_index("strategy")["mean"]["rea"] == pytest.approx(
        finals.loc[finals["strategy"] == "rea", "regret"].mean())
    ranks = analysis.rank_table(frame)
    assert ranks["mean_rank"].between(1, 2).all() and ranks["wins"].sum() >= 8
