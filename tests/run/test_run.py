"""The Run loop: budgets, constraints, dedupe, events, workers, fidelity, reproducibility."""

from __future__ import annotations

import math
import threading

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nasbench_kit.benchmarks.schema import write_table
from nasbench_kit.benchmarks.table import TabularBenchmark
from nasbench_kit.budget import Budget
from nasbench_kit.errors import ArgumentError, UnknownNameError
from nasbench_kit.objectives import Constraint, Objective
from nasbench_kit.run import IncumbentChanged, Run, RunFinished, TrialFinished
from nasbench_kit.spaces import NB201Space
from nasbench_kit.strategies import Proposal, Strategy, make_strategy


class Spy(Strategy):
    """Random search that records everything it is told, and can replay fixed asks."""

    name = "spy"

    def __init__(self, space, *, seed=None, asks=None):
        super().__init__(space, seed=seed)
        self.told = []
        self.asks = list(asks or [])

    def ask(self):
        return self.asks.pop(0) if self.asks else self.sample_feasible()

    def tell(self, trial):
        self.told.append(trial)


def visible(trial) -> tuple:
    """Everything a strategy can read from a Trial, as a comparable tuple."""
    return (trial.number, str(trial.arch), trial.canonical, trial.epoch, trial.feasible, trial.objectives,
            tuple(sorted(trial.costs.items())), tuple(trial.valid_curve), tuple(trial.curve_epochs),
            trial.train_seconds, trial.finish_seconds, trial.duplicate)


def test_query_budget_counts_charged_evaluations(synth_bench):
    run = Run(make_strategy("random", synth_bench.space), synth_bench, budget=Budget(queries=40), seed=3).run()
    history = run.history
    assert run.n_evaluations == 40 and len(history) == 40
    assert run.finished_reason == "budget"
    assert history["incumbent_search"].is_monotonic_increasing
    best = history.loc[history["valid_acc"].idxmax()]
    assert history["incumbent_search"].iloc[-1] == best["valid_acc"]
    assert history["incumbent_report"].iloc[-1] == best["test_acc"]


def test_seconds_budget_stops_after_the_trial_that_crosses_it(synth_bench):
    run = Run(make_strategy("random", synth_bench.space), synth_bench, budget=Budget(seconds=2000.0), seed=1).run()
    finish = run.history["finish_seconds"].to_numpy()
    assert finish[-1] >= 2000.0 > finish[-2]  # the last one started before the budget ran out
    assert np.isclose(run.history["train_seconds"].sum(), finish[-1])


def test_same_seed_same_history_bit_for_bit(synth_bench):
    def history(seed):
        return Run(make_strategy("random", synth_bench.space), synth_bench, budget=Budget(queries=30),
                   seed=seed).run().history

    pd.testing.assert_frame_equal(history(5), history(5))
    assert not history(5)["arch"].equals(history(6)["arch"])


def test_test_metric_never_reaches_the_strategy(synth_bench, synth_path, tmp_path):
    """Two tables that differ only in test accuracy: the strategy is told exactly the same."""
    table = pq.read_table(synth_path)
    test = table.column("test_acc").combine_chunks()
    shuffled = test.take(pa.array(np.random.default_rng(0).permutation(len(test))))
    other = table.set_column(table.column_names.index("test_acc"), "test_acc", shuffled)
    other_bench = TabularBenchmark.from_file(write_table(other, tmp_path / "other-test.parquet"))
    spies = []
    histories = []
    for bench in (synth_bench, other_bench):
        spy = Spy(bench.space, seed=9)
        histories.append(Run(spy, bench, budget=Budget(queries=60)).run().history)
        spies.append([visible(t) for t in spy.told])
    assert spies[0] == spies[1]
    assert not np.allclose(histories[0]["test_acc"], histories[1]["test_acc"])  # the report did change
    assert not any(name.startswith("test") for name in vars(spy.told[0]))


def test_report_metric_cannot_be_an_objective(synth_bench):
    with pytest.raises(ArgumentError, match="report metric"):
        Run(Spy(synth_bench.space), synth_bench, budget=Budget(queries=5), objectives=[Objective("test_acc")])


