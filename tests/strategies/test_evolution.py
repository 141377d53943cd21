"""Regularized evolution (Real et al., AAAI 2019): tournament, aging, seeding, constraints."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import ArgumentError
from nasbench_kit.spaces import MacroSpace, NB101Space, NB201Space
from nasbench_kit.strategies import make_strategy
from nasbench_kit.strategies.evolution import RegularizedEvolution
from tests.strategies.helpers import constrained_problem, drive, make_trial

NB201 = NB201Space()


def conv3x3_count(arch) -> float:
    return float(arch.ops.count("nor_conv_3x3"))


def linear_value(space, seed=0):
    """A value computed from the one-hot encoding with fixed random weights."""
    weights = np.random.default_rng(seed).normal(size=space.encoding_length("onehot"))
    return lambda arch: 80.0 + float(space.encode(arch) @ weights)


class ParentSpy(RegularizedEvolution):
    """Records the parent handed to the mutation."""

    def mutate_feasible(self, parent):
        self.parents = [*getattr(self, "parents", []), parent]
        return super().mutate_feasible(parent)


def test_same_seed_same_trajectory_and_other_seed_differs():
    def archs(seed):
        return [t.arch for t in drive(RegularizedEvolution(NB201, seed=seed), conv3x3_count, 60)]

    assert archs(7) == archs(7)
    assert archs(7) != archs(8)


def test_registered_with_paper_defaults():
    rea = make_strategy("rea", NB201, seed=0)
    assert isinstance(rea, RegularizedEvolution)
    assert rea.hyperparameters() == {"population_size": 10, "sample_size": 3}


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"population_size": 0}, "population_size"),
        ({"population_size": 2.5}, "population_size"),
        ({"population_size": True}, "population_size"),
        ({"sample_size": 0}, "sample_size"),
        ({"sample_size": 11}, "sample_size"),  # more than the default population of 10
        ({"population_size": 4, "sample_size": 5}, "sample_size"),
        ({"sample_size": "3"}, "sample_size"),
    ],
)
def test_bad_hyperparameters_are_refused_by_name(kwargs, name):
    with pytest.raises(ArgumentError, match=name):
        RegularizedEvolution(NB201, seed=0, **kwargs)
    with pytest.raises(ArgumentError, match=name):
        make_strategy("rea", NB201, seed=0, **kwargs)


def test_asks_are_random_until_the_population_is_full():
    rea = ParentSpy(NB201, seed=1, population_size=5, sample_size=2)
    drive(rea, conv3x3_count, 5)
    assert not hasattr(rea, "parents")  # five random architectures, no mutation yet
    assert len(rea.population) == 5
    rea.ask()
    assert len(rea.parents) == 1 and rea.parents[0] in [t.arch for t in rea.population]


def test_outstanding_asks_keep_sampling_randomly():
    rea = ParentSpy(NB201, seed=2, population_size=3, sample_size=2)
    asked = [rea.ask() for _ in range(8)]  # eight workers, nothing told yet
    assert not hasattr(rea, "parents")
    for number, arch in reversed(list(enumerate(asked))):  # told in reverse order
        rea.tell(make_trial(number, arch, NB201, conv3x3_count(arch)))
    assert [t.number for t in rea.population] == [2, 1, 0]  # age = order of telling
    rea.ask()
    assert len(rea.parents) == 1


def test_aging_removes_the_oldest_even_if_it_is_the_best():
    rea = RegularizedEvolution(NB201, seed=0, population_size=3, sample_size=2)
    cells = [NB201.cell_at(i) for i in (10, 20, 30, 40)]
    values = [99.0, 1.0, 2.0, 3.0]
    for number, (cell, value) in enumerate(zip(cells, values)):
        rea.tell(make_trial(number, cell, NB201, value))
    assert [t.number for t in rea.population] == [1, 2, 3]
    assert max(t.value for t in rea.population) == 3.0


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.integers(0, 5), min_size=6, max_size=6), seed=st.integers(0, 1000))
def test_tournament_parent_is_the_best_of_the_drawn_sample(values, seed):
    rea = ParentSpy(NB201, seed=seed, population_size=6, sample_size=3)
    for number, value in enumerate(values):
        rea.tell(make_trial(number, NB201.cell_at(number * 97), NB201, float(value)))
    replay = copy.deepcopy(rea.rng)  # the same draws the tournament will make
    drawn = replay.integers(0, 6, size=3).tolist()
    expected = max(drawn, key=lambda i: values[i])  # first drawn wins ties
    rea.ask()
    assert rea.parents[0] == rea.population[expected].arch


def test_tournament_with_the_whole_population_favours_the_best():
    rea = ParentSpy(NB201, seed=3, population_size=4, sample_size=4)
    for number, value in enumerate([1.0, 50.0, 2.0, 3.0]):
        rea.tell(make_trial(number, NB201.cell_at(number * 11), NB201, value))
    for _ in range(200):
        rea.ask()
    best = rea.population[1].arch
    share = sum(p == best for p in rea.parents) / len(rea.parents)
    assert share > 0.6  # P(best among 4 draws with replacement) = 1 - (3/4)**4 = 0.68


def test_minimized_objective_prefers_small_values():
    from nasbench_kit.objectives import Objective
    from nasbench_kit.strategies.base import SearchProblem

    rea = ParentSpy(NB201, seed=4, population_size=2, sample_size=2)
    rea.setup(SearchProblem(objectives=(Objective("params", maximize=False),)))
    rea.tell(make_trial(0, NB201.cell_at(1), NB201, 5.0))
    rea.tell(make_trial(1, NB201.cell_at(2), NB201, 1.0))
    for _ in range(50):
        rea.ask()
    assert all(p == NB201.cell_at(2) or p == NB201.cell_at(1) for p in rea.parents)
    assert sum(p == NB201.cell_at(2) for p in rea.parents) > 30  # 3/4 of tournaments


def test_infeasible_trials_never_join_the_population():
    rea = RegularizedEvolution(NB201, seed=0, population_size=3, sample_size=1)
    rea.tell(make_trial(0, NB201.cell_at(5), NB201, 90.0, feasible=False))
    assert rea.population == ()
    rea.tell(make_trial(1, NB201.cell_at(6), NB201, 10.0))
    assert [t.number for t in rea.population] == [1]


def test_telling_before_asking_seeds_the_population():
    rea = ParentSpy(NB201, seed=5, population_size=3, sample_size=2)
    seeds = [NB201.cell_at(i) for i in (100, 200, 300)]
    for number, cell in enumerate(seeds):
        rea.tell(make_trial(number, cell, NB201, 50.0 + number))
    child = rea.ask()  # population full: the very first ask already mutates a seed
    assert rea.parents[0] in seeds
    assert child in NB201.neighbors(rea.parents[0])


def test_asks_respect_the_constraints():
    def feasible(cell):
        return cell.ops[0] != "none" and cell.ops.count("nor_conv_3x3") <= 3

    rea = RegularizedEvolution(NB201, seed=6, population_size=5, sample_size=2)
    rea.setup(constrained_problem(feasible))
    told = drive(rea, conv3x3_count, 80, batch=3, rng=np.random.default_rng(0))
    assert all(feasible(t.arch) for t in told)
    assert max(t.value for t in told) == 3.0  # climbs to the constraint's edge


@pytest.mark.parametrize("space", [NB201Space(), NB101Space(), MacroSpace()], ids=["nb201", "nb101", "macro"])
def test_runs_on_every_space(space):
    value = linear_value(space)
    rea = RegularizedEvolution(space, seed=0, population_size=8, sample_size=3)
    told = drive(rea, value, 60, batch=2, rng=np.random.default_rng(1))
    assert all(space.validate(t.arch) == t.arch for t in told)
    assert len(rea.population) == 8
    first, last = told[:8], told[-8:]
    assert np.mean([t.value for t in last]) > np.mean([t.value for t in first])  # selection pressure


def test_end_to_end_run_is_reproducible(synth_bench):
    from nasbench_kit.budget import Budget
    from nasbench_kit.run import Run

    def history():
        run = Run(make_strategy("rea", synth_bench.space), synth_bench, budget=Budget(queries=40), seed=3,
                  n_workers=3)
        return run.run().history

    first, second = history(), history()
    assert len(first) == 40
    assert first["arch"].tolist() == second["arch"].tolist()
