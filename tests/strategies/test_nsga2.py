"""NSGA-II: crowding distance, ranking, generations, elitism, asynchronous tells."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nasbench_kit.errors import ArgumentError
from nasbench_kit.objectives import Objective
from nasbench_kit.pareto import hypervolume
from nasbench_kit.spaces import NB201Space
from nasbench_kit.strategies import SearchProblem, make_strategy
from nasbench_kit.strategies.nsga2 import NSGA2, crowding_distance, rank_and_crowding

from .mf_helpers import SPACES, TWO_OBJECTIVES, drive, trial_of

# Toy NB201 objectives: (accuracy, params) per op; 3x3 convs are accurate and expensive.
_QUALITY = {"none": 0.0, "skip_connect": 0.4, "nor_conv_1x1": 0.6, "nor_conv_3x3": 1.0, "avg_pool_3x3": 0.3}
_PARAMS = {"none": 0.0, "skip_connect": 0.0, "nor_conv_1x1": 0.2, "nor_conv_3x3": 1.0, "avg_pool_3x3": 0.05}
_REFERENCE = [0.0, 7.0]  # (accuracy, params): worse than any cell


def _toy(arch, epoch=None):
    quality = sum(_QUALITY[op] for op in arch.ops) + 0.05 * sum(i * (op == "skip_connect")
                                                                 for i, op in enumerate(arch.ops))
    return (quality, sum(_PARAMS[op] for op in arch.ops))


def _nsga(seed=0, **kwargs):
    nsga = NSGA2(NB201Space(), seed=seed, **kwargs)
    nsga.setup(SearchProblem(objectives=TWO_OBJECTIVES))
    return nsga


def _hv(archs):
    return hypervolume([_toy(a) for a in archs], _REFERENCE, maximize=[True, False])


def test_crowding_distance_known_example():
    points = [[1.0, 5.0], [2.0, 3.0], [4.0, 2.0], [5.0, 1.0]]
    # both ranges are 4: point 1 gets (4-1)/4 + (5-2)/4, point 2 gets (5-2)/4 + (3-1)/4
    assert crowding_distance(points).tolist() == [np.inf, 1.5, 1.25, np.inf]


def test_crowding_distance_edge_cases():
    assert crowding_distance(np.zeros((0, 2))).tolist() == []
    assert crowding_distance([[1.0, 2.0]]).tolist() == [np.inf]
    assert crowding_distance([[1.0, 2.0], [2.0, 1.0]]).tolist() == [np.inf, np.inf]
    flat = crowding_distance([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])  # objective 1 has no range
    assert flat[1] == 1.0 and np.isinf(flat[[0, 2]]).all()


@given(arrays(np.float64, st.tuples(st.integers(3, 12), st.integers(1, 4)), elements=st.floats(-1e3, 1e3)))
@settings(max_examples=60, deadline=None)
def test_crowding_distance_invariants(points):
    distance = crowding_distance(points)
    assert (distance >= 0).all() and np.isinf(distance).sum() >= 2
    # Scaling an objective does not change the (normalized) distance.
    scaled = crowding_distance(points * np.arange(1, points.shape[1] + 1))
    finite = np.isfinite(distance)
    assert np.allclose(distance[finite], scaled[finite])


def test_rank_and_crowding_puts_infeasible_last():
    oriented = np.array([[1.0, 2.0], [np.inf, np.inf], [2.0, 1.0], [3.0, 3.0]])
    ranks, crowd = rank_and_crowding(oriented)
    assert ranks.tolist() == [0, 2, 0, 1] and crowd[1] == 0.0


@given(arrays(np.float64, st.tuples(st.integers(1, 15), st.just(2)), elements=st.integers(0, 4).map(float)),
       st.integers(1, 15))
@settings(max_examples=60, deadline=None)
def test_needed_skips_only_fronts_that_cannot_survive(points, needed):
    ranks, crowd = rank_and_crowding(points)
    ranks_cut, crowd_cut = rank_and_crowding(points, needed=needed)
    kept = np.lexsort((-crowd, ranks))[:needed]
    assert (ranks == ranks_cut).all() and (crowd[kept] == crowd_cut[kept]).all()


def test_generation_zero_is_random_then_children_follow():
    nsga = _nsga(population_size=4)
    first = drive(nsga, 4, _toy)
    assert nsga.generation == 1 and set(nsga.population) == {a for a, _ in first}
    drive(nsga, 4, _toy)
    assert nsga.generation == 2


def test_elitism_keeps_the_first_front_of_parents_and_children():
    nsga = _nsga(seed=3, population_size=10)
    space = nsga.space
    told = [a for a, _ in drive(nsga, 20, _toy)]  # generation 0 and its children
    unique = list({space.canonical(a): a for a in reversed(told)}.values())  # isomorphic: one kept
    values = np.array([_toy(a) for a in unique])
    ranks = rank_and_crowding(np.c_[-values[:, 0], values[:, 1]])[0]
    front = {space.canonical(a) for a, r in zip(unique, ranks) if r == 0}
    assert 2 <= len(front) <= 10 and front <= {space.canonical(a) for a in nsga.population}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_population_improves_its_hypervolume(seed):
    nsga = _nsga(seed=seed)
    drive(nsga, 20, _toy)
    initial = _hv(nsga.population)
    drive(nsga, 120, _toy)
    assert nsga.generation == 7
    assert _hv(nsga.population) > initial


def test_asks_beyond_the_queue_and_shuffled_tells():
    nsga = _nsga(seed=5, population_size=4)
    asked = [nsga.ask() for _ in range(10)]  # more than a generation before any tell
    order = np.random.default_rng(0).permutation(10)
    for number, i in enumerate(order):
        nsga.tell(trial_of(nsga.space, asked[i], _toy(asked[i]), number=number))
    assert nsga.generation == 2 and len(nsga.population) == 4
    assert len({nsga.ask() for _ in range(4)}) >= 1  # children of the selected parents


def test_infeasible_trials_do_not_survive_when_feasible_ones_exist():
    nsga = _nsga(population_size=3)
    archs = [nsga.ask() for _ in range(3)]
    for number, arch in enumerate(archs):
        nsga.tell(trial_of(nsga.space, arch, _toy(arch), number=number, feasible=number != 1))
    children = [nsga.ask() for _ in range(3)]
    for number, arch in enumerate(children):
        nsga.tell(trial_of(nsga.space, arch, _toy(arch), number=3 + number))
    assert archs[1] not in children and archs[1] not in nsga.population


def test_minimize_and_maximize_orientation_is_respected():
    nsga = NSGA2(NB201Space(), seed=0, population_size=10)
    nsga.setup(SearchProblem(objectives=(Objective("valid_acc", maximize=False),)))  # minimize accuracy
    drive(nsga, 100, lambda arch, epoch: (_toy(arch)[0],))
    assert np.mean([_toy(a)[0] for a in nsga.population]) < 1.0


def test_same_seed_same_proposals():
    assert drive(_nsga(seed=9), 60, _toy) == drive(_nsga(seed=9), 60, _toy)


@pytest.mark.parametrize("kwargs", [{"population_size": 1}, {"population_size": 2.0}, {"crossover_prob": 1.5}])
def test_bad_hyperparameters_raise(kwargs):
    with pytest.raises(ArgumentError):
        NSGA2(NB201Space(), **kwargs)


def test_registered_as_multi_objective():
    nsga = make_strategy("nsga2", NB201Space(), seed=0, population_size=8)
    assert isinstance(nsga, NSGA2) and nsga.multi_objective and not nsga.multi_fidelity


@pytest.mark.parametrize("space_name", sorted(SPACES))
def test_works_on_every_space(space_name):
    space = SPACES[space_name]()
    weights = np.random.default_rng(1).random((2, space.encoding_length("onehot")))
    nsga = NSGA2(space, seed=0, population_size=6)
    nsga.setup(SearchProblem(objectives=TWO_OBJECTIVES))
    asked = drive(nsga, 30, lambda arch, epoch: tuple(weights @ space.encode(arch)))
    for arch, _ in asked:
        space.validate(arch)
    assert nsga.generation == 5 and len(nsga.population) == 6


def test_in_a_run_with_two_objectives_and_several_workers(synth_bench):
    from nasbench_kit.budget import Budget
    from nasbench_kit.run import Run

    nsga = NSGA2(synth_bench.space, seed=0)
    run = Run(nsga, synth_bench, budget=Budget(queries=100), objectives=TWO_OBJECTIVES, seed=0, n_workers=3).run()
    assert len(run.history) == 100 and nsga.generation >= 4
