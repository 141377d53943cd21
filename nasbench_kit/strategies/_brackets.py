"""Successive-halving brackets shared by successive halving, Hyperband and BOHB.

A *bracket* evaluates ``n_0`` new architectures at the lowest epoch of its rungs, keeps
the best ``n_1 = floor(n_0 / eta)`` (Hyperband's ``n_i = floor(n * eta**-i)``), trains
those further to the next epoch, and so on up to the largest epoch. A promoted
architecture is asked again as ``Proposal(arch, epoch=higher)``: the run continues the
same training run and charges only the extra epochs.

Rung epochs (:func:`rung_epochs`): with ``s_max = floor(log_eta(max_epoch / min_epoch))``
the ideal budgets are ``max_epoch * eta**-(s_max - i)`` for ``i = 0..s_max``; each is
rounded *up* to the smallest epoch the benchmark records (so no rung trains less than
its ideal budget), and epochs that coincide after rounding are merged. With fidelities
``1..27`` and ``eta = 3`` the rungs are exactly ``(1, 3, 9, 27)``; with ``1..12`` they
are ``(2, 4, 12)`` (``12 / 9`` rounds up to 2).

Asynchronous behaviour (several workers, tells in any order): a rung is promoted only
when every one of its trials has been told. An ``ask`` hands out, in this order, (1) a
promoted architecture of the oldest bracket that has one waiting, (2) a new
architecture for a bracket whose first rung is not fully asked yet, (3) otherwise it
opens the *next* bracket and asks its first architecture, so idle workers never wait
for a rung to finish (the parallel scheme of BOHB, Falkner et al., ICML 2018, Sec. 4.2).
With one worker this is exactly the sequential algorithm of the papers.
"""

from __future__ import annotations

import bisect
import math
from abc import abstractmethod
from collections import deque
from collections.abc import Sequence
from typing import Any

from ..errors import ArgumentError
from .base import Proposal, SearchProblem, Strategy, Trial

__all__ = ["rung_epochs", "hyperband_sizes", "Bracket", "BracketStrategy"]


def rung_epochs(fidelities: Sequence[int], *, eta: int, min_epoch: int | None = None,
                max_epoch: int | None = None) -> tuple[int, ...]:
    """The epochs of the rungs of the most exploratory bracket (see the module docstring).

    Args:
        fidelities: ascending epochs the benchmark records.
        eta: the halving rate (>= 2).
        min_epoch: the smallest budget (default: the smallest fidelity).
        max_epoch: the largest budget, a recorded fidelity (default: the largest).

    Raises:
        ArgumentError: ``fidelities`` empty, ``max_epoch`` not recorded, or ``min_epoch``
            outside ``[fidelities[0], max_epoch]``.

    Example:
        >>> rung_epochs(range(1, 28), eta=3)
        (1, 3, 9, 27)
        >>> rung_epochs(range(1, 13), eta=3), rung_epochs(range(1, 201), eta=3)
        ((2, 4, 12), (3, 8, 23, 67, 200))
    """
    fids = sorted(int(f) for f in fidelities)
    if not fids:
        raise ArgumentError("rung_epochs needs at least one fidelity (epoch recorded by the benchmark)")
    top = fids[-1] if max_epoch is None else max_epoch
    if top not in fids:
        raise ArgumentError(f"max_epoch={top} is not an epoch the benchmark records; epochs: {fids}")
    low = fids[0] if min_epoch is None else min_epoch
    if not fids[0] <= low <= top:
        raise ArgumentError(f"min_epoch={low} must lie in [{fids[0]}, max_epoch={top}] (the recorded epochs)")
    s_max = int(math.floor(math.log(top / low) / math.log(eta) + 1e-9))
    epochs: list[int] = []
    for i in range(s_max + 1):
        ideal = top / eta ** (s_max - i)
        epoch = fids[bisect.bisect_left(fids, ideal - 1e-9)]  # smallest recorded epoch >= ideal
        if not epochs or epoch != epochs[-1]:
            epochs.append(epoch)
    return tuple(epochs)


