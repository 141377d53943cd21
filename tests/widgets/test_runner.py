"""BackgroundRun: a run in a daemon thread, stoppable at once."""

from __future__ import annotations

import threading

import pytest

from nasbench_kit.budget import Budget
from nasbench_kit.errors import ArgumentError
from nasbench_kit.run import Run
from nasbench_kit.strategies import make_strategy
from tests.widgets.helpers import Broken
from widgets.runner import BackgroundRun


def make_run(bench, queries):
    return Run(make_strategy("random", bench.space), bench, budget=Budget(queries=queries), seed=0)


def test_runs_to_the_end_in_another_thread(synth_bench):
    threads = []
    run = make_run(synth_bench, 50)
    run.on("trial_finished", lambda event: threads.append(threading.current_thread()))
    background = BackgroundRun(run).start()
    assert background.wait(30)
    assert not background.is_running and background.error is None
    assert run.finished_reason == "budget" and len(run.history) == 50
    assert threads and all(t is not threading.main_thread() for t in threads)


def test_stop_ends_a_long_run_within_half_a_second(synth_bench):
    run = make_run(synth_bench, 10**7)
    background = BackgroundRun(run).start()
    while run.n_trials < 100:  # it is really running
        background.wait(0.01)
    assert background.stop(timeout_seconds=0.5)
    assert not background.is_running and run.finished_reason == "stopped"


def test_an_error_in_the_run_is_kept_and_reported(synth_bench):
    done = []
    run = Run(Broken(synth_bench.space), synth_bench, budget=Budget(queries=5))
    background = BackgroundRun(run, on_done=done.append).start()
    assert background.wait(10)
    assert isinstance(background.error, RuntimeError) and done == [background]


def test_start_once_and_only_unfinished_runs(synth_bench):
    run = make_run(synth_bench, 5)
    background = BackgroundRun(run).start()
    with pytest.raises(ArgumentError, match="already started"):
        background.start()
    background.wait(10)
    with pytest.raises(ArgumentError, match="already finished"):
        BackgroundRun(run)
