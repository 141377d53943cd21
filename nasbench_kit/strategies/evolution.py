"""Regularized (aging) evolution: Real, Aggarwal, Huang & Le, "Regularized Evolution for
Image Classifier Architecture Search", AAAI 2019 (Algorithm 1)."""

from __future__ import annotations

from collections import deque
from typing import Any

from ._fitness import fitness, fitness_sign
from .base import Strategy, Trial

__all__ = ["RegularizedEvolution"]


class RegularizedEvolution(Strategy):
    """Tournament selection plus aging: the oldest member dies, not the worst.

    Until the population holds ``population_size`` members, ``ask`` returns random
    architectures (among those meeting the constraints). Then each ``ask`` draws
    ``sample_size`` members uniformly *with replacement* (as the paper's Algorithm 1 and
    the NAS-Bench-201 code), takes the best by the first objective as the parent and
    returns ``mutate_feasible(parent)``. Each feasible trial that is told joins the
    population; when it then exceeds ``population_size`` the oldest member is removed.

    Asynchronous workers: ask and tell need not alternate. Age is the order in which
    trials are *told* (as in the paper's asynchronous workers), and asks made while the
    population is still filling are random, so several workers may add a few more
    random architectures than ``population_size``.

    Seeding: ``tell`` accepts any trial, asked for or not, so telling hand-picked trials
    before the first ``ask`` seeds the population (the workbench UI does this).
    Infeasible trials never join the population.

    Cost: ask and tell are O(``sample_size``) plus one mutation (about 25 us on NB-201).

    Args:
        space: the search space.
        seed: seed of the strategy's random generator.
        population_size: members kept alive; 10 as the NAS-Bench-201 REA baseline
            (Dong & Yang, ICLR 2020; NATS-Bench scripts ``--ea_population 10``).
        sample_size: tournament size, in ``1..population_size``; 3 as the NAS-Bench-201
            REA baseline (``--ea_sample_size 3``).

    Raises:
        ArgumentError: ``population_size`` < 1 or ``sample_size`` outside ``1..population_size``.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> rea = RegularizedEvolution(NB201Space(), seed=0, population_size=4, sample_size=2)
        >>> rea.hyperparameters()
        {'population_size': 4, 'sample_size': 2}
        >>> rea.ask() == RegularizedEvolution(NB201Space(), seed=0).ask()
        True
    """

    name = "rea"

    def __init__(self, space: Any, *, seed: int | None = None, population_size: int = 10, sample_size: int = 3) -> None:
        super().__init__(space, seed=seed)
        self.population_size = self._check_int("population_size", population_size, low=1)
        self.sample_size = self._check_int("sample_size", sample_size, low=1, high=self.population_size)
        self._members: deque[Trial] = deque()
        self._fitness: deque[float] = deque()  # aligned with _members, larger is better

    @property
    def population(self) -> tuple[Trial, ...]:
        """The living members, oldest first."""
        return tuple(self._members)

    def ask(self) -> Any:
        if len(self._members) < self.population_size:
            return self.sample_feasible()
        return self.mutate_feasible(self._tournament().arch)

    def _tournament(self) -> Trial:
        """The best of ``sample_size`` members drawn with replacement (first drawn wins ties)."""
        draws = self.rng.integers(0, len(self._members), size=self.sample_size).tolist()
        winner = max(draws, key=self._fitness.__getitem__)
        return self._members[winner]

    def tell(self, trial: Trial) -> None:
        """Add a feasible trial to the population (any trial: this is also how to seed it)."""
        if not trial.feasible:
            return
        self._members.append(trial)
        self._fitness.append(fitness(trial, fitness_sign(self.problem)))
        if len(self._members) > self.population_size:  # aging: the oldest dies
            self._members.popleft()
            self._fitness.popleft()

    def hyperparameters(self) -> dict[str, Any]:
        return {"population_size": self.population_size, "sample_size": self.sample_size}
