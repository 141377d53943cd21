"""Every built-in strategy passes the shared contract (check_strategy) on all three spaces,
and the contract itself catches broken strategies."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench_kit.spaces import NB201Space
from nasbench_kit.strategies import STRATEGIES, Strategy, make_strategy, strategy_names
from nasbench_kit.errors import ArgumentError, UnknownNameError
from nasbench_kit.testing import ContractError, check_strategy


@pytest.mark.parametrize("name", strategy_names())
def test_builtin_strategy_passes_the_contract(name):
    passed = check_strategy(STRATEGIES[name], n_trials=16)
    assert {"deterministic on nb201", "constraint-aware on nb101", "out-of-order tells on macro"} <= set(passed)
    steered = {f"steerable ({method}) on {space}" for method in STRATEGIES[name].steering
               for space in ("nb201", "nb101", "macro")}
    assert steered <= set(passed)


class GlobalRandom(Strategy):
    name = "global-random"

    def ask(self):
        np.random.random()
        return self.space.sample(self.rng)

    def tell(self, trial):
        pass


class Unseeded(Strategy):
    name = "unseeded"

    def ask(self):
        return self.space.sample(np.random.default_rng())

    def tell(self, trial):
        pass


class IgnoresConstraints(Strategy):
    name = "ignores-constraints"

    def ask(self):
        return self.space.sample(self.rng)

    def tell(self, trial):
        pass


class ClaimsSteering(Strategy):
    """Says it can be pinned, but refuses."""

    name = "claims-steering"
    steering = frozenset({"pin_parent"})

    def ask(self):
        return self.sample_feasible()

    def tell(self, trial):
        pass

    def pin_parent(self, trial, *, children=None):
        raise ArgumentError("no")


@pytest.mark.parametrize("broken, rule", [
    (ClaimsSteering, "lists 'pin_parent' in steering"),
    (GlobalRandom, "global random state"),
    (Unseeded, "not deterministic"),
    (IgnoresConstraints, "ignores constraints"),
])
def test_contract_catches_broken_strategies(broken, rule):
    with pytest.raises(ContractError, match=rule):
        check_strategy(broken, spaces=[NB201Space()], n_trials=12)


def test_make_strategy_errors_are_clear():
    with pytest.raises(UnknownNameError, match="use one of"):
        make_strategy("simulated-annealing", NB201Space())
    with pytest.raises(ArgumentError, match="takes"):
        make_strategy("random", NB201Space(), population_size=3)
    with pytest.raises(ArgumentError, match="seed"):
        make_strategy("random", NB201Space(), seed=-1)
    with pytest.raises(ArgumentError, match="SearchSpace"):
        make_strategy("random", "nb201")
