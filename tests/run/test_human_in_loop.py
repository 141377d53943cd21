"""Human in the loop: pause / resume, suggest, veto, steering, manual mode, checkpoint
replay of human actions, and ranking a person's run against the built-in strategies."""

from __future__ import annotations

import math
import re
import threading
import time

import numpy as np
import pandas as pd
import pytest

from nasbench_kit.budget import Budget
from nasbench_kit.compare import rank_against
from nasbench_kit.errors import ArgumentError, InfeasibleError, NasKitError, OutOfSpaceError, RunStateError
from nasbench_kit.objectives import Constraint
from nasbench_kit.run import HumanAction, Run, TrialFinished
from nasbench_kit.spaces import NB201Space
from nasbench_kit.strategies import Strategy, make_strategy
from nasbench_kit.strategies.manual import ManualStrategy

SPACE = NB201Space()
A = SPACE.parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")
B = SPACE.parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|avg_pool_3x3~2|")
A_ISO = next(c for c in SPACE.neighbors(A) if SPACE.canonical(c) == SPACE.canonical(A) and c != A)


class Scripted(Strategy):
    """Asks fixed architectures (then random ones) and records everything it is told."""

    name = "scripted"

    def __init__(self, space, *, seed=None, asks=()):
        super().__init__(space, seed=seed)
        self.asks = list(asks)
        self.told = []

    def ask(self):
        return self.asks.pop(0) if self.asks else self.sample_feasible()

    def tell(self, trial):
        self.told.append(trial)


class Stubborn(Strategy):
    """Always proposes the same cell."""

    name = "stubborn"

    def ask(self):
        return A

    def tell(self, trial):
        pass


def rea_run(bench, *, seed=0, queries=60, **kwargs):
    return Run(make_strategy("rea", bench.space, population_size=5, sample_size=2), bench,
               budget=Budget(queries=queries), seed=seed, **kwargs)


# --- suggest ----------------------------------------------------------------------------------
def test_suggestions_are_evaluated_in_order_marked_user_and_join_the_population(synth_bench):
    run = rea_run(synth_bench)
    run.suggest(A, str(B))
    assert run.pending_suggestions == (str(A), str(B))
    rows = run.step() + run.step()
    assert [r["arch"] for r in rows] == [str(A), str(B)] and [r["source"] for r in rows] == ["user", "user"]
    assert run.n_evaluations == 2 and run.pending_suggestions == ()
    assert [t.arch for t in run.strategy.population] == [A, B]  # REA was told them like any trial
    run.run(max_steps=3)
    assert run.history["source"].tolist() == ["user", "user", "strategy", "strategy", "strategy"]
    assert run.summary()["user_trials"] == 2
    assert [a.kind for a in run.actions] == ["suggest"] and run.actions[0].archs == (str(A), str(B))


def test_cancel_suggestions_drops_the_pending_ones(synth_bench):
    run = rea_run(synth_bench)
    run.suggest(A, B)
    run.cancel_suggestions()
    assert run.pending_suggestions == () and run.step()[0]["source"] == "strategy"


def test_an_infeasible_suggestion_is_refused_naming_the_constraint_before_any_charge(synth_bench):
    latency = synth_bench.metric_array("latency_ms_cpu1t", over="table")
    limit = float(np.median(latency))
    slow = SPACE.parse(synth_bench.archs[int(np.nanargmax(latency))])
    run = rea_run(synth_bench, constraints=[Constraint("latency_ms_cpu1t", at_most=limit)])
    value = synth_bench.query(slow).latency_ms["cpu1t"]
    with pytest.raises(InfeasibleError, match=rf"latency_ms_cpu1t = {value:.6g}, which violates latency_ms_cpu1t <= "):
        run.suggest(A, slow)  # one bad architecture: none of them is queued
    assert run.pending_suggestions == () and run.actions == () and run.n_evaluations == 0
    assert run.clock.now_seconds == 0


@pytest.mark.parametrize("call, error, match", [
    (lambda run: run.suggest(), ArgumentError, "at least one"),
    (lambda run: run.suggest("|conv5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|"), OutOfSpaceError, "conv5x5"),
    (lambda run: run.suggest(A, epoch=13), ArgumentError, "epoch 13"),
    (lambda run: run.veto(), ArgumentError, "at least one"),
    (lambda run: run.pin_parent(A, children=-1), ArgumentError, "children"),
    (lambda run: run.pin_parent(A), ArgumentError, "suggest it first"),
    (lambda run: run.seed_population(B), ArgumentError, "suggest it first"),
])
def test_bad_human_input_fails_clearly_and_records_nothing(synth_bench, call, error, match):
    run = rea_run(synth_bench)
    with pytest.raises(error, match=match):
        call(run)
    assert run.actions == () and run.pending_suggestions == ()


