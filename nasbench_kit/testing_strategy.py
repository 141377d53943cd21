"""The strategy contract: ``check_strategy`` grades any ask/tell strategy (built-in or a
student's) on every search space, without a benchmark.

A toy objective stands in for the benchmark: a fixed linear function of the one-hot
encoding (so it is defined on any space), scaled by the fidelity for multi-fidelity asks.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import ContractError, NasKitError
from .objectives import Constraint, Objective
from .strategies.base import Proposal, SearchProblem, Strategy, Trial

__all__ = ["check_strategy", "toy_objective"]

_FIDELITIES = (1, 3, 9, 12)


def toy_objective(space: Any, arch: Any, epoch: int, max_epoch: int = _FIDELITIES[-1]) -> float:
    """A deterministic stand-in for validation accuracy: 0..100, higher at higher fidelity."""
    code = space.encode(arch, "onehot")
    weights = np.random.default_rng(len(code)).uniform(0.0, 1.0, len(code))
    score = float(code @ weights) / max(float(weights.sum()), 1e-12)
    return 100.0 * score * (0.5 + 0.5 * epoch / max_epoch)


def _parity_feasible(space: Any) -> Callable[[Sequence[Any]], np.ndarray]:
    """A free 'constraint' that rejects about half of the architectures, deterministically."""
    def feasible_many(archs: Sequence[Any]) -> np.ndarray:
        return np.array([sum(map(ord, space.canonical(a))) % 2 == 0 for a in archs], dtype=bool)
    return feasible_many


def _drive(strategy: Strategy, space: Any, n_trials: int, *, outstanding: int = 1,
           problem: SearchProblem | None = None) -> list[tuple[str, int]]:
    """Ask/tell ``n_trials`` times with the toy objective; returns (arch, epoch) asked."""
    problem = problem or SearchProblem(search_epoch=_FIDELITIES[-1], fidelities=_FIDELITIES)
    strategy.setup(problem)
    asked: list[tuple[str, int]] = []
    queue: list[tuple[Any, int]] = []
    number = 0
    while number < n_trials:
        for _ in range(outstanding):
            proposal = strategy.ask()
            arch, epoch = (proposal.arch, proposal.epoch) if isinstance(proposal, Proposal) else (proposal, None)
            try:
                space.validate(arch)
            except NasKitError as error:
                raise ContractError(f"{type(strategy).__name__}.ask() returned a non-member {arch!r}: {error}")
            epoch = problem.search_epoch if epoch is None else epoch
            if epoch not in problem.fidelities:
                raise ContractError(f"{type(strategy).__name__} asked epoch {epoch!r}; allowed {problem.fidelities}")
            queue.append((arch, epoch))
            asked.append((str(arch), int(epoch)))
        for arch, epoch in reversed(queue):  # out of order when several are outstanding
            feasible = problem.feasible(arch)
            value = toy_objective(space, arch, epoch) if feasible else math.nan
            values = tuple(value if o.metric == "valid_acc" else float(len(str(arch))) for o in problem.objectives)
            strategy.tell(Trial(number=number, arch=arch, canonical=space.canonical(arch), epoch=epoch,
                                feasible=feasible, objectives=values if feasible else (math.nan,) * len(values),
                                costs={"params": float(len(str(arch)))}, valid_curve=np.array([value]),
                                curve_epochs=np.array([epoch]), train_seconds=1.0, finish_seconds=float(number)))
            number += 1
        queue.clear()
    return asked


def _steer(strategy: Strategy, space: Any, method: str, seed: int) -> None:
    """Tell one toy trial, steer the strategy with it (``method``), then ask/tell on."""
    problem = SearchProblem(search_epoch=_FIDELITIES[-1], fidelities=_FIDELITIES)
    strategy.setup(problem)
    arch = space.sample(np.random.default_rng(seed))
    value = toy_objective(space, arch, _FIDELITIES[-1])
    trial = Trial(number=0, arch=arch, canonical=space.canonical(arch), epoch=_FIDELITIES[-1], feasible=True,
                  objectives=(value,), costs={"params": float(len(str(arch)))}, valid_curve=np.array([value]),
                  curve_epochs=np.array([_FIDELITIES[-1]]), train_seconds=1.0)
    strategy.tell(trial)
    try:
        if method == "seed_population":
            strategy.seed_population([trial])
        else:
            strategy.pin_parent(trial)
    except NasKitError as error:
        raise ContractError(f"{type(strategy).__name__} lists {method!r} in steering but refused a feasible "
                              f"trial: {error}") from None
    _drive(strategy, space, 8, problem=problem)


def check_strategy(factory: Callable[..., Strategy], *, spaces: Sequence[Any] | None = None,
                   n_trials: int = 24, seed: int = 0) -> list[str]:
    """Run the strategy contract against ``factory(space, seed=...)`` on every space.

    Rules: ``ask`` returns members of the space (or a :class:`Proposal` at an allowed
    epoch); ``tell`` accepts trials in any order, infeasible ones included; the same seed
    gives the same asks; with a constraint at least 80 % of asks are feasible; ``ask`` and
    ``tell`` print nothing and leave numpy's global random state alone; a strategy that
    lists steering methods (``Strategy.steering``) accepts them with a feasible trial and
    keeps asking members afterwards.

    Args:
        factory: a Strategy class or any callable ``(space, seed=...) -> Strategy``.
        spaces: spaces to check on (default: NB201, NB101 and the macro space).
        n_trials: trials per check.

    Returns:
        The names of the checks that passed.

    Raises:
        ContractError: the first rule broken, with the space and what happened.

    Example:
        >>> from nasbench_kit.strategies.random_search import RandomSearch
        >>> "deterministic on nb201" in check_strategy(RandomSearch, n_trials=6)
        True
    """
    from .spaces import MacroSpace, NB101Space, NB201Space

    spaces = [NB201Space(), NB101Space(), MacroSpace()] if spaces is None else list(spaces)
    passed = []
    for space in spaces:
        name = getattr(space, "name", type(space).__name__)
        strategy = factory(space, seed=seed)
        if not isinstance(strategy, Strategy):
            raise ContractError(f"factory returned {type(strategy).__name__}, not a Strategy subclass")
        state = np.random.get_state()[1].copy()
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            first = _drive(strategy, space, n_trials)
            _drive(factory(space, seed=seed), space, n_trials, outstanding=3)
        passed.append(f"asks members on {name}")
        passed.append(f"out-of-order tells on {name}")
        if printed.getvalue():
            raise ContractError(f"{type(strategy).__name__} printed during ask/tell: {printed.getvalue()[:200]!r}")
        if not np.array_equal(state, np.random.get_state()[1]):
            raise ContractError(f"{type(strategy).__name__} used numpy's global random state; use self.rng")
        passed.append(f"silent and self-seeded on {name}")
        again = _drive(factory(space, seed=seed), space, n_trials)
        if again != first:
            diverged = next(i for i, (a, b) in enumerate(zip(first, again)) if a != b)
            raise ContractError(f"{type(strategy).__name__} is not deterministic on {name}: same seed, asks "
                                  f"differ from trial {diverged}")
        passed.append(f"deterministic on {name}")
        constrained = SearchProblem(objectives=(Objective("valid_acc"),),
                                    constraints=(Constraint("params", at_most=1e12),),
                                    feasible_many=_parity_feasible(space), search_epoch=_FIDELITIES[-1],
                                    fidelities=_FIDELITIES)
        asks = _drive(factory(space, seed=seed + 1), space, n_trials, problem=constrained)
        share = float(np.mean([constrained.feasible(space.parse(a)) for a, _ in asks]))
        if share < 0.8:
            raise ContractError(f"{type(strategy).__name__} ignores constraints on {name}: only {share:.0%} of "
                                  f"asks were feasible (use self.sample_feasible / self.mutate_feasible)")
        passed.append(f"constraint-aware on {name}")
        for method in sorted(strategy.steering):
            _steer(factory(space, seed=seed), space, method, seed)
            passed.append(f"steerable ({method}) on {name}")
    return passed
