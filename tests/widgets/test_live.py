"""LiveParetoPlot: drawn from run events, throttled, complete at the end."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench_kit.analysis import pareto_points
from nasbench_kit.budget import Budget
from nasbench_kit.errors import ArgumentError
from nasbench_kit.objectives import Constraint
from nasbench_kit.run import Run
from nasbench_kit.strategies import make_strategy
from tests.widgets.helpers import FrozenClock, wait_until_no_deferred_redraw
from widgets.live import CLOUD, FOUND_FRONT, TRIALS, TRUE_FRONT, LiveParetoPlot

LATENCY = "latency_ms_cpu1t"


def make_run(bench, *, queries=60, seed=0, constraints=()):
    return Run(make_strategy("random", bench.space), bench, budget=Budget(queries=queries), seed=seed,
               constraints=constraints)


def test_the_end_of_a_burst_is_drawn_without_waiting_for_another_trial(synth_bench):
    """Trials arriving faster than the throttle allows are drawn by a trailing redraw."""
    run = make_run(synth_bench, queries=50)
    plot = LiveParetoPlot(run, min_interval_seconds=1.0)
    run.run(max_steps=5)  # a burst: the first trial is drawn at once, four are queued
    assert not run.finished
    wait_until_no_deferred_redraw(plot)
    assert plot.n_points == 5 and plot.redraws == 2
    plot.detach()


def test_trials_and_found_front_match_the_history(synth_bench):
    run = make_run(synth_bench)
    plot = LiveParetoPlot(run, x=LATENCY, y="valid_acc")
    run.run()
    history = run.history
    evaluated = plot.fig.data[TRIALS]
    assert len(evaluated.x) == len(history) == 60
    assert list(evaluated.marker.color) == history["trial"].tolist()  # coloured by trial order
    assert np.allclose(evaluated.x, history[LATENCY]) and np.allclose(evaluated.y, history["valid_acc"])
    front = pareto_points(history, LATENCY, "valid_acc").query("on_front")
    drawn = sorted(zip(plot.fig.data[FOUND_FRONT].x, plot.fig.data[FOUND_FRONT].y))
    assert drawn == sorted(zip(front[LATENCY], front["valid_acc"]))


def test_background_is_the_whole_space_and_the_true_front(synth_bench):
    run = make_run(synth_bench, queries=1)
    fig = LiveParetoPlot(run).fig
    assert fig.data[CLOUD].type == "scattergl" and len(fig.data[CLOUD].x) == 15_625
    assert len(fig.data[TRUE_FRONT].x) >= 1
    # nothing in the space dominates a true-front point
    lat, acc = np.asarray(fig.data[CLOUD].x), np.asarray(fig.data[CLOUD].y)
    for x, y in zip(fig.data[TRUE_FRONT].x, fig.data[TRUE_FRONT].y):
        assert not ((lat <= x) & (acc >= y) & ((lat < x) | (acc > y))).any()


def test_throttle_redraws_far_less_than_once_per_trial_but_draws_everything(synth_bench):
    run = make_run(synth_bench, queries=500)
    plot = LiveParetoPlot(run)
    run.run()
    assert len(plot.fig.data[TRIALS].x) == plot.n_points == 500
    assert plot.redraws < 100


def test_frozen_clock_first_trial_then_the_forced_final_redraw(synth_bench):
    clock = FrozenClock()
    run = make_run(synth_bench, queries=500)
    plot = LiveParetoPlot(run, clock=clock)
    run.run(max_steps=250)
    wait_until_no_deferred_redraw(plot)  # the trailing redraw fired, but the frozen clock says not due
    assert plot.redraws == 1 and plot.n_points == 1  # only the first trial was due
    assert plot.flush() is False  # queued rows, but not due yet
    clock.now = 0.1
    assert plot.flush() is True and plot.n_points == 250
    run.run()
    assert plot.redraws == 3 and len(plot.fig.data[TRIALS].x) == 500  # RunFinished forced the last one


def test_infeasible_region_is_shaded(synth_bench):
    constraints = [Constraint(LATENCY, at_most=2.0), Constraint("params", at_most=1e5)]
    run = make_run(synth_bench, queries=5, constraints=constraints)
    shapes = LiveParetoPlot(run).fig.layout.shapes
    assert len(shapes) == 1 and shapes[0].x0 == 2.0 and shapes[0].x1 > 2.0  # the params bound is not on x


def test_detach_stops_following_and_a_finished_run_is_drawn_at_once(synth_bench):
    run = make_run(synth_bench, queries=40)
    plot = LiveParetoPlot(run)
    run.run(max_steps=10)
    plot.detach()
    run.run()
    assert plot.n_points == 10
    assert LiveParetoPlot(run).n_points == 40  # attached after the run: its history is drawn


def test_unknown_axis_metric_is_refused(synth_bench):
    with pytest.raises(ArgumentError, match="train_loss"):
        LiveParetoPlot(make_run(synth_bench, queries=1), x="train_loss")


def test_on_click_reports_the_architecture_of_the_clicked_point(synth_bench):
    from plotly.callbacks import Points

    run = make_run(synth_bench, queries=30)
    plot = LiveParetoPlot(run)
    run.run()
    clicked = []
    unsubscribe = plot.on_click(clicked.append)
    plot.fig.data[CLOUD]._dispatch_on_click(Points(point_inds=[777]), None)
    plot.fig.data[TRIALS]._dispatch_on_click(Points(point_inds=[5]), None)
    plot.fig.data[FOUND_FRONT]._dispatch_on_click(Points(point_inds=[0]), None)
    history = run.history
    front = pareto_points(history, LATENCY, "valid_acc").query("on_front").sort_values(LATENCY, kind="stable")
    assert clicked == [str(synth_bench.space.cell_at(777)), history["arch"].iloc[5], front["arch"].iloc[0]]
    unsubscribe()
    plot.fig.data[TRIALS]._dispatch_on_click(Points(point_inds=[6]), None)
    assert len(clicked) == 3
    with pytest.raises(ArgumentError, match="no point 30"):
        plot.arch_at(TRIALS, 30)
    with pytest.raises(ArgumentError, match="has no architectures"):
        plot.arch_at(TRUE_FRONT, 0)


def test_forced_flush_waits_for_a_redraw_in_progress(synth_bench):
    """RunFinished's forced flush must not return while another thread is still drawing
    the trials it took from the queue (else the run ends before the figure is complete)."""
    import threading

    run = make_run(synth_bench, queries=10)
    plot = LiveParetoPlot(run, min_interval_seconds=0.0)
    drawing, release = threading.Event(), threading.Event()
    original = plot._redraw

    def slow_redraw():
        drawing.set()
        release.wait(5)
        original()

    run.run(max_steps=1)
    plot._redraw = slow_redraw
    plot._feed.queue.append((99, 1.0, 50.0, True, run.history["arch"].iloc[0]))
    other = threading.Thread(target=plot.flush)
    other.start()
    assert drawing.wait(5)  # the other thread holds the queue's rows and is drawing
    forced = threading.Thread(target=lambda: plot.flush(force=True))
    forced.start()
    forced.join(0.2)
    assert forced.is_alive()  # waits for the redraw in progress instead of returning at once
    release.set()
    forced.join(5)
    other.join(5)
    assert not forced.is_alive() and plot.n_points == len(plot.fig.data[TRIALS].x)
    plot.detach()
