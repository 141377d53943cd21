"""Incumbent / regret curves: static from a frame, live from runs, in place and throttled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nasbench_kit.budget import Budget
from nasbench_kit.errors import UnknownNameError
from nasbench_kit.run import Run
from nasbench_kit.strategies import make_strategy
from tests.widgets.helpers import FrozenClock, wait_until_no_deferred_redraw
from widgets.incumbent import IncumbentPlot, incumbent_figure


def make_run(bench, name="random", *, queries=60, seed=0):
    return Run(make_strategy(name, bench.space), bench, budget=Budget(queries=queries), seed=seed)


def best_test_acc(bench):
    return float(np.nanmax(bench.metric_array("test_acc", over="table")))


def test_static_figure_draws_the_hand_computed_mean_and_band(tmp_path):
    frame = pd.DataFrame({"strategy": ["a", "a", "a", "a", "b"], "seed": [0, 0, 1, 1, 0],
                          "time": [1.0, 3.0, 2.0, 4.0, 2.0], "regret": [5.0, 1.0, 4.0, 2.0, 7.0]})
    fig = incumbent_figure(frame)
    assert [t.name for t in fig.data] == ["a band", "a", "b band", "b"]
    mean = fig.data[1]
    assert mean.x.tolist() == [1.0, 2.0, 3.0, 4.0] and mean.y.tolist() == [5.0, 4.5, 2.5, 1.5]
    assert mean.line.shape == "hv" and mean.customdata.tolist() == [1, 2, 2, 2]  # runs behind each mean
    band = fig.data[0]
    assert band.fill == "toself" and min(band.y) < 2.5 and max(band.y) > 4.5  # two seeds: a real band
    assert fig.data[3].y[1:].tolist() == [7.0, 7.0, 7.0]
    fig.write_html(tmp_path / "regret.html")
    assert (tmp_path / "regret.html").stat().st_size > 1000
    with pytest.raises(UnknownNameError, match="use one of"):
        incumbent_figure(frame, "hypervolume")


def test_live_curve_is_the_regret_of_the_run(synth_bench):
    run = make_run(synth_bench)
    plot = IncumbentPlot(run)
    run.run()
    history = run.history
    last = history.groupby("finish_seconds")["incumbent_report"].last()
    mean = plot.fig.data[1]
    assert mean.x.tolist() == last.index.tolist()
    assert np.allclose(mean.y, best_test_acc(synth_bench) - last.to_numpy())
    assert plot.n_points == 60 and "60 trials" in plot.status.value


def test_live_incumbent_value_and_seed_band(synth_bench):
    runs = [make_run(synth_bench, seed=s, queries=30) for s in (0, 1, 2)]
    plot = IncumbentPlot(runs, "incumbent")
    for run in runs:
        run.run()
    assert plot.labels == ["random"] and len(plot.fig.data) == 2  # one band for three seeds
    final = [run.history["incumbent_report"].iloc[-1] for run in runs]
    assert plot.fig.data[1].y[-1] == pytest.approx(np.mean(final)) and plot.fig.data[1].customdata[-1] == 3


def test_updates_happen_in_place(synth_bench):
    run = make_run(synth_bench, queries=200)
    plot = IncumbentPlot(run, min_interval_seconds=0.0)
    run.run(max_steps=20)
    traces = list(plot.fig.data)
    before = len(plot.fig.data[1].x)
    run.run()
    assert all(a is b for a, b in zip(traces, plot.fig.data)) and len(plot.fig.data) == len(traces)
    assert len(plot.fig.data[1].x) > before and plot.n_points == 200


def test_throttle_with_a_frozen_clock(synth_bench):
    clock = FrozenClock()
    run = make_run(synth_bench, queries=300)
    plot = IncumbentPlot(run, clock=clock)
    run.run(max_steps=150)
    wait_until_no_deferred_redraw(plot)  # the trailing redraw fired, but the frozen clock says not due
    assert plot.redraws == 1 and plot.n_points == 1  # only the first trial was due
    assert plot.flush() is False
    clock.now = 0.1
    assert plot.flush() is True and plot.n_points == 150
    run.run()
    assert plot.redraws == 3 and plot.n_points == 300  # RunFinished forced the last one


def test_the_end_of_a_burst_is_drawn_without_waiting_for_another_trial(synth_bench):
    run = make_run(synth_bench, queries=50)
    plot = IncumbentPlot(run, min_interval_seconds=1.0)
    run.run(max_steps=5)
    assert not run.finished
    wait_until_no_deferred_redraw(plot)
    assert plot.n_points == 5 and plot.redraws == 2
    plot.detach()


def test_throttle_with_the_real_clock_redraws_far_less_than_once_per_trial(synth_bench):
    run = make_run(synth_bench, queries=500)
    plot = IncumbentPlot(run)
    run.run()
    assert plot.n_points == 500 and plot.redraws < 100


def test_attached_after_the_run_draws_its_history_and_detach_stops_following(synth_bench):
    run = make_run(synth_bench, queries=40)
    run.run(max_steps=10)
    plot = IncumbentPlot(run)
    assert plot.n_points == 10
    plot.detach()
    run.run()
    assert plot.n_points == 10


@pytest.mark.parametrize("runs, kwargs, message", [
    (lambda b: make_run(b), {"value": "accuracy"}, "value &#x27;accuracy&#x27; is unknown; use one of"),
    (lambda b: [], {}, "no runs to follow"),
    (lambda b: ["not a run"], {}, "must be nasbench_kit.run.Run objects"),
    (lambda b: [make_run(b), make_run(b)], {"labels": ["one"]}, "one label per run"),
])
def test_bad_input_is_a_message_not_a_traceback(synth_bench, runs, kwargs, message):
    plot = IncumbentPlot(runs(synth_bench), **kwargs)
    assert message in plot.status.value and "Traceback" not in plot.status.value
    assert len(plot.fig.data) == 0


def test_an_empty_history_says_it_is_waiting(synth_bench):
    plot = IncumbentPlot(make_run(synth_bench))
    assert plot.status.value == "waiting for the first trial..." and plot.redraws == 0


def test_live_regret_is_measured_on_the_runs_report_dataset(tmp_path):
    """Search on one dataset, report on another: the regret's zero is the report dataset's best."""
    from nasbench_kit.benchmarks.table import TabularBenchmark
    from tests.benchmarks.synthetic import write_synthetic_nb201

    bench = TabularBenchmark.from_file(write_synthetic_nb201(tmp_path / "two.parquet", datasets=("easy", "hard"),
                                                             seeds=(0,), n_epochs=3))
    run = Run(make_strategy("random", bench.space), bench, budget=Budget(queries=30), seed=0,
              dataset="easy", report_dataset="hard")
    plot = IncumbentPlot(run)
    run.run()
    best_hard = float(np.nanmax(bench.metric_array("test_acc", dataset="hard", over="table")))
    best_easy = float(np.nanmax(bench.metric_array("test_acc", dataset="easy", over="table")))
    assert best_hard < best_easy - 5  # the two zeros differ, so the test tells them apart
    last = run.history.groupby("finish_seconds")["incumbent_report"].last()
    assert np.allclose(plot.fig.data[1].y, best_hard - last.to_numpy())