def test_actions_on_a_finished_run_are_refused(synth_bench):
    run = rea_run(synth_bench, queries=2).run()
    for call in (lambda: run.suggest(A), lambda: run.veto(A), lambda: run.pin_parent(A), run.cancel_suggestions):
        with pytest.raises(RunStateError, match="finished"):
            call()


# --- veto -------------------------------------------------------------------------------------
def test_vetoed_candidates_are_skipped_free_told_as_rejected_and_the_strategy_asked_again(synth_bench):
    strategy = Scripted(SPACE, seed=0, asks=[A, A_ISO, B, A])
    run = Run(strategy, synth_bench, budget=Budget(queries=3), seed=0)
    run.veto(A)
    assert run.vetoed == (str(A),)
    first = run.step()
    assert [r["arch"] for r in first] == [str(B)] and first[0]["trial"] == 0
    assert run.n_vetoed == 2 and run.vetoed_candidates == ((0, str(A)), (0, str(A_ISO)))
    rejected = [t for t in strategy.told if t.vetoed]
    assert [t.arch for t in rejected] == [A, A_ISO]
    assert all(not t.feasible and math.isnan(t.value) and t.train_seconds == 0 for t in rejected)
    assert run.n_evaluations == 1 and run.clock.now_seconds == pytest.approx(first[0]["train_seconds"])
    with pytest.raises(ArgumentError, match="is vetoed"):
        run.suggest(A_ISO)
    run.unveto(A_ISO)  # any member of the class lifts the veto
    assert run.vetoed == () and run.step()[0]["arch"] == str(A)
    assert run.summary()["vetoed_candidates"] == 2 and str(A_ISO) not in set(run.history["arch"])


def test_a_strategy_that_only_proposes_vetoed_cells_ends_with_a_clear_error(synth_bench):
    run = Run(Stubborn(SPACE, seed=0), synth_bench, budget=Budget(queries=5))
    run.max_vetoed_asks = 7
    run.veto(A)
    with pytest.raises(RunStateError, match="8 vetoed candidates in a row"):
        run.step()
    assert run.finished_reason == "vetoed" and run.n_vetoed == 8 and run.n_evaluations == 0


# --- steering ---------------------------------------------------------------------------------
def test_pin_parent_makes_rea_mutate_that_parent_for_the_next_children(synth_bench):
    def children(pin):
        run = rea_run(synth_bench, seed=3)
        run.run(max_steps=8)  # population full (5): tournaments from here on
        parent = SPACE.parse(run.history.sort_values("valid_acc")["arch"].iloc[0])  # the worst: never a winner
        if pin:
            run.pin_parent(parent, children=3)
            assert run.strategy.pinned[1] == 3
        rows = [run.step()[0] for _ in range(5)]
        return parent, [SPACE.parse(r["arch"]) for r in rows], run

    parent, pinned, run = children(True)
    neighbours = set(SPACE.neighbors(parent))
    assert all(child in neighbours for child in pinned[:3])
    assert run.strategy.pinned == (None, 0)
    _, free, _ = children(False)
    assert not all(child in neighbours for child in free[:3])  # the pin is what made them its children
    assert run.actions[-1] == HumanAction(8, "pin_parent", (str(parent),), children=3)


def test_seed_population_adds_evaluated_trials_as_youngest_members(synth_bench):
    run = rea_run(synth_bench, seed=1)
    run.suggest(A)
    run.run(max_steps=9)
    assert A not in [t.arch for t in run.strategy.population]  # aged out
    run.seed_population(A_ISO)  # isomorphic: the run's own trial of A is used
    members = run.strategy.population
    assert members[-1].arch == A and members[-1].number == 0 and len(members) == 5


def test_local_search_restarts_its_climb_from_a_pinned_parent(synth_bench):
    run = Run(make_strategy("local-search", SPACE), synth_bench, budget=Budget(queries=40), seed=0)
    run.run(max_steps=6)  # climbing from a random start
    assert run.strategy.center.arch != B
    run.suggest(B)
    run.step()
    run.pin_parent(B)
    assert run.strategy.center.arch == B
    neighbours = {SPACE.canonical(c) for c in SPACE.neighbors(B)}
    asked = [run.step()[0]["canonical"] for _ in range(4)]
    assert set(asked) <= neighbours
    with pytest.raises(ArgumentError, match="children must be None"):
        run.pin_parent(B, children=2)


