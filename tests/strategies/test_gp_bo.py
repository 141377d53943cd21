"""GP-BO: scikit-learn Gaussian process + expected improvement (Jones et al. 1998;
Snoek et al. 2012) over random and mutated candidates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from nasbench_kit.errors import ArgumentError
from nasbench_kit.objectives import Objective
from nasbench_kit.spaces import MacroSpace, NB101Space
from nasbench_kit.strategies import make_strategy
from nasbench_kit.strategies.base import SearchProblem
from nasbench_kit.strategies.gp_bo import GaussianProcessBO, expected_improvement
from tests.strategies.bo_helpers import (
    NB201,
    conv3x3_in_function,
    few_conv3x3,
    held_out_spearman,
    mean_best,
    random_mean_best,
    toy,
)
from tests.strategies.helpers import constrained_problem, drive, make_trial

#: A small, fast configuration for the unit tests (the defaults are tested on the table).
SMALL = dict(num_init=4, num_random=40, num_mutations=20)


def small(space=NB201, seed=0, **changes):
    return GaussianProcessBO(space, seed=seed, **{**SMALL, **changes})


def test_registered_with_documented_defaults():
    strategy = make_strategy("gp-bo", NB201, seed=0)
    assert isinstance(strategy, GaussianProcessBO)
    assert strategy.hyperparameters() == {
        "num_init": 10, "batch_size": 1, "num_random": 200, "num_mutations": 100, "num_parents": 10,
        "xi": 0.0, "encoding": "onehot",
    }


@pytest.mark.parametrize("name, bad", [
    ("num_init", 0), ("batch_size", 0), ("num_random", -1), ("num_mutations", 2.0), ("num_parents", 0),
    ("xi", -0.1), ("xi", math.inf), ("encoding", "graph"), ("encoding", None),
])
def test_bad_hyperparameters_name_the_parameter(name, bad):
    with pytest.raises(ArgumentError, match=name):
        GaussianProcessBO(NB201, seed=0, **{name: bad})


def test_an_empty_candidate_pool_is_refused():
    with pytest.raises(ArgumentError, match="num_random \\+ num_mutations"):
        GaussianProcessBO(NB201, seed=0, num_random=0, num_mutations=0)


def test_expected_improvement_matches_the_closed_form():
    assert expected_improvement(np.array([0.0]), np.array([1.0]), best=0.0)[0] == pytest.approx(norm.pdf(0.0))
    assert expected_improvement(np.array([2.0, -1.0]), np.array([0.0, 0.0]), best=0.5).tolist() == [1.5, 0.0]
    mean, std, best = 0.3, 0.7, 0.5  # Monte Carlo reference of E[max(Y - best, 0)]
    draws = np.random.default_rng(0).normal(mean, std, 400_000)
    exact = expected_improvement(np.array([mean]), np.array([std]), best=best)[0]
    assert exact == pytest.approx(np.maximum(draws - best, 0.0).mean(), rel=1e-2)


@given(st.floats(-5, 5), st.floats(0.01, 5), st.floats(-5, 5), st.floats(0.0, 1.0))
def test_expected_improvement_bounds_and_monotonicity(mean, std, best, xi):
    ei = expected_improvement(np.array([mean, mean + 0.5, mean]), np.array([std, std, std + 0.5]), best, xi)
    assert ei[0] >= max(mean - best - xi, 0.0) - 1e-12  # Jensen: E[max(Y-b,0)] >= max(E[Y]-b,0)
    assert ei[1] >= ei[0] - 1e-12 and ei[2] >= ei[0] - 1e-12  # better mean or more spread: more EI


def test_same_seed_same_asks_with_outstanding_and_reordered_tells():
    def asks(seed):
        told = drive(small(seed=seed), conv3x3_in_function, 16, batch=3, rng=np.random.default_rng(seed))
        return [t.arch for t in told]

    assert asks(1) == asks(1)
    assert asks(1) != asks(2)
    reseeded = small(seed=9)
    reseeded.reseed(1)
    assert [t.arch for t in drive(reseeded, conv3x3_in_function, 16, batch=3, rng=np.random.default_rng(1))] \
        == asks(1)


def test_predict_does_not_change_the_asks():
    watched = small(seed=1, batch_size=2)
    told = []
    for number in range(12):
        arch = watched.ask()
        told.append(arch)
        watched.tell(make_trial(number, arch, NB201, conv3x3_in_function(arch)))
        if number >= 1:
            watched.predict([NB201.cell_at(number)])  # fits between the strategy's own fits
    assert told == [t.arch for t in drive(small(seed=1, batch_size=2), conv3x3_in_function, 12)]


def test_gp_random_state_comes_from_the_strategy_seed():
    models = []
    for seed in (3, 3, 4):
        strategy = small(seed=seed)
        drive(strategy, conv3x3_in_function, 6)
        strategy.predict([NB201.cell_at(0)])
        models.append(strategy._model.random_state)
    assert models[0] == models[1] != models[2]


def test_beats_random_search_on_the_synthetic_table(synth_bench):
    """Defaults; 3 seeds x 50 queries."""
    view = synth_bench.search_view()
    seeds = range(3)
    strategies = {}

    def factory(seed):
        strategies[seed] = GaussianProcessBO(NB201, seed=seed)
        return strategies[seed]

    gp = mean_best(factory, view.valid_acc, 50, seeds)
    random = random_mean_best(view.valid_acc, 50, seeds)
    assert gp > random + 5.0  # percentage points; measured 94.6 vs 70.7
    assert held_out_spearman(strategies[0], view.valid_acc) > 0.8  # measured 0.99 (additive synthetic table)


def test_asks_the_candidates_with_the_best_acquisition_in_order(monkeypatch):
    strategy = small(batch_size=3)
    drive(strategy, conv3x3_in_function, 4)
    pool = [(arch, NB201.canonical(arch)) for arch in (NB201.cell_at(i) for i in (5, 77, 300, 1234, 9000))]
    monkeypatch.setattr(strategy, "_candidate_pool", lambda count: pool)
    monkeypatch.setattr(strategy, "_acquisition", lambda model, encoded: np.array([0.1, 0.5, 0.3, 0.9, 0.0]))
    assert [strategy.ask() for _ in range(3)] == [pool[i][0] for i in (3, 1, 2)]


def test_candidates_mix_random_samples_and_mutations_of_the_best(monkeypatch):
    strategy = small(num_random=0, num_mutations=40, num_parents=2, num_init=8)
    told = drive(strategy, conv3x3_in_function, 8)
    parents = sorted(told, key=lambda t: -t.value)[:2]
    near = {NB201.canonical(n) for t in parents for n in NB201.neighbors(t.arch)}
    pool = strategy._candidate_pool(1)
    assert pool and {canonical for _, canonical in pool} <= near
    assert not {canonical for _, canonical in pool} & {t.canonical for t in told}  # nothing seen again
    mixed = small(num_random=40, num_mutations=0, num_init=8)
    drive(mixed, conv3x3_in_function, 8)
    assert len(mixed._candidate_pool(1)) >= 30  # random samples, distinct and unseen


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**20), outstanding=st.integers(1, 5))
def test_never_repeats_a_class_with_outstanding_asks(seed, outstanding):
    strategy = small(seed=seed, num_init=3)
    told = drive(strategy, conv3x3_in_function, 15, batch=outstanding, rng=np.random.default_rng(seed))
    assert len({t.canonical for t in told}) == 15


def test_reuses_the_model_until_a_new_trial_arrives(monkeypatch):
    strategy = small()
    drive(strategy, conv3x3_in_function, 4)
    fits = []
    original = strategy._fit
    monkeypatch.setattr(strategy, "_fit", lambda *args: fits.append(1) or original(*args))
    pending = [strategy.ask() for _ in range(3)]  # three workers ask before any result
    assert len(fits) == 1 and len({NB201.canonical(a) for a in pending}) == 3
    strategy.tell(make_trial(4, pending[1], NB201, conv3x3_in_function(pending[1])))
    strategy.ask()
    assert len(fits) == 2


def test_ignores_infeasible_trials_and_respects_constraints():
    strategy = small()
    strategy.setup(constrained_problem(few_conv3x3))
    told = drive(strategy, conv3x3_in_function, 20, batch=2)
    assert all(few_conv3x3(t.arch) for t in told)
    assert sorted(t.value for t in told)[-1] == 2.0  # the best feasible class is found
    strategy.tell(make_trial(99, NB201.from_decisions((3,) * 6), NB201, math.nan, feasible=False))
    assert len(strategy._targets) == 20


def test_minimizes_when_the_first_objective_is_minimized():
    strategy = small(num_init=6)
    strategy.setup(SearchProblem(objectives=(Objective("params", maximize=False),)))
    told = drive(strategy, conv3x3_in_function, 16)
    assert [t.value for t in told[6:]].count(0.0) >= 5  # EI keeps asking for conv3x3-free cells
    mean, _ = strategy.predict([NB201.from_decisions((0,) * 6), NB201.from_decisions((3,) * 6)])
    assert mean[0] < mean[1]


@pytest.mark.parametrize("space", [NB101Space(), MacroSpace()], ids=["nb101", "macro"])
def test_works_on_nb101_and_macro_spaces(space):
    value = toy(space)
    strategy = small(space)
    told = drive(strategy, value, 12, batch=2, rng=np.random.default_rng(1))
    assert all(space.validate(t.arch) is t.arch for t in told)
    assert len({t.canonical for t in told}) == 12
    mean, std = strategy.predict([t.arch for t in told])
    assert np.corrcoef(mean, [t.value for t in told])[0, 1] > 0.9  # the GP fits its own data
    assert (std >= 0).all()
