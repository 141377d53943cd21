"""REINFORCE (Williams 1992, NAS-Bench-201 baseline): policy, gradient direction, baseline."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nasbench_kit.errors import ArgumentError
from nasbench_kit.objectives import Objective
from nasbench_kit.spaces import MacroSpace, NB101Space, NB201Space
from nasbench_kit.spaces.base import SearchSpace
from nasbench_kit.strategies import make_strategy
from nasbench_kit.strategies.base import SearchProblem
from nasbench_kit.strategies.reinforce import Reinforce
from tests.strategies.helpers import constrained_problem, drive, make_trial

NB201 = NB201Space()
CONV3X3 = NB201.ops.index("nor_conv_3x3")


def conv3x3_count(arch) -> float:
    return float(arch.ops.count("nor_conv_3x3"))


def test_same_seed_same_trajectory_and_other_seed_differs():
    def archs(seed):
        return [t.arch for t in drive(Reinforce(NB201, seed=seed), conv3x3_count, 50)]

    assert archs(3) == archs(3)
    assert archs(3) != archs(4)


def test_reseed_restarts_the_policy():
    agent = Reinforce(NB201, seed=1)
    fresh = Reinforce(NB201, seed=9)
    drive(agent, conv3x3_count, 30)
    agent.reseed(9)
    assert np.array_equal(agent.logits, fresh.logits)
    assert [agent.ask() for _ in range(5)] == [fresh.ask() for _ in range(5)]


def test_registered_with_the_nas_bench_201_defaults():
    agent = make_strategy("reinforce", NB201, seed=0)
    assert isinstance(agent, Reinforce)
    assert agent.hyperparameters() == {"learning_rate": 0.01, "ema_momentum": 0.9}
    assert agent.probabilities().shape == (6, 5)
    assert np.allclose(agent.probabilities(), 0.2, atol=1e-3)  # nearly uniform start


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": -0.1}, "learning_rate"),
        ({"learning_rate": math.nan}, "learning_rate"),
        ({"learning_rate": "0.01"}, "learning_rate"),
        ({"ema_momentum": 1.0}, "ema_momentum"),
        ({"ema_momentum": -0.1}, "ema_momentum"),
        ({"ema_momentum": 1.5}, "ema_momentum"),
    ],
)
def test_bad_hyperparameters_are_refused_by_name(kwargs, name):
    with pytest.raises(ArgumentError, match=name):
        Reinforce(NB201, seed=0, **kwargs)
    with pytest.raises(ArgumentError, match=name):
        make_strategy("reinforce", NB201, seed=0, **kwargs)


class NoDecisionsSpace(SearchSpace):
    """A space that does not expose categorical decisions."""

    def sample(self, rng):
        return 0

    def mutate(self, arch, rng):
        return 1 - arch

    def neighbors(self, arch):
        return [1 - arch]

    def crossover(self, a, b, rng):
        return a

    def validate(self, arch):
        return arch

    def parse(self, text):
        return int(text)

    def canonical(self, arch):
        return str(arch)

    def encode(self, arch, kind="onehot"):
        return np.array([arch], dtype=np.float32)

    def encoding_length(self, kind="onehot"):
        return 1


def test_a_space_without_decisions_is_refused():
    with pytest.raises(ArgumentError, match="decisions"):
        Reinforce(NoDecisionsSpace(), seed=0)


def test_a_rewarded_choice_gains_probability():
    agent = Reinforce(NB201, seed=0)
    drive(agent, conv3x3_count, 300)
    probs = agent.probabilities()
    assert (probs[:, CONV3X3] > 0.3).all()  # from 0.2 on every edge
    assert (probs[:, CONV3X3] == probs.max(axis=1)).all()


def test_one_step_moves_toward_an_above_baseline_choice_and_away_otherwise():
    agent = Reinforce(NB201, seed=0)
    agent.tell(make_trial(0, NB201.cell_at(0), NB201, 50.0))  # first reward: advantage 0, no change
    before = agent.logits
    good = NB201.from_decisions((3, 1, 2, 4, 0, 3))
    agent.tell(make_trial(1, good, NB201, 90.0))  # above the baseline
    step = agent.logits - before
    chosen = np.zeros_like(step, dtype=bool)
    chosen[np.arange(6), NB201.to_decisions(good)] = True
    assert (step[chosen] > 0).all() and (step[~chosen] < 0).all()
    assert 50.0 < agent.baseline < 90.0

    before = agent.logits
    agent.tell(make_trial(2, good, NB201, 0.0))  # now below the baseline: pushed back
    assert (agent.logits - before)[chosen].sum() < 0


def test_the_first_reward_does_not_move_the_policy():
    agent = Reinforce(NB201, seed=0)
    before = agent.logits
    agent.tell(make_trial(0, NB201.cell_at(7), NB201, 70.0))
    assert np.array_equal(agent.logits, before)
    assert agent.baseline == pytest.approx(70.0)  # bias-corrected moving average


def test_infeasible_trials_do_not_update():
    agent = Reinforce(NB201, seed=0)
    agent.tell(make_trial(0, NB201.cell_at(7), NB201, 70.0))
    before = agent.logits
    agent.tell(make_trial(1, NB201.cell_at(8), NB201, 99.0, feasible=False))
    assert np.array_equal(agent.logits, before)
    assert agent.baseline == pytest.approx(70.0)


def test_a_minimized_objective_is_rewarded_when_small():
    agent = Reinforce(NB201, seed=0)
    agent.setup(SearchProblem(objectives=(Objective("params", maximize=False),)))
    drive(agent, conv3x3_count, 300)
    assert (agent.probabilities()[:, CONV3X3] < 0.15).all()


def test_asks_respect_the_constraints():
    def feasible(cell):
        return cell.ops[0] != "nor_conv_3x3"

    agent = Reinforce(NB201, seed=2)
    agent.setup(constrained_problem(feasible))
    told = drive(agent, conv3x3_count, 150, batch=4, rng=np.random.default_rng(0))
    assert all(feasible(t.arch) for t in told)


@pytest.mark.parametrize("space", [NB201Space(), NB101Space(), MacroSpace()], ids=["nb201", "nb101", "macro"])
def test_learns_on_every_space(space):
    # Reward: how often the first choice of every decision is taken (a separable toy objective).
    def value(arch):
        return float(sum(c == 0 for c in space.to_decisions(arch)))

    agent = Reinforce(space, seed=0, learning_rate=0.05)
    told = drive(agent, value, 200, batch=3, rng=np.random.default_rng(1))
    assert all(space.validate(t.arch) == t.arch for t in told)
    assert np.mean([t.value for t in told[-40:]]) > np.mean([t.value for t in told[:40]])
    sizes = np.array(space.decisions())
    assert agent.probabilities()[:, 0].mean() > (1 / sizes).mean()


def test_nb101_samples_are_valid_cells_with_their_decisions():
    space = NB101Space()
    agent = Reinforce(space, seed=5)
    for _ in range(30):
        cell = agent.ask()
        assert space.validate(cell) == cell
        assert space.from_decisions(space.to_decisions(cell)) == cell


def test_end_to_end_run_is_reproducible(synth_bench):
    from nasbench_kit.budget import Budget
    from nasbench_kit.run import Run

    def history():
        run = Run(make_strategy("reinforce", synth_bench.space), synth_bench, budget=Budget(queries=40), seed=3,
                  n_workers=2)
        return run.run().history

    first, second = history(), history()
    assert len(first) == 40
    assert first["arch"].tolist() == second["arch"].tolist()
