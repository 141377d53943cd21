"""The ask/tell interface every search strategy implements, and what it is told.

A strategy proposes architectures (:meth:`Strategy.ask`) and learns from finished trials
(:meth:`Strategy.tell`). It never sees the benchmark, never loops, never prints: a
:class:`~nasbench_kit.run.Run` owns the loop, checks constraints, queries the benchmark,
charges the simulated clock and tells the strategy what a real search would have learnt.

What a strategy sees (:class:`Trial`): the architecture, the search objectives' values
(validation accuracy at the search epoch, free cost metrics such as latency), the free
cost metrics, the validation learning curve up to the trained epoch, and whether the
architecture satisfied the constraints. Test accuracy never reaches a strategy.

The run calls :meth:`Strategy.setup` once with a :class:`SearchProblem` before the first
``ask``: the objectives, the constraints and a free feasibility check, so a strategy can
avoid proposing architectures that break a latency limit (every built-in strategy does,
through :meth:`Strategy.sample_feasible`).

>>> from nasbench_kit.spaces import NB201Space
>>> class FirstCell(Strategy):
...     name = "first-cell"
...     def ask(self):
...         return self.space.cell_at(0)
...     def tell(self, trial):
...         pass
>>> FirstCell(NB201Space(), seed=0).ask()
Cell201(ops=('none', 'none', 'none', 'none', 'none', 'none'))
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np

from ..errors import ArgumentError
from ..objectives import Constraint, Objective

A = TypeVar("A")

__all__ = ["Strategy", "Proposal", "Trial", "SearchProblem", "AskCancelled", "check_seed"]


@dataclass(frozen=True)
class Proposal(Generic[A]):
    """An architecture to evaluate, optionally at a given fidelity.

    ``ask`` may return a bare architecture (evaluated at the run's search epoch) or a
    ``Proposal`` naming the epoch to train to (multi-fidelity strategies).

    Args:
        arch: the architecture.
        epoch: the training epoch (fidelity) to read; None for the run's search epoch.
    """

    arch: A
    epoch: int | None = None


@dataclass(frozen=True, eq=False)
class Trial(Generic[A]):
    """One finished evaluation, as a strategy sees it (no test metrics).

    Attributes:
        number: 0, 1, ... in the order the run asked for them (-1 for a vetoed candidate,
            which is not a trial of the run's history).
        arch: the evaluated architecture.
        canonical: its isomorphism class (``space.canonical(arch)``).
        epoch: the epoch the architecture was trained to (its fidelity).
        feasible: True if it satisfied every constraint; an infeasible architecture is
            rejected before training, so its ``objectives`` are NaN and nothing was charged.
        objectives: the run's objective values, aligned with ``SearchProblem.objectives``
            (the first is the search metric, e.g. validation accuracy in percent).
        costs: free cost metrics (``params``, ``flops``, ``latency_ms_<device>``, ...).
        valid_curve: validation accuracy (percent) at ``curve_epochs``, up to ``epoch``.
        curve_epochs: the epochs of ``valid_curve``.
        train_seconds: simulated seconds charged for this trial (0 for a duplicate or an
            infeasible architecture, or a lower fidelity than already trained).
        finish_seconds: simulated time at which the result became available.
        duplicate: True if the run skipped training because an isomorphic architecture
            was already evaluated at this fidelity (``dedupe=True``); values are copied.
        vetoed: True if a person vetoed this candidate (``Run.veto``): it was not trained,
            nothing was charged, ``feasible`` is False and ``objectives`` are NaN, like
            an architecture that breaks a constraint.
    """

    number: int
    arch: A
    canonical: str
    epoch: int
    feasible: bool
    objectives: tuple[float, ...]
    costs: Mapping[str, float]
    valid_curve: np.ndarray = field(repr=False)
    curve_epochs: np.ndarray = field(repr=False)
    train_seconds: float = 0.0
    finish_seconds: float = 0.0
    duplicate: bool = False
    vetoed: bool = False

    @property
    def value(self) -> float:
        """The first objective's value (the search metric), NaN if infeasible."""
        return self.objectives[0]


def _no_constraint_check(archs: Sequence[Any]) -> np.ndarray:
    return np.ones(len(archs), dtype=bool)


def _never_stop() -> bool:
    return False


class AskCancelled(Exception):
    """Raised inside a long ``ask`` (e.g. a surrogate fit) by :meth:`SearchProblem.check_stop`
    once the run was asked to stop: the run then ends as "stopped" without waiting for
    the ask to finish. Not an error; strategies let it propagate."""


@dataclass(frozen=True, eq=False)
class SearchProblem:
    """What a run tells its strategy before the first ask.

    Attributes:
        objectives: what to optimize; the first is the search metric.
        constraints: bounds on free metrics; architectures outside them are rejected
            before any budget is charged.
        feasible_many: ``archs -> bool array``, free (no budget): which satisfy the
            constraints.
        search_epoch: the fidelity evaluated by default.
        fidelities: the epochs a multi-fidelity strategy may ask for, ascending.
        should_stop: ``() -> bool``, True once the run was asked to stop during an ask;
            strategies whose ask can take long call :meth:`check_stop` in their loops.
    """

    objectives: tuple[Objective, ...] = (Objective("valid_acc"),)
    constraints: tuple[Constraint, ...] = ()
    feasible_many: Callable[[Sequence[Any]], np.ndarray] = _no_constraint_check
    search_epoch: int | None = None
    fidelities: tuple[int, ...] = ()
    should_stop: Callable[[], bool] = _never_stop

    def check_stop(self) -> None:
        """Raise :class:`AskCancelled` if the run was asked to stop (cheap; call it often)."""
        if self.should_stop():
            raise AskCancelled

    def feasible(self, arch: Any) -> bool:
        """True if ``arch`` satisfies every constraint (free)."""
        return bool(self.feasible_many([arch])[0])

    def oriented(self, objectives: Sequence[float]) -> np.ndarray:
        """Objective values turned into a vector to *minimize* (NaN -> +inf)."""
        out = np.array([o.sign * v for o, v in zip(self.objectives, objectives)], dtype=np.float64)
        out[np.isnan(out)] = np.inf
        return out


def _unsupported(strategy: Any, method: str) -> str:
    """The message for a steering method a strategy does not implement: who does."""
    from . import STRATEGIES, strategy_names

    able = [name for name in strategy_names() if method in STRATEGIES[name].steering]
    return (f"{type(strategy).__name__} ({strategy.name!r}) does not support {method}; strategies that do: {able} "
            f"(every strategy is told the trials a person suggests with Run.suggest)")


def check_seed(seed: object) -> int | None:
    """Validate a strategy / run seed: None or an int >= 0."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(f"seed must be None or an int >= 0, got {seed!r}")
    return int(seed)


class Strategy(ABC, Generic[A]):
    """Base class of search strategies (ask/tell, seeded, constraint-aware).

    Subclasses take keyword-only hyperparameters with defaults from their papers (cite
    them in the class docstring), validate them in ``__init__`` with
    :meth:`_check_int` / :meth:`_check_float`, and draw every random number from
    ``self.rng``.

    Args:
        space: the search space.
        seed: seed of the strategy's ``numpy.random.Generator`` (None: fresh entropy).

    Attributes:
        name: short registry name (``"random"``, ``"rea"``, ...).
        multi_objective: True if the strategy optimizes all objectives jointly (NSGA-II);
            single-objective strategies optimize the first objective.
        multi_fidelity: True if ``ask`` chooses training epochs (successive halving).
        steering: the optional steering methods the strategy implements, among
            ``"seed_population"`` and ``"pin_parent"`` (human in the loop, see
            :meth:`seed_population`); empty for most strategies.
        manual: True if every trial must come from a person (:class:`ManualStrategy`):
            ``ask`` cannot propose anything, the run waits for ``Run.suggest``.
        problem: the :class:`SearchProblem`, set by :meth:`setup` (a default one before).
    """

    name: ClassVar[str] = "strategy"
    multi_objective: ClassVar[bool] = False
    multi_fidelity: ClassVar[bool] = False
    steering: ClassVar[frozenset[str]] = frozenset()
    manual: ClassVar[bool] = False

    #: Rejection-sampling attempts before giving up on finding a feasible architecture.
    max_feasible_tries: ClassVar[int] = 1000

    def __init__(self, space: Any, *, seed: int | None = None) -> None:
        from ..spaces.base import SearchSpace

        if not isinstance(space, SearchSpace):
            raise ArgumentError(f"{type(self).__name__} needs a SearchSpace, got {type(space).__name__} {space!r}")
        self.space = space
        self.seed = check_seed(seed)
        self.rng = np.random.default_rng(self.seed)
        self.problem = SearchProblem()

    def reseed(self, seed: int | None) -> None:
        """Restart the strategy's random stream from ``seed`` (a run's ``seed=`` calls this
        before the first ask). Strategies that derive state from the seed override it."""
        self.seed = check_seed(seed)
        self.rng = np.random.default_rng(self.seed)

    def setup(self, problem: SearchProblem) -> None:
        """Receive the objectives and constraints (called by the run before the first ask)."""
        self.problem = problem

    @abstractmethod
    def ask(self) -> A | Proposal[A]:
        """Propose the next architecture (or a :class:`Proposal` with an epoch)."""

    @abstractmethod
    def tell(self, trial: Trial[A]) -> None:
        """Learn from a finished trial."""

    def hyperparameters(self) -> dict[str, Any]:
        """The strategy's hyperparameters (for histories and reports)."""
        return {}

    # --- optional steering (human in the loop) ----------------------------------------------
    def seed_population(self, trials: Sequence[Trial[A]]) -> None:
        """Add finished, feasible trials to what the strategy builds on (its population).

        Optional: strategies that implement it list ``"seed_population"`` in
        :attr:`steering`. A run calls it through ``Run.seed_population`` with trials it
        has already told the strategy (nothing new is learnt, nothing is charged).

        Args:
            trials: feasible trials, in the order they join.

        Raises:
            ArgumentError: this strategy cannot be seeded (the message lists those that can).
        """
        raise ArgumentError(_unsupported(self, "seed_population"))

    def pin_parent(self, trial: Trial[A], *, children: int | None = None) -> None:
        """Make ``trial`` the parent of the next proposals, overriding the strategy's choice.

        Optional: strategies that implement it list ``"pin_parent"`` in :attr:`steering`.
        What a parent means is the strategy's: regularized evolution mutates it for the
        next ``children`` asks; local search restarts its climb from it.

        Args:
            trial: a finished, feasible trial.
            children: how many proposals the pin lasts (None: the strategy's default).

        Raises:
            ArgumentError: this strategy cannot be steered so (the message lists those
                that can), or a bad ``children``.
        """
        raise ArgumentError(_unsupported(self, "pin_parent"))

    def __repr__(self) -> str:
        hp = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}(seed={self.seed}{', ' if hp else ''}{hp})"

    # --- helpers for subclasses -------------------------------------------------------------
    def sample_feasible(self) -> A:
        """A uniformly sampled architecture that satisfies the constraints.

        Rejection sampling; after :attr:`max_feasible_tries` tries it returns the last
        sample (the run then records it as infeasible, at no cost) rather than loop forever.
        """
        arch = self.space.sample(self.rng)
        if not self.problem.constraints:
            return arch
        for _ in range(self.max_feasible_tries - 1):
            if self.problem.feasible(arch):
                return arch
            arch = self.space.sample(self.rng)
        return arch

    def mutate_feasible(self, parent: A) -> A:
        """A mutation of ``parent`` that satisfies the constraints (last try if none does)."""
        child = self.space.mutate(parent, self.rng)
        if not self.problem.constraints:
            return child
        for _ in range(self.max_feasible_tries - 1):
            if self.problem.feasible(child):
                return child
            child = self.space.mutate(parent, self.rng)
        return child

    def _check_int(self, name: str, value: object, *, low: int, high: float = math.inf) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
            allowed = f">= {low}" if high == math.inf else f"in {low}..{int(high)}"
            raise ArgumentError(f"{type(self).__name__} {name} must be an int {allowed}, got {value!r}")
        return int(value)

    def _check_float(
        self, name: str, value: object, *, low: float, high: float = math.inf, low_open: bool = False
    ) -> float:
        ok = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
        if ok:
            value = float(value)
            ok = math.isfinite(value) and (value > low if low_open else value >= low) and value <= high
        if not ok:
            left = "(" if low_open else "["
            raise ArgumentError(f"{type(self).__name__} {name} must be a number in {left}{low}, {high}], got {value!r}")
        return float(value)
