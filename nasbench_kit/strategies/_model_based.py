"""Machinery shared by the model-based strategies (:mod:`.bananas`, :mod:`.gp_bo`).

A model-based strategy keeps the feasible trials it was told (architecture, encoding and
the first objective oriented so that larger is better), asks ``num_init`` random
architectures first, then repeatedly fits a surrogate model, scores a pool of candidate
architectures with an acquisition function and queues the ``batch_size`` best ones.

Outstanding asks (several simulated workers) are handled by exclusion: every asked
canonical is remembered at once, so neither a pending nor an evaluated architecture is
proposed again while any unseen alternative exists. Nothing is "fantasized" for pending
trials. A fitted model is reused until a new feasible trial arrives, and its random seeds
come from ``[entropy drawn from self.rng at construction, number of observations]``, so
fitting (also through :meth:`ModelBasedStrategy.predict`) never shifts ``self.rng``.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections import deque
from collections.abc import Sequence
from contextlib import AbstractContextManager
from functools import cache
from typing import Any, ClassVar

import numpy as np

from ..errors import ArgumentError
from ..spaces.base import ENCODING_KINDS
from .base import Strategy, Trial

__all__ = ["ModelBasedStrategy", "one_blas_thread"]


@cache
def _blas_controller() -> Any:
    import scipy.linalg  # noqa: F401  (loads scipy's BLAS so the controller sees it)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager:
    """Context limiting BLAS to one thread: the surrogates' matrices are small (about
    150 x 150), where extra threads only contend for busy cores (15x slower measured)."""
    return _blas_controller().limit(limits=1)


class ModelBasedStrategy(Strategy):
    """Base of surrogate-model strategies: observations, initial design, candidate pool, queue.

    Subclasses implement :meth:`_fit` (encodings, targets, rng -> model),
    :meth:`_predict_oriented` (model, encodings -> mean, std) and :meth:`_acquisition`
    (model, encodings -> scores, larger is better).

    Args:
        space: the search space.
        seed: the strategy's seed.
        num_init: random architectures asked before the first model fit.
        batch_size: architectures proposed per model fit, served one per ask.
        encoding: the space encoding the model reads (one of ``"onehot"``, ``"adjacency"``,
            ``"path"``).
        num_parents: best evaluated architectures whose mutations become candidates.
        num_mutations: mutated candidates per proposal (spread evenly over the parents).
        num_random: uniformly sampled candidates per proposal.

    Raises:
        ArgumentError: a hyperparameter out of range or an unknown encoding.
    """

    #: Feasible observations needed before a model is fitted (random asks until then).
    min_observations: ClassVar[int] = 2
    #: Random draws tried to find an architecture not yet asked before giving up.
    unseen_tries: ClassVar[int] = 100

    def __init__(
        self,
        space: Any,
        *,
        seed: int | None,
        num_init: int,
        batch_size: int,
        encoding: str,
        num_parents: int,
        num_mutations: int,
        num_random: int,
    ) -> None:
        super().__init__(space, seed=seed)
        self.num_init = self._check_int("num_init", num_init, low=1)
        self.batch_size = self._check_int("batch_size", batch_size, low=1)
        self.encoding = self._check_encoding(encoding)
        self.num_parents = self._check_int("num_parents", num_parents, low=1)
        self.num_mutations = self._check_int("num_mutations", num_mutations, low=0)
        self.num_random = self._check_int("num_random", num_random, low=0)
        self._model_entropy = int(self.rng.integers(2**62))  # seeds of every model fit
        self._archs: list[Any] = []  # feasible told architectures
        self._rows: list[np.ndarray] = []  # their encodings, (encoding_length,) float32 each
        self._targets: list[float] = []  # first objective, oriented so larger is better
        self._seen: set[str] = set()  # canonicals asked or told
        self._queue: deque[tuple[Any, str]] = deque()  # (arch, canonical) proposed, not yet asked
        self._num_asked = 0
        self._model: Any = None
        self._model_size = -1  # len(self._targets) when self._model was fitted

    def reseed(self, seed: int | None) -> None:
        """Restart the random stream from ``seed``; the model seeds derive from it again."""
        super().reseed(seed)
        self._model_entropy = int(self.rng.integers(2**62))
        self._model_size = -1

    def _check_encoding(self, encoding: object) -> str:
        if encoding not in ENCODING_KINDS:
            raise ArgumentError(f"{type(self).__name__} encoding must be one of {ENCODING_KINDS}, got {encoding!r}")
        return str(encoding)

    # --- ask / tell ---------------------------------------------------------------------
    def ask(self) -> Any:
        """The next queued proposal, a random architecture while too little is known, or
        a fresh batch from the refitted model when the queue is empty."""
        arch, canonical = self._next()
        self._seen.add(canonical)
        self._num_asked += 1
        return arch

    def tell(self, trial: Trial) -> None:
        """Remember the trial; feasible trials with a finite value train the model."""
        self._seen.add(trial.canonical)
        if not trial.feasible or not math.isfinite(trial.value):
            return
        self._archs.append(trial.arch)
        self._rows.append(np.asarray(self.space.encode(trial.arch, self.encoding), dtype=np.float32))
        self._targets.append(-self.problem.objectives[0].sign * float(trial.value))

    def predict(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """The surrogate's mean and standard deviation of the first objective (its units).

        Fits the model on the trials told so far if needed; this does not change the
        architectures the strategy asks next.

        Args:
            archs: architectures of the strategy's space.

        Returns:
            ``(mean, std)``, float64 arrays of shape ``(len(archs),)`` in the first
            objective's units (e.g. percent validation accuracy).

        Raises:
            ArgumentError: fewer than :attr:`min_observations` feasible trials were told.
        """
        if len(self._targets) < self.min_observations:
            raise ArgumentError(
                f"{type(self).__name__}.predict needs at least {self.min_observations} feasible trials told, "
                f"got {len(self._targets)}"
            )
        encoded = self.space.encode_many(list(archs), self.encoding)
        with one_blas_thread():
            mean, std = self._predict_oriented(self._fitted_model(), encoded)
        return -self.problem.objectives[0].sign * mean, std

    # --- proposals ------------------------------------------------------------------------
    def _next(self) -> tuple[Any, str]:
        while self._queue:
            arch, canonical = self._queue.popleft()
            if canonical not in self._seen:
                return arch, canonical
        if self._num_asked < self.num_init or len(self._targets) < self.min_observations:
            return self._sample_unseen()
        self._queue.extend(self._propose(self.batch_size))
        return self._queue.popleft()

    def _sample_unseen(self) -> tuple[Any, str]:
        """A random feasible architecture not asked yet (a seen one if none turns up)."""
        for _ in range(self.unseen_tries):
            arch = self.sample_feasible()
            canonical = self.space.canonical(arch)
            if canonical not in self._seen:
                break
        return arch, canonical

    def _propose(self, count: int) -> list[tuple[Any, str]]:
        """The ``count`` candidates with the best acquisition score (at least one arch)."""
        pool = self._candidate_pool(count)
        if not pool:  # every candidate was seen: the space is (nearly) exhausted
            return [self._sample_unseen()]
        encoded = self.space.encode_many([arch for arch, _ in pool], self.encoding)
        with one_blas_thread():
            scores = self._acquisition(self._fitted_model(), encoded)
        best = np.argsort(-scores, kind="stable")[:count]
        return [pool[i] for i in best]

    def _candidate_pool(self, count: int) -> list[tuple[Any, str]]:
        """Unseen, feasible, distinct candidates: mutations of the best evaluated
        architectures plus random samples, topped up with random ones to ``count``."""
        pool: dict[str, Any] = {}
        self._add_unseen(pool, self._mutations())
        self._add_unseen(pool, [self.sample_feasible() for _ in range(self.num_random)])
        archs = list(pool.items())
        if self.problem.constraints and archs:
            feasible = self.problem.feasible_many([arch for _, arch in archs])
            archs = [item for item, ok in zip(archs, feasible) if ok]
        pool = dict(archs)
        for _ in range(self.unseen_tries):
            if len(pool) >= count:
                break
            arch = self.sample_feasible()
            if self.problem.feasible(arch):
                self._add_unseen(pool, [arch])
        return [(arch, canonical) for canonical, arch in pool.items()]

    def _add_unseen(self, pool: dict[str, Any], archs: Sequence[Any]) -> None:
        for arch in archs:
            canonical = self.space.canonical(arch)
            if canonical not in self._seen and canonical not in pool:
                pool[canonical] = arch

    def _mutations(self) -> list[Any]:
        """``num_mutations`` mutations, round robin over the ``num_parents`` best archs."""
        parents = [self._archs[i] for i in np.argsort(-np.asarray(self._targets), kind="stable")[: self.num_parents]]
        return [self.mutate_feasible(parents[i % len(parents)]) for i in range(self.num_mutations)]

    # --- the model ------------------------------------------------------------------------
    def _fitted_model(self) -> Any:
        """The model fitted on every observation so far (refitted only after new ones)."""
        if self._model_size != len(self._targets):
            model_rng = np.random.default_rng([self._model_entropy, len(self._targets)])
            self._model = self._fit(np.stack(self._rows), np.asarray(self._targets), model_rng)
            self._model_size = len(self._targets)
        return self._model

    @abstractmethod
    def _fit(self, encoded: np.ndarray, targets: np.ndarray, rng: np.random.Generator) -> Any:
        """Fit the surrogate: ``encoded`` (n, encoding_length), ``targets`` (n,) larger is better."""

    @abstractmethod
    def _predict_oriented(self, model: Any, encoded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation (each (n,)) of the oriented target."""

    @abstractmethod
    def _acquisition(self, model: Any, encoded: np.ndarray) -> np.ndarray:
        """Acquisition score of each candidate, shape (n,), larger is better."""