def test_constraints_are_checked_before_charging(synth_bench):
    limit = float(np.median(synth_bench.metric_array("latency_ms_cpu1t", over="table")))
    space = NB201Space()
    slow = max((space.cell_at(i) for i in range(0, 15625, 97)),
               key=lambda c: synth_bench.query(c).latency_ms["cpu1t"])
    spy = Spy(space, seed=0, asks=[slow])
    run = Run(spy, synth_bench, budget=Budget(queries=20), constraints=[Constraint("latency_ms_cpu1t", at_most=limit)])
    run.run()
    history = run.history
    first = history.iloc[0]
    assert not first["feasible"] and first["train_seconds"] == 0 and first["finish_seconds"] == 0
    assert math.isnan(first["valid_acc"]) and not spy.told[0].feasible
    assert (history.loc[history["feasible"], "latency_ms_cpu1t"] <= limit).all()
    assert run.n_evaluations == 20 and history["feasible"].sum() == 20  # strategies sample feasible cells


def test_impossible_constraint_names_the_tightest_value(synth_bench):
    low = float(np.nanmin(synth_bench.metric_array("latency_ms_cpu1t", over="table")))
    with pytest.raises(ArgumentError, match=f"tightest feasible limit: latency_ms_cpu1t <= {low:.6g}"):
        Run(Spy(synth_bench.space), synth_bench, budget=Budget(queries=5),
            constraints=[Constraint("latency_ms_cpu1t", at_most=low / 2)])


@pytest.mark.parametrize("bad, error", [
    (dict(objectives=[Objective("no_such_metric")]), UnknownNameError),
    (dict(constraints=[Constraint("valid_acc", at_least=50)]), ArgumentError),
    (dict(dedupe="yes"), ArgumentError),
    (dict(n_workers=0), ArgumentError),
    (dict(epoch=13), Exception),
])
def test_bad_arguments_fail_before_running(synth_bench, bad, error):
    with pytest.raises(error):
        Run(Spy(synth_bench.space), synth_bench, budget=Budget(queries=5), **bad)


def test_dedupe_skips_isomorphs_and_counts_waste(synth_bench):
    space = NB201Space()
    a = space.parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")
    b = space.parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|avg_pool_3x3~2|")
    iso = [c for c in space.neighbors(a) if space.canonical(c) == space.canonical(a)]
    assert iso, "a has an isomorphic neighbour (an edge from a dead node)"
    asks = [a, iso[0], a, b]
    wasted = Run(Spy(space, asks=asks), synth_bench, budget=Budget(queries=4), seed=0).run()
    saved = Run(Spy(space, asks=asks + [b]), synth_bench, budget=Budget(queries=3), seed=0, dedupe=True).run()
    hw, hs = wasted.history, saved.history
    assert hw["duplicate_of"].tolist()[:3] == [-1, 0, 0] and (hw["train_seconds"].iloc[:3] > 0).all()
    assert wasted.summary()["seconds_on_isomorphs"] == pytest.approx(hw["train_seconds"].iloc[1:3].sum())
    assert hs["skipped"].tolist()[:3] == [False, True, True]
    assert (hs["train_seconds"].iloc[1:3] == 0).all() and hs["valid_acc"].iloc[1] == hs["valid_acc"].iloc[0]


def test_events_subscribe_and_unsubscribe(synth_bench):
    seen = {"trial": 0, "incumbent": 0, "finished": []}
    run = Run(make_strategy("random", synth_bench.space), synth_bench, budget=Budget(queries=25), seed=0)
    unsubscribe = run.on(TrialFinished, lambda e: seen.__setitem__("trial", seen["trial"] + 1))
    run.on("incumbent_changed", lambda e: seen.__setitem__("incumbent", seen["incumbent"] + 1))
    run.on(RunFinished, lambda e: seen["finished"].append(e.reason))
    run.run(max_steps=10)
    unsubscribe()
    run.run()
    assert seen["trial"] == 10 and seen["finished"] == ["budget"]
    assert seen["incumbent"] == run.history["incumbent_trial"].nunique()
    with pytest.raises(ArgumentError):
        run.on("no-such-event", print)


def test_stop_from_another_thread(synth_bench):
    run = Run(make_strategy("random", synth_bench.space), synth_bench, budget=Budget(queries=10**6), seed=0)
    started = threading.Event()
    run.on(TrialFinished, lambda e: started.set())
    worker = threading.Thread(target=run.run)
    worker.start()
    assert started.wait(10)
    run.stop()
    worker.join(5)
    assert not worker.is_alive() and run.finished_reason == "stopped" and run.n_trials < 10**6


def test_parallel_workers_overlap_and_tell_in_finish_order(synth_bench):
    run = Run(make_strategy("random", synth_bench.space), synth_bench, budget=Budget(queries=40), seed=2,
              n_workers=4).run()
    history = run.history
    assert set(history["worker"]) == {0, 1, 2, 3}
    assert run.clock.makespan_seconds < 0.4 * history["train_seconds"].sum()
    assert history["finish_seconds"].is_monotonic_increasing