def hyperband_sizes(s: int, s_max: int, eta: int) -> tuple[int, ...]:
    """Rung sizes of Hyperband's bracket ``s`` (Li et al., JMLR 2018, Algorithm 1).

    ``n = ceil((s_max + 1) / (s + 1) * eta**s)`` new configurations, then
    ``n_i = floor(n * eta**-i)`` for ``i = 0..s``.

    Example:
        >>> [hyperband_sizes(s, 3, 3) for s in (3, 2, 1, 0)]
        [(27, 9, 3, 1), (12, 4, 1), (6, 2), (4,)]
    """
    n = -(-(s_max + 1) * eta**s // (s + 1))  # integer ceil
    return tuple(max(1, n // eta**i) for i in range(s + 1))


class Bracket:
    """One successive-halving bracket: rung sizes and epochs, and what was told so far.

    Args:
        sizes: architectures per rung (non-increasing).
        epochs: epoch of each rung (increasing), same length as ``sizes``.
    """

    def __init__(self, sizes: Sequence[int], epochs: Sequence[int]) -> None:
        self.sizes, self.epochs = tuple(sizes), tuple(epochs)
        self.rung = 0
        self.new_left = self.sizes[0]  # new architectures still to ask on rung 0
        self.promoted: deque[Any] = deque()  # archs promoted to ``rung``, not asked yet
        self.expected = self.sizes[0]  # trials of the current rung that will be told
        self.results: list[tuple[float, int, Any]] = []  # (oriented value, order, arch)
        self.finished = False

    @property
    def epoch(self) -> int:
        """The epoch of the rung being evaluated."""
        return self.epochs[self.rung]

    def record(self, arch: Any, oriented_value: float) -> None:
        """Store a told result of the current rung; promote when the rung is complete."""
        self.results.append((oriented_value, len(self.results), arch))
        if len(self.results) == self.expected:
            self._promote()

    def _promote(self) -> None:
        if self.rung + 1 == len(self.sizes):
            self.finished = True
            return
        ranked = sorted(r for r in self.results if math.isfinite(r[0]))  # infeasible never promoted
        keep = ranked[: self.sizes[self.rung + 1]]
        self.rung += 1
        self.promoted = deque(arch for _, _, arch in keep)
        self.expected, self.results = len(keep), []
        self.finished = not keep


class BracketStrategy(Strategy):
    """Base of the bracket strategies: ask/tell over a queue of successive-halving brackets.

    Subclasses implement :meth:`_next_bracket` (the sizes of the next bracket, given
    the rung epochs) and may override :meth:`_new_arch` (random by default) and
    :meth:`_observe` (called with every told trial). See the module docstring.

    Args:
        space: the search space.
        seed: the strategy's seed.
        eta: halving rate; the top ``1 / eta`` of each rung is promoted (default 3).
        min_epoch: smallest budget (default: the smallest recorded fidelity).
        max_epoch: largest budget (default: the largest recorded fidelity).

    Raises:
        ArgumentError: a bad ``eta``/``min_epoch``/``max_epoch`` (in ``setup``: epochs the
            benchmark does not record).
    """

    multi_fidelity = True

    def __init__(self, space: Any, *, seed: int | None = None, eta: int = 3,
                 min_epoch: int | None = None, max_epoch: int | None = None) -> None:
        super().__init__(space, seed=seed)
        self.eta = self._check_int("eta", eta, low=2)
        self.min_epoch = None if min_epoch is None else self._check_int("min_epoch", min_epoch, low=1)
        self.max_epoch = None if max_epoch is None else self._check_int("max_epoch", max_epoch, low=1)
        if self.min_epoch is not None and self.max_epoch is not None and self.min_epoch > self.max_epoch:
            raise ArgumentError(f"{type(self).__name__} min_epoch={min_epoch} is above max_epoch={max_epoch}")
        self._set_problem(self.problem)

    def setup(self, problem: SearchProblem) -> None:
        """Receive the problem and derive the rung epochs from ``problem.fidelities``."""
        super().setup(problem)
        self._set_problem(problem)

    def _set_problem(self, problem: SearchProblem) -> None:
        #: Epochs of the rungs of the most exploratory bracket; () without fidelities.
        self.rung_epochs: tuple[int, ...] = ()
        if problem.fidelities:
            self.rung_epochs = rung_epochs(problem.fidelities, eta=self.eta, min_epoch=self.min_epoch,
                                           max_epoch=self.max_epoch)
        self._brackets: list[Bracket] = []  # open brackets, oldest first
        self._asked: dict[Any, deque[Bracket]] = {}  # arch -> brackets waiting for its result
        self.n_brackets = 0  #: brackets opened so far

    def hyperparameters(self) -> dict[str, Any]:
        return {"eta": self.eta, "min_epoch": self.min_epoch, "max_epoch": self.max_epoch}

    # --- hooks ---------------------------------------------------------------------------------
    @abstractmethod
    def _next_bracket(self) -> tuple[int, ...]:
        """Rung sizes of the next bracket (its epochs are the last ``len(sizes)`` rung epochs)."""

    def _new_arch(self, epoch: int | None) -> Any:
        """A new architecture for the first rung (at ``epoch``) of a bracket."""
        return self.sample_feasible()

    def _observe(self, trial: Trial) -> None:
        """Called with every told trial (asked by this strategy or not)."""

    # --- ask / tell ----------------------------------------------------------------------------
    def ask(self) -> Proposal:
        """The next architecture and the epoch to train it to (see the module docstring)."""
        if not self.rung_epochs:  # no fidelities: random search at the search epoch
            return Proposal(self._new_arch(None), epoch=None)
        for bracket in self._brackets:
            if bracket.promoted:
                return self._hand_out(bracket, bracket.promoted.popleft())
        bracket = next((b for b in self._brackets if b.new_left), None) or self._open_bracket()
        bracket.new_left -= 1
        return self._hand_out(bracket, self._new_arch(bracket.epoch))

    def _open_bracket(self) -> Bracket:
        sizes = self._next_bracket()
        bracket = Bracket(sizes, self.rung_epochs[len(self.rung_epochs) - len(sizes):])
        self._brackets.append(bracket)
        self.n_brackets += 1
        return bracket

    def _hand_out(self, bracket: Bracket, arch: Any) -> Proposal:
        self._asked.setdefault(arch, deque()).append(bracket)
        return Proposal(arch, epoch=bracket.epoch)

    def tell(self, trial: Trial) -> None:
        """Record the trial in the bracket that asked for it (trials it never asked: ignored)."""
        self._observe(trial)
        waiting = self._asked.get(trial.arch)
        if not waiting:
            return
        bracket = waiting.popleft()
        if not waiting:
            del self._asked[trial.arch]
        bracket.record(trial.arch, float(self.problem.oriented(trial.objectives)[0]))
        if bracket.finished:
            self._brackets.remove(bracket)
