"""ParEGO-style random scalarization: what the base strategy is told, weights, bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nasbench_kit.errors import ArgumentError, UnknownNameError
from nasbench_kit.objectives import Constraint, Objective
from nasbench_kit.spaces import NB201Space
from nasbench_kit.strategies import Proposal, SearchProblem, make_strategy
from nasbench_kit.strategies.parego import SCALAR_OBJECTIVE, RandomScalarization, augmented_chebyshev

from .mf_helpers import SPACES, TWO_OBJECTIVES, drive, encoding_score, problem, split, trial_of


def _parego(seed=0, base="random", objectives=TWO_OBJECTIVES, **kwargs):
    s = RandomScalarization(NB201Space(), seed=seed, base=base, **kwargs)
    s.setup(SearchProblem(objectives=objectives))
    return s


def _record_base_tells(strategy):
    told = []
    strategy.base.tell = told.append
    return told


def test_base_sees_one_maximized_objective_and_the_constraints():
    limit = Constraint("params", at_most=1e6)
    s = RandomScalarization(NB201Space(), seed=0, base="rea")
    s.setup(SearchProblem(objectives=TWO_OBJECTIVES, constraints=(limit,), search_epoch=12))
    assert s.base.problem.objectives == (SCALAR_OBJECTIVE,) and SCALAR_OBJECTIVE.maximize
    assert s.base.problem.constraints == (limit,) and s.base.problem.search_epoch == 12


def test_base_is_told_a_scalar_copy_of_each_trial():
    s = _parego(rho=0.1)
    told = _record_base_tells(s)
    space = s.space
    values = [(90.0, 5.0), (80.0, 1.0), (85.0, 3.0)]  # (accuracy: maximize, params: minimize)
    for number, objectives in enumerate(values):
        trial = trial_of(space, s.ask(), objectives, number=number)
        weights_before = s.weights
        s.tell(trial)
        assert told[-1] is not trial and told[-1].number == number and told[-1].arch == trial.arch
        assert trial.objectives == objectives  # the original is untouched
        assert not np.array_equal(weights_before, s.weights)  # period 1: new weights every tell
    # Third trial: bounds accuracy [-90, -80], params [1, 5] (oriented); u = (0.5, 0.5).
    w = s.weights
    expected = -(max(w * 0.5) + 0.1 * sum(w * 0.5))
    assert len(told[-1].objectives) == 1 and told[-1].value == pytest.approx(expected)


def test_a_point_best_in_every_objective_gets_the_best_scalar():
    s = _parego(seed=1)
    told = _record_base_tells(s)
    for number, objectives in enumerate([(80.0, 5.0), (70.0, 9.0), (95.0, 1.0)]):
        s.tell(trial_of(s.space, s.ask(), objectives, number=number))
    assert told[-1].value == 0.0 and told[1].value < 0.0


def test_infeasible_trials_are_told_nan_and_do_not_move_the_bounds():
    s = _parego()
    told = _record_base_tells(s)
    s.tell(trial_of(s.space, s.ask(), (90.0, 5.0), number=0))
    s.tell(trial_of(s.space, s.ask(), (0.0, 0.0), number=1, feasible=False))
    assert math.isnan(told[-1].value) and not told[-1].feasible
    low, high = s.bounds
    assert low.tolist() == [-90.0, 5.0] and high.tolist() == [-90.0, 5.0]


@pytest.mark.parametrize("period", [1, 3])
def test_weights_lie_on_the_simplex_and_change_every_period_tells(period):
    s = _parego(period=period, objectives=TWO_OBJECTIVES + (Objective("flops", maximize=False),))
    history = []
    for number in range(7):
        s.tell(trial_of(s.space, s.ask(), (90.0 - number, 1.0 + number, 3.0), number=number))
        history.append(s.weights.copy())
        assert s.weights.shape == (3,) and (s.weights >= 0).all() and s.weights.sum() == pytest.approx(1.0)
    changed = [not np.array_equal(a, b) for a, b in zip(history, history[1:])]
    assert changed == [(i + 1) % period == 0 for i in range(6)]


def test_augmented_chebyshev():
    u = augmented_chebyshev(np.array([2.0, 6.0]), np.array([0.5, 0.5]), low=np.zeros(2), high=np.full(2, 10.0))
    assert u == pytest.approx(0.3 + 0.05 * 0.4)
    assert augmented_chebyshev(np.array([1.0, 1.0]), np.array([0.2, 0.8]), low=np.ones(2), high=np.ones(2)) == 0.0
    assert math.isnan(augmented_chebyshev(np.array([np.inf, 1.0]), np.ones(2) / 2, low=np.zeros(2), high=np.ones(2)))


def test_default_base_is_rea_and_base_hyperparameters_pass_through():
    s = make_strategy("parego", NB201Space(), seed=0, population_size=5, sample_size=2)
    assert isinstance(s, RandomScalarization) and s.multi_objective
    assert s.hyperparameters() == {"base": "rea", "rho": 0.05, "period": 1, "population_size": 5, "sample_size": 2}


def test_a_multi_fidelity_base_keeps_asking_epochs():
    s = RandomScalarization(NB201Space(), seed=0, base="hyperband")
    s.setup(problem(range(1, 28), objectives=TWO_OBJECTIVES))
    proposal = s.ask()
    assert s.multi_fidelity and isinstance(proposal, Proposal) and proposal.epoch == 1


def test_same_seed_same_proposals():
    def objectives(arch, epoch):
        return encoding_score(NB201Space(), arch), arch.ops.count("none")

    def run(seed):
        return drive(_parego(seed=seed, base="rea"), 40, objectives)

    assert run(3) == run(3) and run(3) != run(4)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"rho": -0.1}, ArgumentError), ({"period": 0}, ArgumentError), ({"base": "nope"}, UnknownNameError),
     ({"base": "nsga2"}, ArgumentError), ({"base": "rea", "population_size": 0}, ArgumentError),
     ({"base": "rea", "bogus": 1}, ArgumentError), ({"base": 3}, ArgumentError)],
)
def test_bad_arguments_raise(kwargs, error):
    with pytest.raises(error):
        RandomScalarization(NB201Space(), **kwargs)


@pytest.mark.parametrize("space_name", sorted(SPACES))
def test_works_on_every_space(space_name):
    space = SPACES[space_name]()
    weights = np.random.default_rng(2).random((2, space.encoding_length("onehot")))
    s = RandomScalarization(space, seed=0, base="rea")
    s.setup(SearchProblem(objectives=TWO_OBJECTIVES))
    asked = drive(s, 30, lambda arch, epoch: tuple(weights @ space.encode(arch)))
    for arch, _ in asked:
        space.validate(split(arch)[0])


def test_in_a_run_with_two_objectives_and_several_workers(synth_bench):
    from nasbench_kit.budget import Budget
    from nasbench_kit.run import Run

    s = RandomScalarization(synth_bench.space, seed=0)
    told = []
    base_tell = s.base.tell
    s.base.tell = lambda trial: (told.append(trial), base_tell(trial))
    run = Run(s, synth_bench, budget=Budget(queries=60), objectives=TWO_OBJECTIVES, seed=0, n_workers=2).run()
    assert len(run.history) == 60 and len(told) == 60
    assert all(len(t.objectives) == 1 and t.value <= 0.0 for t in told)
