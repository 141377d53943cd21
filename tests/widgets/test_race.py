"""Strategy race: runs stepped in order of simulated time in one thread; Stop stops all."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nasbench_kit.budget import Budget
from nasbench_kit.errors import ArgumentError
from nasbench_kit.run import Run
from nasbench_kit.strategies import make_strategy
from tests.widgets.helpers import Broken
from widgets.race import RaceRunner, StrategyRace, next_run


def make_runs(bench, names, *, budget):
    return [Run(make_strategy(name, bench.space), bench, budget=budget, seed=0) for name in names]


def test_runs_are_stepped_in_order_of_simulated_time(synth_bench):
    runs = make_runs(synth_bench, ["random", "rea", "local-search"], budget=Budget(seconds=5_000.0))
    starts, threads = [], []
    for k, run in enumerate(runs):
        run.on("trial_finished", lambda e, k=k: (starts.append((e.row["start_seconds"], k)),
                                                 threads.append(threading.current_thread())))
    runner = RaceRunner(runs).start()
    assert runner.wait(60) and runner.error is None
    assert all(run.finished_reason == "budget" for run in runs)
    times = [t for t, _ in starts]
    assert times == sorted(times)  # each step went to the run furthest behind
    assert {k for _, k in starts} == {0, 1, 2} and runner.steps >= len(starts)
    assert all(t is runner._thread for t in threads) and runner._thread is not threading.main_thread()


def test_next_run_skips_finished_runs(synth_bench):
    runs = make_runs(synth_bench, ["random", "random"], budget=Budget(queries=3))
    runs[0].run(max_steps=1)
    assert next_run(runs) is runs[1]  # its clock is at 0
    runs[1].run()
    assert next_run(runs) is runs[0]
    runs[0].run()
    assert next_run(runs) is None


def test_an_error_is_kept_and_the_other_runs_are_stopped(synth_bench):
    good = make_runs(synth_bench, ["random"], budget=Budget(queries=10**7))[0]
    broken = Run(Broken(synth_bench.space), synth_bench, budget=Budget(queries=10))
    runner = RaceRunner([good, broken]).start()
    assert runner.wait(10) and isinstance(runner.error, RuntimeError)
    assert good.finished_reason == "stopped"


def test_runner_refuses_no_runs_and_finished_runs(synth_bench):
    with pytest.raises(ArgumentError, match="at least one run"):
        RaceRunner([])
    run = make_runs(synth_bench, ["random"], budget=Budget(queries=2))[0].run()
    with pytest.raises(ArgumentError, match="already finished"):
        RaceRunner([run])


@pytest.fixture
def race_factory(synth_bench):
    made = []

    def make(*args, **kwargs):
        race = StrategyRace(synth_bench, *args, **kwargs)
        made.append(race)
        return race

    yield make
    for race in made:
        if race.runner is not None:
            race.runner.stop(timeout_seconds=5.0)


def test_race_panel_runs_every_strategy_and_seed_to_the_end(race_factory):
    race = race_factory(["random", "rea"], seeds=2, budget=Budget(seconds=3_000.0))
    race.start_button.click()
    assert race.runner.wait(60), race.status.value
    assert len(race.runs) == 4 and all(r.finished_reason == "budget" for r in race.runs)
    assert race.labels == ["random", "random", "rea", "rea"]
    plot = race.plot
    assert plot in race.plot_box.children and [t.name for t in plot.fig.data] == ["random band", "random",
                                                                                  "rea band", "rea"]
    assert plot.n_points == sum(r.n_trials for r in race.runs)  # the final state is drawn
    final = np.mean([r.history["incumbent_report"].iloc[-1] for r in race.runs[2:]])
    best = float(np.nanmax(race.benchmark.metric_array("test_acc", over="table")))
    assert plot.fig.data[3].y[-1] == pytest.approx(best - final)
    assert race.status.value.startswith("budget: mean final incumbent test_acc: random")
    assert not race.start_button.disabled and race.stop_button.disabled


def test_stop_button_stops_every_run(race_factory):
    race = race_factory(["random", "rea", "local-search"], budget=Budget(seconds=1e12))
    race.start_button.click()
    assert race.runner.is_running and not race.stop_button.disabled
    while sum(r.n_trials for r in race.runs) < 300:
        race.runner.wait(0.01)
    race.stop_button.click()
    assert race.runner.wait(0.5)
    assert [r.finished_reason for r in race.runs] == ["stopped"] * 3
    assert race.plot.n_points == sum(r.n_trials for r in race.runs)
    assert race.status.value.startswith("stopped:")


def test_start_while_racing_is_refused(race_factory):
    race = race_factory(["random"], budget=Budget(seconds=1e12))
    race.start_button.click()
    runs = race.runs
    race.start_button.click()
    assert race.runs is runs and "already going" in race.status.value


@pytest.mark.parametrize("args, kwargs, message", [
    ((["random", "nope"],), {}, "strategy &#x27;nope&#x27; is unknown; use one of"),
    (({"random": {"bogus": 1}},), {}, "bad hyperparameter"),
    ((["random"],), {"seeds": 0}, "seeds must be an int &gt;= 1"),
    (([],), {}, "choose at least one strategy"),
])
def test_bad_input_is_a_message_and_starts_nothing(race_factory, args, kwargs, message):
    race = race_factory(*args, **kwargs)
    race.start_button.click()
    assert message in race.status.value and "Traceback" not in race.status.value
    assert race.runner is None and race.plot is None and race.plot_box.children == ()
