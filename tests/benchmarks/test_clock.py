"""SimulatedClock: hand-computed timelines, continuation charges, worker invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.benchmarks.record import Curve
from nasbench_kit.budget import Budget, SimulatedClock
from nasbench_kit.errors import ArgumentError


def test_one_worker_is_sequential_time():
    clock = SimulatedClock()
    a = clock.charge("a", epoch=12, train_seconds=100.0)
    b = clock.charge("b", epoch=12, train_seconds=40.0)
    assert (a.start_seconds, a.finish_seconds, a.worker) == (0.0, 100.0, 0)
    assert (b.start_seconds, b.finish_seconds) == (100.0, 140.0)
    assert clock.now_seconds == clock.makespan_seconds == clock.charged_seconds == 140.0
    assert [j.key for j in clock.pop_finished()] == ["a", "b"]
    assert clock.pop_finished() == [] and clock.n_jobs == 2


def test_continuing_a_run_charges_only_the_difference():
    clock = SimulatedClock()
    clock.charge("a", epoch=12, train_seconds=100.0)
    more = clock.charge("a", epoch=50, train_seconds=420.0)
    assert more.charged_seconds == 320.0 and (more.start_seconds, more.finish_seconds) == (100.0, 420.0)
    again = clock.charge("a", epoch=30, train_seconds=250.0)  # already trained past 30: free
    same = clock.charge("a", epoch=50, train_seconds=420.0)
    assert again.charged_seconds == same.charged_seconds == 0.0 and again.worker is None
    assert clock.charged_seconds == 420.0 and clock.trained_epoch("a") == 50
    other = clock.charge("b", epoch=12, train_seconds=100.0)  # another key pays in full
    assert other.charged_seconds == 100.0 and clock.now_seconds == 520.0


def test_two_workers_hand_computed_timeline():
    clock = SimulatedClock(n_workers=2)
    a = clock.charge("a", epoch=1, train_seconds=10)  # worker 0: [0, 10]
    assert clock.now_seconds == 0.0  # worker 1 is still free at t=0
    b = clock.charge("b", epoch=1, train_seconds=4)  # worker 1: [0, 4]
    assert (a.worker, b.worker) == (0, 1)
    assert clock.now_seconds == 4.0 and [j.key for j in clock.pop_finished()] == ["b"]
    c = clock.charge("c", epoch=1, train_seconds=3)  # worker 1: [4, 7]
    assert (c.worker, c.start_seconds, c.finish_seconds) == (1, 4.0, 7.0)
    assert clock.now_seconds == 7.0 and [j.key for j in clock.pop_finished()] == ["c"]
    d = clock.charge("d", epoch=1, train_seconds=5)  # worker 1: [7, 12]
    assert clock.now_seconds == 10.0 and [j.key for j in clock.pop_finished()] == ["a"]
    # Continue "a" (ready at 10) to epoch 2: worker 0 is free at 10 -> [10, 16].
    e = clock.charge("a", epoch=2, train_seconds=16)
    assert (e.worker, e.start_seconds, e.finish_seconds, e.charged_seconds) == (0, 10.0, 16.0, 6.0)
    assert clock.now_seconds == 12.0 and [j.key for j in clock.pop_finished()] == ["d"]
    assert clock.makespan_seconds == 16.0 and clock.charged_seconds == 10 + 4 + 3 + 5 + 6
    assert [j.finish_seconds for j in clock.pop_finished(until=math.inf)] == [16.0]
    assert d.worker == 1


def test_continuation_waits_for_its_checkpoint():
    clock = SimulatedClock(n_workers=2)
    clock.charge("a", epoch=12, train_seconds=10)  # worker 0: [0, 10]
    more = clock.charge("a", epoch=24, train_seconds=15)  # worker 1 is free at 0 but "a" is ready at 10
    assert (more.worker, more.start_seconds, more.finish_seconds) == (1, 10.0, 15.0)
    again = clock.charge("a", epoch=24, train_seconds=15)  # free, available when the epoch-24 job ends
    assert again.finish_seconds == 15.0 and again.worker is None


def test_ties_pop_in_submission_order_and_explicit_workers():
    clock = SimulatedClock(n_workers=3)
    for key in ("x", "y", "z"):
        clock.charge(key, epoch=1, train_seconds=5)
    assert [j.key for j in clock.pop_finished()] == ["x", "y", "z"]
    job = clock.charge("w", epoch=1, train_seconds=1, worker=2)
    assert job.worker == 2 and job.start_seconds == 5.0


def test_charge_reads_seconds_from_a_curve():
    curve = Curve(np.array([1, 2, 3]), *(np.array([1.0, 2.0, 3.0]) for _ in range(6)), np.array([5.0, 11.0, 18.0]))
    clock = SimulatedClock()
    assert clock.charge("a", epoch=2, train_seconds=curve).charged_seconds == 11.0
    assert clock.charge("a", epoch=3, train_seconds=curve).charged_seconds == 7.0
    with pytest.raises(ArgumentError, match="epoch 4 is not on the given curve"):
        clock.charge("b", epoch=4, train_seconds=curve)


def test_charge_with_a_record(bench):
    record = bench.query(0, dataset="synth-a", epoch=12)
    clock = SimulatedClock()
    job = clock.charge(("cell0", "synth-a"), epoch=6, train_seconds=record)
    assert job.charged_seconds == pytest.approx(record.at(6).train_seconds)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epoch": 0, "train_seconds": 1.0}, "epoch must be an int >= 1"),
        ({"epoch": 1.5, "train_seconds": 1.0}, "epoch must be an int >= 1"),
        ({"epoch": 1, "train_seconds": float("nan")}, "query budget"),
        ({"epoch": 1, "train_seconds": -1.0}, "finite seconds >= 0"),
        ({"epoch": 1, "train_seconds": "10"}, "must be a number"),
        ({"epoch": 1, "train_seconds": 1.0, "worker": 5}, r"worker must be None or an int in 0\.\.1"),
    ],
)
def test_bad_charges(kwargs, message):
    with pytest.raises(ArgumentError, match=message):
        SimulatedClock(n_workers=2).charge("a", **kwargs)


def test_falling_cumulative_seconds_are_refused():
    clock = SimulatedClock()
    clock.charge("a", epoch=10, train_seconds=100.0)
    with pytest.raises(ArgumentError, match="must be cumulative"):
        clock.charge("a", epoch=20, train_seconds=50.0)


@pytest.mark.parametrize("n_workers", [0, -1, 1.0, True, "2"])
def test_bad_worker_counts(n_workers):
    with pytest.raises(ArgumentError, match="n_workers must be an int >= 1"):
        SimulatedClock(n_workers=n_workers)


@settings(max_examples=60, deadline=None)
@given(
    n_workers=st.integers(1, 4),
    jobs=st.lists(st.tuples(st.integers(0, 4), st.integers(1, 5), st.floats(0.0, 50.0)), min_size=1, max_size=30),
)
def test_invariants_of_random_schedules(n_workers, jobs):
    clock = SimulatedClock(n_workers=n_workers)
    per_epoch = {}  # key -> per-epoch seconds, so cumulative seconds are consistent per key
    charged = 0.0
    last_now = 0.0
    history = []
    for key, epoch, seconds in jobs:
        per_epoch.setdefault(key, seconds)
        before = clock.trained_epoch(key)
        job = clock.charge(key, epoch=epoch, train_seconds=per_epoch[key] * epoch)
        expected = per_epoch[key] * (epoch - before) if epoch > before else 0.0
        assert job.charged_seconds == pytest.approx(expected)
        assert job.finish_seconds >= job.start_seconds >= last_now - 1e-9
        charged += expected
        assert clock.now_seconds >= last_now
        last_now = clock.now_seconds
        history.append(job)
        for done in clock.pop_finished():
            assert done.finish_seconds <= clock.now_seconds
    assert clock.charged_seconds == pytest.approx(charged)
    assert clock.makespan_seconds >= charged / n_workers - 1e-9
    for w in range(n_workers):  # a worker trains one job at a time
        spans = sorted((j.start_seconds, j.finish_seconds) for j in history if j.worker == w)
        assert all(a[1] <= b[0] + 1e-9 for a, b in zip(spans, spans[1:]))
    if n_workers == 1:
        assert clock.now_seconds == pytest.approx(charged)


def test_state_round_trip_continues_identically():
    clock = SimulatedClock(n_workers=2)
    clock.charge("a", epoch=4, train_seconds=8)
    clock.charge("b", epoch=4, train_seconds=3)
    copy = SimulatedClock.from_state(clock.to_state())
    for c in (clock, copy):
        c.charge("a", epoch=8, train_seconds=20)
        c.charge("c", epoch=1, train_seconds=1)
    assert clock.to_state() == copy.to_state()
    assert clock.pop_finished(until=math.inf) == copy.pop_finished(until=math.inf)


def test_budget_validation_and_exhaustion():
    assert Budget(queries=10).exhausted(now_seconds=1e9, n_queries=9) is False
    assert Budget(queries=10).exhausted(now_seconds=0.0, n_queries=10) is True
    assert Budget(seconds=60, queries=5).exhausted(now_seconds=60.0, n_queries=0) is True
    for kwargs, message in [({}, "needs seconds"), ({"seconds": 0}, "> 0"), ({"seconds": math.inf}, "finite"),
                            ({"queries": 2.5}, "int >= 1"), ({"queries": 0}, "int >= 1")]:
        with pytest.raises(ArgumentError, match=message):
            Budget(**kwargs)
