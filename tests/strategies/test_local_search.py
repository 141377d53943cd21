"""Local search (White, Nolen & Savani, UAI 2021): best-improvement climbs and restarts."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench_kit.errors import ArgumentError
from nasbench_kit.spaces import MacroSpace, NB101Space, NB201Space
from nasbench_kit.strategies import make_strategy
from nasbench_kit.strategies.local_search import LocalSearch
from tests.strategies.helpers import constrained_problem, drive, make_trial

NB201 = NB201Space()


def conv3x3_in_function(arch) -> float:
    """conv3x3 ops in the cell's computed function (a function of the isomorphism class)."""
    return float(NB201.canonical(arch).count("nor_conv_3x3"))


def neighbor_classes(arch) -> set[str]:
    return {NB201.canonical(n) for n in NB201.neighbors(arch)}


def feasible_neighbors(strategy, arch):
    return [n for n in strategy.space.neighbors(arch) if strategy.problem.feasible(n)]


def climb_log(strategy, value, n_asks, *, batch=1, rng=None):
    """Drive the strategy and record the centre after every batch of tells."""
    centers = []
    for _ in range(n_asks // batch):
        drive(strategy, value, batch, batch=batch, rng=rng)
        centers.append(strategy.center)
    return centers


def check_moves_and_optima(strategy, value, centers):
    """Every move goes to the best neighbour and improves; every optimum has no better neighbour."""
    moves = 0
    for before, after in zip(centers, centers[1:]):
        if before is None or after is None or before.canonical == after.canonical:
            continue
        if after.canonical in {strategy.space.canonical(n) for n in strategy.space.neighbors(before.arch)}:
            best = max(value(n) for n in feasible_neighbors(strategy, before.arch))
            assert value(after.arch) == best > value(before.arch)
            moves += 1
    for optimum in strategy.local_optima:
        assert all(value(n) <= value(optimum.arch) for n in feasible_neighbors(strategy, optimum.arch))
    return moves


def test_same_seed_same_trajectory_and_other_seed_differs():
    def archs(seed):
        return [t.arch for t in drive(LocalSearch(NB201, seed=seed), conv3x3_in_function, 80)]

    assert archs(2) == archs(2)
    assert archs(2) != archs(3)


def test_registered_and_has_no_hyperparameters():
    assert isinstance(make_strategy("local-search", NB201, seed=0), LocalSearch)
    assert LocalSearch(NB201, seed=0).hyperparameters() == {}
    with pytest.raises(ArgumentError, match="population_size"):
        make_strategy("local-search", NB201, seed=0, population_size=10)


def test_climbs_by_best_improvement_to_the_optimum_then_restarts():
    ls = LocalSearch(NB201, seed=0)
    centers = climb_log(ls, conv3x3_in_function, 300)
    assert check_moves_and_optima(ls, conv3x3_in_function, centers) >= 3
    assert [t.arch for t in ls.local_optima] == [NB201.from_decisions((3,) * 6)]  # this toy has one optimum
    assert ls.n_climbs >= 2  # it restarted after reaching the optimum
    jumps = [b for a, b in zip(centers, centers[1:]) if b.canonical not in neighbor_classes(a.arch) | {a.canonical}]
    assert len(jumps) == ls.n_climbs - 1  # each restart jumps to a random start


def test_finds_distinct_local_optima_on_a_rugged_landscape():
    classes = sorted(set(NB201.all_canonical()))
    noise = dict(zip(classes, np.random.default_rng(0).random(len(classes)).tolist()))

    def rugged(arch):
        return noise[NB201.canonical(arch)]

    ls = LocalSearch(NB201, seed=0)
    centers = climb_log(ls, rugged, 400)
    check_moves_and_optima(ls, rugged, centers)
    assert len(ls.local_optima) >= 3
    assert len({t.canonical for t in ls.local_optima}) == len(ls.local_optima)  # each recorded once


def test_the_climb_starts_over_from_a_random_architecture():
    ls = LocalSearch(NB201, seed=1)
    told = []
    while True:
        arch = ls.ask()
        if ls.local_optima:
            break
        told.append(arch)
        ls.tell(make_trial(len(told), arch, NB201, conv3x3_in_function(arch)))
    assert ls.center is None  # the ask that found the optimum began a new climb
    assert NB201.canonical(arch) not in {NB201.canonical(a) for a in told}  # a fresh random start
    ls.tell(make_trial(len(told) + 1, arch, NB201, conv3x3_in_function(arch)))
    assert ls.center is not None and ls.center.arch == arch


def test_a_climb_evaluates_the_whole_neighbourhood_in_random_order():
    ls = LocalSearch(NB201, seed=4)
    start = drive(ls, conv3x3_in_function, 1)[0]
    classes = neighbor_classes(start.arch) - {start.canonical}
    asked = [ls.ask() for _ in range(len(classes))]
    assert {NB201.canonical(a) for a in asked} == classes  # every class once
    in_space_order = list(dict.fromkeys(NB201.canonical(n) for n in NB201.neighbors(start.arch)))
    assert [NB201.canonical(a) for a in asked] != [c for c in in_space_order if c in classes]


def test_no_isomorphic_architecture_is_asked_twice():
    ls = LocalSearch(NB201, seed=5)
    told = drive(ls, conv3x3_in_function, 400)
    canonicals = [t.canonical for t in told]
    assert len(set(canonicals)) == len(canonicals)


def test_outstanding_asks_and_shuffled_tells():
    ls = LocalSearch(NB201, seed=6)
    centers = climb_log(ls, conv3x3_in_function, 400, batch=5, rng=np.random.default_rng(0))
    assert check_moves_and_optima(ls, conv3x3_in_function, centers) >= 1
    assert ls.local_optima
    told = [ls.ask() for _ in range(30)]  # many workers at once: still no repeats
    canonicals = [NB201.canonical(a) for a in told]
    assert len(set(canonicals)) == len(canonicals)


def test_telling_first_seeds_the_climb():
    ls = LocalSearch(NB201, seed=7)
    seed_cell = NB201.cell_at(1234)
    ls.tell(make_trial(0, seed_cell, NB201, conv3x3_in_function(seed_cell)))
    assert ls.center.arch == seed_cell
    assert NB201.canonical(ls.ask()) in neighbor_classes(seed_cell)


def test_an_infeasible_trial_does_not_start_a_climb():
    ls = LocalSearch(NB201, seed=8)
    ls.tell(make_trial(0, NB201.cell_at(3), NB201, 99.0, feasible=False))
    assert ls.center is None


def test_asks_respect_the_constraints():
    def feasible(cell):
        return cell.ops[5] != "nor_conv_3x3" and cell.ops[0] != "none"

    ls = LocalSearch(NB201, seed=9)
    ls.setup(constrained_problem(feasible))
    centers = climb_log(ls, conv3x3_in_function, 300, batch=2, rng=np.random.default_rng(1))
    assert all(feasible(c.arch) for c in centers if c is not None)
    assert all(feasible(t.arch) for t in drive(ls, conv3x3_in_function, 50))
    check_moves_and_optima(ls, conv3x3_in_function, centers)
    assert ls.local_optima


@pytest.mark.parametrize(
    ("space", "kind", "n_asks"),
    [(MacroSpace(), "onehot", 200), (NB101Space(), "path", 80)],
    ids=["macro", "nb101"],
)
def test_runs_on_other_spaces(space, kind, n_asks):
    # Both encodings depend only on the computed function, so values agree within a class.
    weights = np.random.default_rng(0).normal(size=space.encoding_length(kind))

    def value(arch):
        return float(space.encode(arch, kind) @ weights)

    ls = LocalSearch(space, seed=0)
    centers = climb_log(ls, value, n_asks)
    assert all(c is None or space.validate(c.arch) == c.arch for c in centers)
    assert check_moves_and_optima(ls, value, centers) >= 1
    values = [value(c.arch) for c in centers if c is not None]
    assert max(values) > values[0]


def test_end_to_end_run_is_reproducible(synth_bench):
    from nasbench_kit.budget import Budget
    from nasbench_kit.run import Run

    def history():
        run = Run(make_strategy("local-search", synth_bench.space), synth_bench, budget=Budget(queries=60),
                  seed=3, n_workers=4)
        return run.run().history

    first, second = history(), history()
    assert len(first) == 60
    assert first["arch"].tolist() == second["arch"].tolist()
    assert first["canonical"].nunique() == 60