@pytest.mark.parametrize("method, args", [("pin_parent", (A,)), ("seed_population", (A,))])
def test_strategies_without_steering_say_which_strategies_support_it(synth_bench, method, args):
    run = Run(make_strategy("random", SPACE), synth_bench, budget=Budget(queries=5), seed=0)
    run.suggest(A)
    run.step()
    supported = "['rea', 'local-search']" if method == "pin_parent" else "['rea']"
    expected = f"RandomSearch ('random') does not support {method}; strategies that do: {supported}"
    with pytest.raises(ArgumentError, match=re.escape(expected)):
        getattr(run, method)(*args)
    assert run.actions[-1].kind == "suggest"


# --- pause / threads --------------------------------------------------------------------------
def test_pause_holds_a_background_run_without_busy_waiting_and_stop_ends_it_promptly(synth_bench):
    run = rea_run(synth_bench, queries=10**7)
    first = threading.Event()
    run.on(TrialFinished, lambda e: first.set())
    worker = threading.Thread(target=run.run, daemon=True)
    worker.start()
    assert first.wait(10)
    run.pause()
    assert run.paused
    time.sleep(0.05)
    held = run.n_trials
    cpu = time.process_time()
    time.sleep(0.3)
    assert run.n_trials == held and worker.is_alive()
    assert time.process_time() - cpu < 0.1  # blocked on a condition, not spinning
    run.suggest(A)  # acting while paused is immediate
    run.step()  # single-stepping works while paused
    assert run.history["source"].iloc[-1] == "user" and run.n_trials == held + 1
    run.resume_running()
    deadline = time.monotonic() + 10
    while run.n_trials < held + 50 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert run.n_trials >= held + 50
    run.pause()
    time.sleep(0.05)
    start = time.monotonic()
    run.stop()
    worker.join(0.5)
    assert not worker.is_alive() and time.monotonic() - start < 0.5 and run.finished_reason == "stopped"


def test_actions_from_another_thread_while_running_take_effect_between_trials(synth_bench):
    run = rea_run(synth_bench, queries=10**7)
    worker = threading.Thread(target=run.run, daemon=True)
    worker.start()
    time.sleep(0.1)
    waits = []
    for cell in (A, B):
        start = time.monotonic()
        run.suggest(cell)
        waits.append(time.monotonic() - start)
    run.veto(A_ISO)
    time.sleep(0.1)
    run.stop()
    worker.join(2)
    history = run.history
    user = history[history["source"] == "user"]
    assert user["arch"].tolist() == [str(A), str(B)] and max(waits) < 0.5
    at = [action.at for action in run.actions]
    assert at == sorted(at) and user["trial"].tolist()[0] >= at[0]
    vetoed_after = history[(history["trial"] >= at[2]) & (history["source"] == "strategy")]
    assert SPACE.canonical(A) not in set(vetoed_after["canonical"])


# --- manual mode ------------------------------------------------------------------------------
def test_manual_mode_evaluates_only_suggestions_and_run_waits_for_them(synth_bench):
    run = Run(ManualStrategy(SPACE), synth_bench, budget=Budget(queries=3))
    with pytest.raises(RunStateError, match=r"run.suggest\(arch\)"):
        run.step()
    assert run.n_trials == 0 and not run.finished
    worker = threading.Thread(target=run.run, daemon=True)
    worker.start()
    time.sleep(0.2)
    assert worker.is_alive() and run.n_trials == 0  # waiting, not failing
    for cell in (A, B, A_ISO):
        run.suggest(cell)
    worker.join(5)
    assert not worker.is_alive() and run.finished_reason == "budget"
    assert run.history["arch"].tolist() == [str(A), str(B), str(A_ISO)]
    assert set(run.history["source"]) == {"user"} and len(run.strategy.told) == 3


def test_a_waiting_manual_run_stops_promptly(synth_bench):
    run = Run(ManualStrategy(SPACE), synth_bench, budget=Budget(queries=3))
    worker = threading.Thread(target=run.run, daemon=True)
    worker.start()
    time.sleep(0.1)
    run.stop()
    worker.join(0.5)
    assert not worker.is_alive() and run.finished_reason == "stopped"


# --- checkpoint replay ------------------------------------------------------------------------
def scripted_session(bench, *, n_workers, until=None):
    """A REA run driven by a fixed script of human actions; stops after ``until`` steps."""
    run = rea_run(bench, seed=7, queries=45, n_workers=n_workers)
    done = {"callback": False}

    def from_callback(event):  # an action made inside a step waits for the step's end
        if event.row["trial"] >= 12 and not done["callback"]:
            done["callback"] = True
            run.suggest(B)

    run.on(TrialFinished, from_callback)
    script = [
        (0, lambda: run.suggest(A)),
        (10, lambda: run.pin_parent(run.incumbent["arch"], children=4)),
        (10, lambda: run.veto(*SPACE.neighbors(SPACE.parse(run.incumbent["arch"]))[:12])),
        (20, lambda: run.seed_population(A)),
        (25, lambda: run.unveto(SPACE.neighbors(SPACE.parse(run.incumbent["arch"]))[0])),
        (30, lambda: run.suggest(A_ISO)),
    ]
    steps = 0
    while not run.finished and (until is None or steps < until):
        for at, action in script:
            if at == steps:
                action()
        run.step()
        steps += 1
    return run


