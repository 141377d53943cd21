"""NSGA-II (Deb, Pratap, Agarwal & Meyarivan, IEEE TEVC 2002): elitist multi-objective
evolution with non-dominated sorting and crowding distance."""

from __future__ import annotations

from collections import deque
from typing import Any, NamedTuple

import numpy as np

from ..pareto import non_dominated_ranks
from .base import Strategy, Trial

__all__ = ["NSGA2", "crowding_distance", "rank_and_crowding"]


def crowding_distance(points: Any) -> np.ndarray:
    """Crowding distance of the points of one front (Deb et al. 2002, Sec. III-B).

    For each objective the points are sorted; the two boundary points get infinity and
    an interior point adds the gap between its two neighbours divided by the objective's
    range (0 when every point has the same value).

    Args:
        points: ``(n_points, n_objectives)`` finite values of one front.

    Returns:
        Float64 array of length ``n_points`` (larger: less crowded).

    Example:
        >>> crowding_distance([[0.0, 4.0], [1.0, 2.0], [2.0, 1.0], [4.0, 0.0]]).tolist()
        [inf, 1.25, 1.25, inf]
    """
    p = np.asarray(points, dtype=np.float64)
    n = len(p)
    if n == 0:
        return np.zeros(0)
    p = p.reshape(n, -1)
    order = np.argsort(p, axis=0, kind="stable")  # (n, m): row order along each objective
    ordered = np.take_along_axis(p, order, axis=0)
    span = ordered[-1] - ordered[0]
    gaps = np.zeros_like(ordered)
    gaps[1:-1] = (ordered[2:] - ordered[:-2]) / np.where(span > 0, span, 1.0)
    gaps[[0, -1]] = np.inf
    distance = np.zeros(n)
    np.add.at(distance, order.ravel(), gaps.ravel())
    return distance