def test_higher_fidelity_continues_the_same_training(synth_bench):
    cell = NB201Space().cell_at(1234)
    asks = [Proposal(cell, epoch=4), Proposal(cell, epoch=12), Proposal(cell, epoch=12)]
    run = Run(Spy(NB201Space(), asks=asks), synth_bench, budget=Budget(queries=3)).run()
    record = synth_bench.query(cell)
    charged = run.history["train_seconds"].tolist()
    assert charged[0] == pytest.approx(record.at(4).train_seconds)
    assert charged[1] == pytest.approx(record.at(12).train_seconds - record.at(4).train_seconds)
    assert charged[2] == pytest.approx(record.at(12).train_seconds)  # retrained from scratch
    assert run.history["valid_acc"].iloc[0] == pytest.approx(record.at(4).valid_acc)


def test_suggestions_are_evaluated_and_told(synth_bench):
    cell = NB201Space().cell_at(777)
    spy = Spy(NB201Space(), seed=0)
    run = Run(spy, synth_bench, budget=Budget(queries=5))
    run.suggest(str(cell))
    run.run()
    assert run.history["source"].tolist() == ["user"] + ["strategy"] * 4
    assert spy.told[0].arch == cell


@pytest.mark.parametrize("n_workers", [1, 3])
def test_save_and_resume_reproduce_the_uninterrupted_run(synth_bench, tmp_path, n_workers):
    def make():
        return Run(make_strategy("random", synth_bench.space), synth_bench, budget=Budget(queries=50), seed=4,
                   n_workers=n_workers, constraints=[Constraint("params", at_most=40_000)])

    whole = make().run().history
    part = make()
    part.suggest(NB201Space().cell_at(5))
    part.run(max_steps=20)
    part.save(tmp_path / "run.json")
    resumed = Run.resume(tmp_path / "run.json", synth_bench)
    assert resumed.n_trials == part.n_trials
    resumed.run()
    again = make()
    again.suggest(NB201Space().cell_at(5))
    pd.testing.assert_frame_equal(resumed.history, again.run().history)
    assert len(whole) == len(resumed.history)


def test_resume_refuses_a_file_that_is_not_a_checkpoint(synth_bench, tmp_path):
    (tmp_path / "x.json").write_text('{"format": "something else"}')
    with pytest.raises(ArgumentError, match="not a run checkpoint"):
        Run.resume(tmp_path / "x.json", synth_bench)


@pytest.mark.parametrize("name", ["bananas", "gp-bo"])
def test_stop_during_a_surrogate_fit_ends_the_run_without_finishing_the_fit(synth_bench, name):
    """Stop pressed while BANANAS / GP-BO fit their model: the fit gives up at its next
    check (between ensemble members, after an L-BFGS iteration) and the run ends."""
    strategy = make_strategy(name, synth_bench.space, num_init=5)
    run = Run(strategy, synth_bench, budget=Budget(queries=60), seed=0)
    calls = {"fit": 0, "completed": 0}
    original = strategy._fit

    def fit_then_press_stop_inside(encoded, targets, rng):
        calls["fit"] += 1
        if calls["fit"] == 2:
            run.stop()  # as if the Stop button were pressed while the model trains
        model = original(encoded, targets, rng)
        calls["completed"] += 1
        return model

    strategy._fit = fit_then_press_stop_inside
    run.run()
    assert run.finished_reason == "stopped"
    assert calls == {"fit": 2, "completed": 1}  # the second fit never finished
    trials = run.n_trials
    assert 5 < trials < 60
    # outside a step the surrogate still answers (a finished run's model can be inspected)
    mean, std = strategy.predict([synth_bench.space.cell_at(0)])
    assert np.isfinite(mean).all() and np.isfinite(std).all()
    assert run.n_trials == trials


def test_the_default_gp_optimizer_is_unchanged_by_the_stop_check(synth_bench):
    """GP-BO's optimizer is scikit-learn's default L-BFGS-B call plus a stop check: same kernel."""
    from sklearn.gaussian_process import GaussianProcessRegressor

    strategy = make_strategy("gp-bo", synth_bench.space, num_init=5)
    Run(strategy, synth_bench, budget=Budget(queries=12), seed=1).run()
    ours = strategy._fitted_model()
    default = GaussianProcessRegressor(ours.kernel, normalize_y=True, random_state=ours.random_state)
    default.fit(np.stack(strategy._rows), np.asarray(strategy._targets))
    assert np.allclose(ours.kernel_.theta, default.kernel_.theta)
    assert ours.log_marginal_likelihood_value_ == pytest.approx(default.log_marginal_likelihood_value_)