@pytest.mark.parametrize("n_workers", [1, 3])
def test_resume_replays_human_actions_to_the_same_trajectory(synth_bench, tmp_path, n_workers):
    whole = scripted_session(synth_bench, n_workers=n_workers)
    again = scripted_session(synth_bench, n_workers=n_workers)
    pd.testing.assert_frame_equal(whole.history, again.history)  # same seed + same actions = same history
    assert whole.n_vetoed > 0 and (whole.history["source"] == "user").sum() == 3

    part = scripted_session(synth_bench, n_workers=n_workers, until=31)
    part.suggest(B)  # still pending when saved
    part.pin_parent(part.incumbent["arch"], children=2)
    part.save(tmp_path / "run.json")
    resumed = Run.resume(tmp_path / "run.json", synth_bench)
    assert resumed.actions == part.actions and resumed.vetoed_candidates == part.vetoed_candidates
    assert resumed.pending_suggestions == (str(B),) and resumed.vetoed == part.vetoed
    assert resumed.strategy.pinned[1] == 2 and resumed.strategy.pinned[0].arch == part.strategy.pinned[0].arch
    pd.testing.assert_frame_equal(resumed.history, part.history)
    pd.testing.assert_frame_equal(resumed.run().history, part.run().history)


def test_resume_detects_a_checkpoint_whose_actions_were_lost(synth_bench, tmp_path):
    import json

    run = scripted_session(synth_bench, n_workers=1, until=25)
    path = run.save(tmp_path / "run.json")
    state = json.loads(path.read_text())
    state["actions"] = [a for a in state["actions"] if a["kind"] != "pin_parent"]
    path.write_text(json.dumps(state))
    with pytest.raises(NasKitError, match="resuming diverged"):
        Run.resume(path, synth_bench)


def test_a_manual_run_saves_and_resumes(synth_bench, tmp_path):
    run = Run(ManualStrategy(SPACE), synth_bench, budget=Budget(queries=4))
    run.suggest(A, B)
    run.step()
    run.save(tmp_path / "manual.json")
    resumed = Run.resume(tmp_path / "manual.json", synth_bench)
    assert isinstance(resumed.strategy, ManualStrategy) and resumed.pending_suggestions == (str(B),)
    pd.testing.assert_frame_equal(resumed.history, run.history)


def test_old_format_checkpoints_still_resume(synth_bench, tmp_path):
    import json

    run = rea_run(synth_bench, seed=2)
    run.suggest(A)
    run.run(max_steps=6)
    path = run.save(tmp_path / "run.json")
    state = json.loads(path.read_text())
    state["format"] = "nasbench_kit.run/1"
    del state["actions"]
    path.write_text(json.dumps(state))
    pd.testing.assert_frame_equal(Run.resume(path, synth_bench).history, run.history)


# --- ranking a person's run -----------------------------------------------------------------
def test_rank_against_places_a_manual_run_among_the_strategies(synth_bench):
    test = synth_bench.metric_array("test_acc", over="table")
    best, worst = synth_bench.archs[int(np.nanargmax(test))], synth_bench.archs[int(np.nanargmin(test))]

    def manual(cell):  # one trial of a budget of four: ranked as it stands
        run = Run(ManualStrategy(SPACE), synth_bench, budget=Budget(queries=4))
        run.suggest(cell)
        run.step()
        return run

    good = rank_against(manual(best), strategies=["random", "rea"], seeds=range(6))
    assert good["strategy"].tolist() == ["random", "rea"] and (good["runs"] == 6).all()
    assert good["user_regret"].iloc[0] == pytest.approx(0.0)
    assert (good["percentile"] == 100.0).all() and (good["rank"] == 1).all()
    bad = rank_against(manual(worst), strategies=["random"], seeds=range(6))
    assert bad["percentile"].iloc[0] == 0.0 and bad["rank"].iloc[0] == 7
    assert bad["user_regret"].iloc[0] > bad["median_regret"].iloc[0]
    with pytest.raises(ArgumentError, match="no feasible trial"):
        rank_against(Run(ManualStrategy(SPACE), synth_bench, budget=Budget(queries=4)), strategies=["random"])
