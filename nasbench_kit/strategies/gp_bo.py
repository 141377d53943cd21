"""Bayesian optimization with a Gaussian process and expected improvement (Jones, Schonlau
& Welch, J. Global Optim. 1998; Snoek, Larochelle & Adams, NeurIPS 2012), on an
architecture encoding."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..errors import ArgumentError
from ._model_based import ModelBasedStrategy

__all__ = ["GaussianProcessBO", "expected_improvement"]


def expected_improvement(mean: np.ndarray, std: np.ndarray, best: float, xi: float = 0.0) -> np.ndarray:
    """Expected improvement over ``best`` of a Gaussian ``N(mean, std**2)`` (maximizing).

    ``EI = (mean - best - xi) * Phi(z) + std * phi(z)`` with ``z = (mean - best - xi) / std``
    (Jones et al. 1998, eq. 15); where ``std`` is 0 it is the plain improvement ``max(mean -
    best - xi, 0)``.

    Args:
        mean, std: predictive mean and standard deviation, same shape.
        best: the best value observed so far.
        xi: exploration margin, in the target's units.

    Example:
        >>> expected_improvement(np.array([1.0, 0.0]), np.array([0.0, 1.0]), best=0.0).round(3).tolist()
        [1.0, 0.399]
    """
    from scipy.stats import norm

    improvement = np.asarray(mean, dtype=np.float64) - best - xi
    std = np.asarray(std, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(std > 0, improvement / std, 0.0)
    smooth = improvement * norm.cdf(z) + std * norm.pdf(z)
    return np.where(std > 0, smooth, np.maximum(improvement, 0.0))


class GaussianProcessBO(ModelBasedStrategy):
    """GP-BO: a Gaussian process on an encoding, expected improvement over a candidate pool.

    The surrogate is scikit-learn's ``GaussianProcessRegressor`` with the kernel
    ``Constant * Matern(nu=5/2) + White`` (one length scale; the white noise absorbs
    training noise), ``normalize_y=True`` and the kernel's hyperparameters fitted by
    maximum marginal likelihood (Snoek et al. 2012 use Matern 5/2 and EI; they integrate
    the hyperparameters by MCMC, here they are point estimates). After ``num_init``
    random architectures, each fit scores a candidate pool: ``num_random`` random feasible
    architectures plus ``num_mutations`` mutations of the ``num_parents`` best evaluated
    ones (defaults 200 + 100), without architectures already asked; the ``batch_size``
    candidates with the largest expected improvement are asked next. Pending
    architectures are excluded from the pool (nothing is fantasized).

    Cost (NB201 space, one busy CPU core, sklearn import excluded): a fit (cubic in the
    number of trials, kernel hyperparameters refitted from scratch each time) plus the
    pool, once per ask with ``batch_size=1``: about 30 ms per ask around 50 evaluations and
    65 ms around 150; a whole 150-evaluation search about 5.4 s. NB101 adds about 0.1 s
    per ask for sampling and mutating the 300 candidates.

    Args:
        space: the search space.
        seed: seed of the strategy (the GP's ``random_state`` derives from it).
        num_init: random architectures before the first fit.
        batch_size: proposals per fit, served one per ask (1: sequential BO).
        num_random: random candidates per fit.
        num_mutations: mutated candidates per fit.
        num_parents: best evaluated architectures that are mutated.
        xi: exploration margin of expected improvement, in objective units (0: plain EI).
        encoding: ``"onehot"`` (default), ``"adjacency"`` or ``"path"``.

    Raises:
        ArgumentError: a hyperparameter out of range, an unknown encoding, or an empty
            candidate pool (``num_random + num_mutations == 0``).

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> strategy = GaussianProcessBO(NB201Space(), seed=0)
        >>> strategy.ask() == GaussianProcessBO(NB201Space(), seed=0).ask()   # random start
        True
        >>> strategy.hyperparameters()["encoding"]
        'onehot'
    """

    name = "gp-bo"

    def __init__(
        self,
        space: Any,
        *,
        seed: int | None = None,
        num_init: int = 10,
        batch_size: int = 1,
        num_random: int = 200,
        num_mutations: int = 100,
        num_parents: int = 10,
        xi: float = 0.0,
        encoding: str = "onehot",
    ) -> None:
        super().__init__(
            space,
            seed=seed,
            num_init=num_init,
            batch_size=batch_size,
            encoding=encoding,
            num_parents=num_parents,
            num_mutations=num_mutations,
            num_random=num_random,
        )
        if self.num_random + self.num_mutations == 0:
            raise ArgumentError("GaussianProcessBO needs num_random + num_mutations >= 1 candidates, got 0")
        self.xi = self._check_float("xi", xi, low=0.0)

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "num_init": self.num_init,
            "batch_size": self.batch_size,
            "num_random": self.num_random,
            "num_mutations": self.num_mutations,
            "num_parents": self.num_parents,
            "xi": self.xi,
            "encoding": self.encoding,
        }

    def _fit(self, encoded: np.ndarray, targets: np.ndarray, rng: np.random.Generator) -> Any:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(1.0, (1e-2, 1e3), nu=2.5) + WhiteKernel(1e-2, (1e-6, 1e1))
        gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=int(rng.integers(2**31 - 1)),
                                      optimizer=self._lbfgs_until_stopped)
        with warnings.catch_warnings():  # a hyperparameter at its bound is fine here
            warnings.simplefilter("ignore", ConvergenceWarning)
            return gp.fit(encoded, targets)

    def _lbfgs_until_stopped(self, obj_func: Any, initial_theta: np.ndarray, bounds: np.ndarray) -> tuple[Any, float]:
        """scikit-learn's default kernel optimizer (L-BFGS-B on the log marginal likelihood,
        the same call), checking for Stop after every iteration."""
        from scipy.optimize import minimize

        result = minimize(obj_func, initial_theta, method="L-BFGS-B", jac=True, bounds=bounds,
                          callback=lambda _: self.problem.check_stop())
        return result.x, result.fun

    def _predict_oriented(self, model: Any, encoded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, std = model.predict(encoded, return_std=True)
        return mean, std

    def _acquisition(self, model: Any, encoded: np.ndarray) -> np.ndarray:
        mean, std = self._predict_oriented(model, encoded)
        return expected_improvement(mean, std, best=max(self._targets), xi=self.xi)
