"""Search strategies: one module per strategy, all ask/tell (see :mod:`.base`).

>>> from nasbench_kit.spaces import NB201Space
>>> strategy = make_strategy("random", NB201Space(), seed=0)
>>> type(strategy).__name__
'RandomSearch'
"""

from __future__ import annotations

from typing import Any

from ..errors import UnknownNameError
from .base import AskCancelled, Proposal, SearchProblem, Strategy, Trial

__all__ = ["Strategy", "Proposal", "Trial", "SearchProblem", "AskCancelled", "make_strategy", "strategy_names", "STRATEGIES"]


def _registry() -> dict[str, type[Strategy]]:
    from . import registry_list

    return {cls.name: cls for cls in registry_list.all_strategies()}


#: name -> Strategy class of every built-in strategy (filled lazily on first use).
STRATEGIES: dict[str, type[Strategy]] = {}


def strategy_names() -> tuple[str, ...]:
    """Registry names of the built-in strategies."""
    if not STRATEGIES:
        STRATEGIES.update(_registry())
    return tuple(STRATEGIES)


def make_strategy(name: str, space: Any, *, seed: int | None = None, **hyperparameters: Any) -> Strategy:
    """Create a built-in strategy by its registry name.

    Args:
        name: one of :func:`strategy_names` (e.g. ``"random"``, ``"rea"``).
        space: the search space.
        seed: the strategy's seed.
        **hyperparameters: keyword-only hyperparameters of that strategy.

    Raises:
        UnknownNameError: an unknown strategy name (the message lists the known ones).
        ArgumentError: a hyperparameter out of range, or one the strategy does not take.
    """
    names = strategy_names()
    if name not in STRATEGIES:
        raise UnknownNameError(f"strategy {name!r} is unknown; use one of {list(names)}")
    from ..errors import ArgumentError

    cls = STRATEGIES[name]
    try:
        return cls(space, seed=seed, **hyperparameters)
    except TypeError as error:  # an unexpected keyword: say which ones exist
        import inspect

        allowed = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "space", "seed")]
        raise ArgumentError(f"strategy {name!r} got a bad hyperparameter ({error}); it takes {allowed}") from None
