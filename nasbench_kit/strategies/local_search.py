"""Local search (hill climbing): White, Nolen & Savani, "Exploring the Loss Landscape in
Neural Architecture Search", UAI 2021 (arXiv:2005.02960, first titled "Local Search is State
of the Art for NAS Benchmarks")."""

from __future__ import annotations

import math
from typing import Any

from ..errors import ArgumentError
from ._fitness import fitness, fitness_sign
from .base import Strategy, Trial

__all__ = ["LocalSearch"]

#: Random draws tried for an architecture not evaluated yet before accepting a known one.
_FRESH_TRIES = 100


class LocalSearch(Strategy):
    """Climb to the best neighbour until none improves, then restart from a random architecture.

    The paper's Algorithm 1 with the settings of its experiments (``num_init=1``,
    ``query_full_nbhd=True``, ``stop_at_minimum=True`` in the authors' code): start from
    one random architecture; evaluate *all* its neighbours (``space.neighbors``, those
    meeting the constraints, one per isomorphism class, in random order); move to the
    best neighbour if it beats the current architecture on the first objective
    (best improvement); otherwise the current architecture is a local optimum (see
    :attr:`local_optima`) and the search restarts from a new random architecture.

    Like the authors' code, the search never asks twice for an architecture of an
    isomorphism class it has evaluated (or is evaluating) when it can avoid it: known
    neighbours are not asked again, their known values take part in the choice of the
    best neighbour, and random starts avoid known classes.

    Asynchronous workers: tells may come in any order. A step ends once every neighbour
    has been told; an ``ask`` made while the last neighbours are still being evaluated
    returns a random unevaluated architecture (it keeps the worker busy and is
    remembered like any other result). While no climb is under way, the first feasible
    trial told becomes the start, so telling a hand-picked trial first seeds the climb.

    Steering (human in the loop, ``Run.pin_parent``): :meth:`pin_parent` restarts the
    climb from a chosen trial at once; its neighbours are asked next.

    Cost: one ``space.neighbors`` call per step (24 neighbours on NB-201, about 0.1 ms),
    spread over that step's asks; ask and tell are otherwise O(1).

    Args:
        space: the search space.
        seed: seed of the strategy's random generator.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> ls = LocalSearch(NB201Space(), seed=0)
        >>> ls.ask() == LocalSearch(NB201Space(), seed=0).ask()
        True
        >>> ls.local_optima
        ()
    """

    name = "local-search"
    steering = frozenset({"pin_parent"})

    def __init__(self, space: Any, *, seed: int | None = None) -> None:
        super().__init__(space, seed=seed)
        self._known: dict[str, tuple[float, Trial]] = {}  # canonical -> (fitness, first trial)
        self._pending: set[str] = set()  # canonicals asked, not told yet
        self._center: Trial | None = None  # the current architecture of the climb
        self._neighborhood: list[str] = []  # canonicals of the centre's neighbours, random order
        self._neighborhood_set: frozenset[str] = frozenset()
        self._queue: list[tuple[Any, str]] = []  # neighbours still to ask (popped from the end)
        self._waiting: set[str] = set()  # neighbours asked (by anyone) and not told yet
        self._optima: list[Trial] = []
        self._optimum_classes: set[str] = set()
        #: Climbs started so far (the first, then one per restart).
        self.n_climbs = 0

    @property
    def local_optima(self) -> tuple[Trial, ...]:
        """The distinct local optima found so far (each ended a climb), in order of discovery."""
        return tuple(self._optima)

    @property
    def center(self) -> Trial | None:
        """The trial the climb is at now (None between climbs)."""
        return self._center

    def ask(self) -> Any:
        self._advance()
        if self._center is not None and self._queue:
            arch, canonical = self._queue.pop()
        else:  # no climb (start one) or waiting for the last neighbours (keep busy)
            arch, canonical = self._fresh_random()
        self._pending.add(canonical)
        if canonical in self._neighborhood_set:
            self._waiting.add(canonical)
        return arch

    def tell(self, trial: Trial) -> None:
        """Record the result; the first feasible trial told while no climb is under way starts one."""
        canonical = trial.canonical
        self._pending.discard(canonical)
        self._waiting.discard(canonical)
        score = fitness(trial, fitness_sign(self.problem))
        self._known.setdefault(canonical, (score, trial))
        if self._center is None and score > -math.inf:
            self.n_climbs += 1
            self._climb_from(self._known[canonical][1])

    def pin_parent(self, trial: Trial, *, children: int | None = None) -> None:
        """Restart the climb from ``trial`` now: its unevaluated neighbours are asked next.

        The climb in progress is abandoned (not recorded as a local optimum); results of
        its neighbours still being evaluated are remembered when they arrive.

        Args:
            trial: a finished, feasible trial.
            children: must be None: local search always evaluates the whole neighbourhood.

        Raises:
            ArgumentError: an infeasible trial, or ``children`` given.

        Example:
            >>> import numpy as np
            >>> from nasbench_kit.spaces import NB201Space
            >>> space = NB201Space()
            >>> start = space.cell_at(1234)
            >>> trial = Trial(number=0, arch=start, canonical=space.canonical(start), epoch=12, feasible=True,
            ...               objectives=(90.0,), costs={}, valid_curve=np.array([90.0]), curve_epochs=np.array([12]))
            >>> ls = LocalSearch(space, seed=0)
            >>> ls.pin_parent(trial)
            >>> ls.center is trial, ls.ask() in space.neighbors(start)
            (True, True)
        """
        if not isinstance(trial, Trial) or not trial.feasible or not math.isfinite(trial.value):
            raise ArgumentError(f"only a feasible trial with a value can be the climb's centre, got {trial!r}")
        if children is not None:
            raise ArgumentError(f"local search evaluates the whole neighbourhood of a pinned parent: children must be "
                                f"None, got {children!r}")
        self._known.setdefault(trial.canonical, (fitness(trial, fitness_sign(self.problem)), trial))
        self.n_climbs += 1
        self._climb_from(trial)

    # --- the climb ---------------------------------------------------------------------------
    def _advance(self) -> None:
        """Finish every step whose neighbourhood is fully known: move, or restart at an optimum."""
        while self._center is not None and not self._queue and not self._waiting:
            center_score = self._known[self._center.canonical][0]
            best = max(self._neighborhood, key=lambda c: self._known[c][0], default=None)
            if best is not None and self._known[best][0] > center_score:
                self._climb_from(self._known[best][1])
            else:
                if self._center.canonical not in self._optimum_classes:
                    self._optimum_classes.add(self._center.canonical)
                    self._optima.append(self._center)
                self._center = None
                self._neighborhood, self._neighborhood_set = [], frozenset()

    def _climb_from(self, trial: Trial) -> None:
        """Make ``trial`` the centre and queue its unevaluated feasible neighbours."""
        self._center = trial
        neighbors = self.space.neighbors(trial.arch)
        if self.problem.constraints and neighbors:
            mask = self.problem.feasible_many(neighbors)
            neighbors = [arch for arch, ok in zip(neighbors, mask) if ok]
        by_class: dict[str, Any] = {}
        for arch in neighbors:
            by_class.setdefault(self.space.canonical(arch), arch)
        by_class.pop(trial.canonical, None)
        order = self.rng.permutation(len(by_class)).tolist()
        classes = list(by_class)
        self._neighborhood = [classes[i] for i in order]
        self._neighborhood_set = frozenset(self._neighborhood)
        todo = [c for c in self._neighborhood if c not in self._known and c not in self._pending]
        self._queue = [(by_class[c], c) for c in reversed(todo)]  # pop() yields the random order
        self._waiting = {c for c in self._neighborhood if c in self._pending}

    def _fresh_random(self) -> tuple[Any, str]:
        """A random feasible architecture of a class neither known nor pending, if one turns up."""
        for _ in range(_FRESH_TRIES):
            arch = self.sample_feasible()
            canonical = self.space.canonical(arch)
            if canonical not in self._known and canonical not in self._pending:
                break
        return arch, canonical
