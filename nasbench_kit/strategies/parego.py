"""ParEGO-style random scalarization (Knowles, IEEE TEVC 2006): any single-objective
strategy made multi-objective by telling it randomly weighted Chebyshev scalarizations."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..errors import ArgumentError
from ..objectives import Objective
from .base import Proposal, SearchProblem, Strategy, Trial

__all__ = ["RandomScalarization", "augmented_chebyshev", "SCALAR_OBJECTIVE"]

#: The single objective the wrapped strategy sees (maximize the negated Chebyshev value).
SCALAR_OBJECTIVE = Objective("scalarized", maximize=True)


class RandomScalarization(Strategy):
    """Random augmented-Chebyshev scalarization around a single-objective base strategy.

    The base strategy (built with :func:`~nasbench_kit.strategies.make_strategy`) asks;
    every told trial is turned into one number and the base is told a copy of the trial
    with ``objectives=(scalar,)`` and a problem with the single objective
    :data:`SCALAR_OBJECTIVE` (maximize). For a trial with objectives ``f`` (oriented to
    minimize with ``problem.oriented``):

    * normalize: ``u_j = (f_j - min_j) / (max_j - min_j)`` with the running minimum and
      maximum of every feasible result told so far, this one included (0 when
      ``max_j == min_j``);
    * weights: ``lambda`` uniform on the simplex (``Dirichlet(1, ..., 1)``), a new vector
      at the 1st, ``(period + 1)``-th, ``(2 period + 1)``-th, ... tell;
    * scalar: ``-(max_j lambda_j u_j + rho * sum_j lambda_j u_j)``
      (:func:`augmented_chebyshev`, Knowles 2006, negated so the base maximizes); NaN for
      an infeasible trial.

    Differences from ParEGO: Knowles draws ``lambda`` from a fixed grid of
    ``s + 1 choose k - 1`` vectors and rescalarizes every past result for its GP each
    iteration; here the base keeps the scalars it was told (earlier ones used earlier
    weights and bounds), which suits evolutionary and bandit bases and costs O(objectives)
    per tell.

    Args:
        space: the search space.
        seed: the strategy's seed (the base gets a seed drawn from it).
        base: registry name of a single-objective strategy (default ``"rea"``).
        rho: augmentation weight (Knowles 2006: 0.05).
        period: tells per weight vector (1: a new vector every tell, as ParEGO does
            every iteration).
        **base_hyperparameters: passed to the base strategy.

    Raises:
        UnknownNameError: an unknown base name.
        ArgumentError: a bad ``rho``/``period``, a multi-objective base, or a bad base
            hyperparameter.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> from nasbench_kit.objectives import Objective
        >>> s = RandomScalarization(NB201Space(), seed=0, base="random")
        >>> s.setup(SearchProblem(objectives=(Objective("valid_acc"), Objective("params", maximize=False))))
        >>> s.base.problem.objectives
        (Objective(metric='scalarized', maximize=True),)
    """

    name = "parego"
    multi_objective = True

    def __init__(self, space: Any, *, seed: int | None = None, base: str = "rea", rho: float = 0.05,
                 period: int = 1, **base_hyperparameters: Any) -> None:
        from . import make_strategy

        super().__init__(space, seed=seed)
        self.rho = self._check_float("rho", rho, low=0.0)
        self.period = self._check_int("period", period, low=1)
        if not isinstance(base, str):
            raise ArgumentError(f"RandomScalarization base must be a strategy name like 'rea', got {base!r}")
        self.base_name = base
        self.base: Strategy = make_strategy(base, space, seed=int(self.rng.integers(2**31)), **base_hyperparameters)
        if self.base.multi_objective:
            raise ArgumentError(f"RandomScalarization needs a single-objective base strategy, got {base!r}")
        self.multi_fidelity = self.base.multi_fidelity  # type: ignore[misc] - follows the base
        self._set_problem(self.problem)

    def reseed(self, seed: int | None) -> None:
        """Restart the random stream from ``seed``; the base is reseeded from it as at construction."""
        super().reseed(seed)
        self.base.reseed(int(self.rng.integers(2**31)))

    def setup(self, problem: SearchProblem) -> None:
        """Receive the problem; the base gets it with the single scalarized objective."""
        super().setup(problem)
        self._set_problem(problem)

    def _set_problem(self, problem: SearchProblem) -> None:
        n_objectives = len(problem.objectives)
        self._low = np.full(n_objectives, np.inf)  # running bounds of oriented feasible values
        self._high = np.full(n_objectives, -np.inf)
        self.weights = np.full(n_objectives, 1.0 / n_objectives)  #: the current weight vector
        self._n_told = 0
        self.base.setup(replace(problem, objectives=(SCALAR_OBJECTIVE,)))

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Running (minimum, maximum) of the oriented objectives of feasible trials told so far."""
        return self._low.copy(), self._high.copy()

    def hyperparameters(self) -> dict[str, Any]:
        return {"base": self.base_name, "rho": self.rho, "period": self.period, **self.base.hyperparameters()}

    def ask(self) -> Any | Proposal:
        """Whatever the base strategy asks."""
        return self.base.ask()

    def tell(self, trial: Trial) -> None:
        """Scalarize the trial's objectives and tell the base strategy a copy of it."""
        oriented = self.problem.oriented(trial.objectives)
        if trial.feasible and np.isfinite(oriented).all():
            np.minimum(self._low, oriented, out=self._low)
            np.maximum(self._high, oriented, out=self._high)
        if self._n_told % self.period == 0:
            self.weights = self.rng.dirichlet(np.ones(len(oriented)))
        self._n_told += 1
        self.base.tell(replace(trial, objectives=(self.scalarize(oriented),)))

    def scalarize(self, oriented: np.ndarray) -> float:
        """The scalar the base is told for oriented objectives (larger is better; NaN if infeasible)."""
        return -augmented_chebyshev(oriented, self.weights, low=self._low, high=self._high, rho=self.rho)


def augmented_chebyshev(oriented: np.ndarray, weights: np.ndarray, *, low: np.ndarray, high: np.ndarray,
                        rho: float = 0.05) -> float:
    """Augmented Chebyshev value (to minimize) of objectives oriented to minimize (Knowles 2006, eq. 2).

    ``u = (oriented - low) / (high - low)`` (0 where ``high == low``), then
    ``max_j(w_j u_j) + rho * sum_j(w_j u_j)``; NaN if a value is not finite.

    Example:
        >>> round(augmented_chebyshev(np.array([2.0, 6.0]), np.array([0.5, 0.5]),
        ...                           low=np.zeros(2), high=np.full(2, 10.0)), 6)  # 0.3 + 0.05 * 0.4
        0.32
    """
    if not np.isfinite(oriented).all():
        return float("nan")
    span = high - low
    scaled = np.where(span > 0, (oriented - low) / np.where(span > 0, span, 1.0), 0.0)
    weighted = weights * scaled
    return float(weighted.max() + rho * weighted.sum())