def rank_and_crowding(oriented: np.ndarray, *, needed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Non-dominated rank and within-front crowding distance of minimized objectives.

    Rows with a non-finite value (infeasible trials) get the worst rank (one past the
    last front) and crowding distance 0.

    Args:
        oriented: ``(n_points, n_objectives)`` values to minimize (``inf``: infeasible).
        needed: compute crowding only for the fronts holding the best ``needed`` points
            (the others get 0); None: every front.

    Example:
        >>> ranks, crowd = rank_and_crowding(np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0], [np.inf, np.inf]]))
        >>> ranks.tolist(), crowd.tolist()
        ([0, 0, 1, 2], [inf, inf, inf, 0.0])
    """
    finite = np.isfinite(oriented).all(axis=1)
    values = np.where(finite[:, None], oriented, np.nan)
    ranks = non_dominated_ranks(values)
    ranks[~finite] = ranks.max(initial=-1) + 1
    crowd = np.zeros(len(ranks))
    last = np.sort(ranks)[min(needed, len(ranks)) - 1] if needed and len(ranks) else ranks.max(initial=-1)
    for rank in np.unique(ranks[finite & (ranks <= last)]):
        members = np.flatnonzero(ranks == rank)
        crowd[members] = np.inf if len(members) <= 2 else crowding_distance(oriented[members])
    return ranks, crowd


class _Member(NamedTuple):
    arch: Any
    canonical: str
    oriented: np.ndarray  # objectives to minimize, +inf if infeasible


class NSGA2(Strategy):
    """NSGA-II: generational, elitist evolution towards the Pareto front of all objectives.

    Generation 0 is ``population_size`` random architectures. Every later generation
    breeds ``population_size`` children: two parents by binary tournament with the
    crowded comparison (lower non-dominated rank wins, then larger crowding distance),
    a crossover with probability ``crossover_prob`` (Deb et al.: 0.9), then one mutation
    (Deb et al. mutate each variable with probability ``1/n``, about one change per
    child; ``space.mutate`` changes exactly one decision). When ``population_size``
    results have been told, parents and children are merged (duplicates by
    ``canonical`` removed) and the best ``population_size`` by (rank, crowding) survive.

    Objectives: every ``problem.objectives``, oriented with ``problem.oriented``
    (infeasible trials rank last).

    Default ``population_size = 20`` (Deb et al. use 100): the kit's runs have ~150
    evaluations, so 100 would allow only one generation of selection; 20 gives 6-7.

    Asynchronous behaviour: a generation's children are generated into a queue on the
    first ask that finds it empty; asks beyond it (several workers waiting for tells)
    breed more children from the current parents (random architectures before the first
    selection). Every told result joins a pool; the pool is merged as soon as it holds
    ``population_size`` results, whatever order they came in, and the queue is then
    refilled from the new parents. With one worker this is exactly Deb et al.'s loop.

    Args:
        space: the search space.
        seed: the strategy's seed.
        population_size: parents per generation and children per generation (>= 2).
        crossover_prob: probability that a child is a crossover of two parents.

    Raises:
        ArgumentError: a hyperparameter out of range.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> nsga = NSGA2(NB201Space(), seed=0, population_size=4)
        >>> first = [nsga.ask() for _ in range(4)]  # generation 0: random architectures
        >>> nsga.hyperparameters(), nsga.generation
        ({'population_size': 4, 'crossover_prob': 0.9}, 0)
    """

    name = "nsga2"
    multi_objective = True

    def __init__(self, space: Any, *, seed: int | None = None, population_size: int = 20,
                 crossover_prob: float = 0.9) -> None:
        super().__init__(space, seed=seed)
        self.population_size = self._check_int("population_size", population_size, low=2)
        self.crossover_prob = self._check_float("crossover_prob", crossover_prob, low=0.0, high=1.0)
        self._parents: list[_Member] = []
        self._ranks = np.zeros(0, dtype=np.int64)
        self._crowding = np.zeros(0)
        self._pool: list[_Member] = []  # told, not merged yet
        self._queue: deque[Any] = deque()
        self.generation = 0  #: number of selections done so far

    def hyperparameters(self) -> dict[str, Any]:
        return {"population_size": self.population_size, "crossover_prob": self.crossover_prob}

    @property
    def population(self) -> tuple[Any, ...]:
        """The current parents (architectures), best (rank, crowding) first."""
        return tuple(m.arch for m in self._parents)

    def ask(self) -> Any:
        """The next child (or, before the first selection, a random architecture)."""
        if not self._queue:
            self._queue.extend(self._breed() if self._parents else
                               (self.sample_feasible() for _ in range(self.population_size)))
        return self._queue.popleft()

    def tell(self, trial: Trial) -> None:
        """Add the result to the pool; select the next parents once the pool is full."""
        self._pool.append(_Member(trial.arch, trial.canonical, self.problem.oriented(trial.objectives)))
        if len(self._pool) >= self.population_size:
            self._select()

    def _select(self) -> None:
        union, seen = [], set()
        for member in self._parents + self._pool:  # parents first: an old copy is kept
            if member.canonical not in seen:
                seen.add(member.canonical)
                union.append(member)
        ranks, crowd = rank_and_crowding(np.stack([m.oriented for m in union]), needed=self.population_size)
        survivors = np.lexsort((-crowd, ranks))[: self.population_size]
        self._parents = [union[i] for i in survivors]
        self._ranks, self._crowding = ranks[survivors], crowd[survivors]
        self._pool, self.generation = [], self.generation + 1
        self._queue.clear()  # children of the old parents are stale

    def _breed(self) -> list[Any]:
        """``population_size`` children of the current parents."""
        n = self.population_size
        pairs = self.rng.integers(len(self._parents), size=(2 * n, 2))  # binary tournaments
        a, b = pairs[:, 0], pairs[:, 1]
        a_wins = (self._ranks[a] < self._ranks[b]) | (
            (self._ranks[a] == self._ranks[b]) & (self._crowding[a] >= self._crowding[b]))
        winners = np.where(a_wins, a, b).reshape(n, 2)
        crossed = self.rng.random(n) < self.crossover_prob
        children = []
        for (i, j), cross in zip(winners.tolist(), crossed.tolist()):
            mother, father = self._parents[i].arch, self._parents[j].arch
            child = self.space.crossover(mother, father, self.rng) if cross else mother
            children.append(self.mutate_feasible(child))
        return children
