"""Regularized (aging) evolution: Real, Aggarwal, Huang & Le, "Regularized Evolution for
Image Classifier Architecture Search", AAAI 2019 (Algorithm 1)."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from ..errors import ArgumentError
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

    Steering (human in the loop, through ``Run.seed_population`` / ``Run.pin_parent``):
    :meth:`seed_population` adds already-evaluated trials to the population again, as its
    youngest members (aging then removes the oldest); :meth:`pin_parent` makes a trial the
    tournament winner of the next ``children`` asks, even while the population is still
    filling (a person who pins a parent wants its children now).

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
    steering = frozenset({"seed_population", "pin_parent"})

    def __init__(self, space: Any, *, seed: int | None = None, population_size: int = 10, sample_size: int = 3) -> None:
        super().__init__(space, seed=seed)
        self.population_size = self._check_int("population_size", population_size, low=1)
        self.sample_size = self._check_int("sample_size", sample_size, low=1, high=self.population_size)
        self._members: deque[Trial] = deque()
        self._fitness: deque[float] = deque()  # aligned with _members, larger is better
        self._pinned: Trial | None = None  # a person's choice of parent, for _pinned_left more asks
        self._pinned_left = 0

    @property
    def population(self) -> tuple[Trial, ...]:
        """The living members, oldest first."""
        return tuple(self._members)

    @property
    def pinned(self) -> tuple[Trial | None, int]:
        """The pinned parent (None if none) and how many more children it will have."""
        return self._pinned, self._pinned_left

    def ask(self) -> Any:
        if self._pinned is not None:
            parent = self._pinned
            self._pinned_left -= 1
            if self._pinned_left == 0:
                self._pinned = None
            return self.mutate_feasible(parent.arch)
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

    def seed_population(self, trials: Sequence[Trial]) -> None:
        """Add feasible trials to the population as its youngest members (oldest die first).

        Args:
            trials: finished trials; all must be feasible.

        Raises:
            ArgumentError: an infeasible trial (it could never win a tournament).

        Example:
            >>> import numpy as np
            >>> from nasbench_kit.spaces import NB201Space
            >>> space = NB201Space()
            >>> cell = space.cell_at(7)
            >>> trial = Trial(number=0, arch=cell, canonical=space.canonical(cell), epoch=12, feasible=True,
            ...               objectives=(90.0,), costs={}, valid_curve=np.array([90.0]), curve_epochs=np.array([12]))
            >>> rea = RegularizedEvolution(space, seed=0, population_size=2, sample_size=1)
            >>> rea.seed_population([trial])
            >>> [t.arch == cell for t in rea.population]
            [True]
        """
        trials = list(trials)
        for trial in trials:
            if not isinstance(trial, Trial) or not trial.feasible:
                raise ArgumentError(f"only feasible trials can join the population, got {trial!r}")
        for trial in trials:
            self.tell(trial)

    def pin_parent(self, trial: Trial, *, children: int | None = None) -> None:
        """Use ``trial`` as the tournament winner of the next ``children`` asks (default 1).

        A new pin replaces the previous one; ``children=0`` removes the pin.

        Raises:
            ArgumentError: an infeasible trial, or ``children`` not an int >= 0.

        Example:
            >>> import numpy as np
            >>> from nasbench_kit.spaces import NB201Space
            >>> space = NB201Space()
            >>> parent = space.cell_at(1234)
            >>> trial = Trial(number=0, arch=parent, canonical=space.canonical(parent), epoch=12, feasible=True,
            ...               objectives=(90.0,), costs={}, valid_curve=np.array([90.0]), curve_epochs=np.array([12]))
            >>> rea = RegularizedEvolution(space, seed=0)
            >>> rea.pin_parent(trial, children=2)
            >>> child = rea.ask()
            >>> child in space.neighbors(parent) or child == parent, rea.pinned[1]
            (True, 1)
        """
        if not isinstance(trial, Trial) or not trial.feasible:
            raise ArgumentError(f"only a feasible trial can be pinned as a parent, got {trial!r}")
        children = 1 if children is None else self._check_int("children", children, low=0)
        self._pinned, self._pinned_left = (trial, children) if children else (None, 0)

    def hyperparameters(self) -> dict[str, Any]:
        return {"population_size": self.population_size, "sample_size": self.sample_size}
