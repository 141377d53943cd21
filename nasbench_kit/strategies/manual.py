""""You are the strategy": a strategy whose every trial is picked by a person.

A :class:`~nasbench_kit.run.Run` with a :class:`ManualStrategy` evaluates only what is
suggested with ``Run.suggest``, under the same simulated budget, constraints and rules as
any built-in strategy; ``nasbench_kit.compare.rank_against`` then ranks the finished run
against the built-in strategies. It is not in the registry (``make_strategy``): it cannot
run unattended, so ``compare`` and the strategy contract do not apply to it.
"""

from __future__ import annotations

from typing import Any

from ..errors import RunStateError
from .base import Strategy, Trial

__all__ = ["ManualStrategy"]


class ManualStrategy(Strategy):
    """Proposes nothing itself: a run with it evaluates only the architectures a person
    suggests (``Run.suggest``), in order.

    ``Run.step`` with nothing suggested raises :class:`~nasbench_kit.errors.RunStateError`;
    ``Run.run`` (in a background thread) waits for the next suggestion instead, without
    busy-looping, until the budget is spent or ``Run.stop`` is called.

    Args:
        space: the search space.
        seed: kept only so checkpoints can be saved (nothing here is random); default 0.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> manual = ManualStrategy(NB201Space())
        >>> manual.manual, manual.seed
        (True, 0)
        >>> manual.ask()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        nasbench_kit.errors.RunStateError: ManualStrategy proposes nothing: suggest ... with run.suggest(arch)
    """

    name = "manual"
    manual = True

    def __init__(self, space: Any, *, seed: int | None = 0) -> None:
        super().__init__(space, seed=seed)
        #: The trials told so far (the person's own results), in the order they finished.
        self.told: list[Trial] = []

    def ask(self) -> Any:
        raise RunStateError("ManualStrategy proposes nothing: suggest the next architecture with run.suggest(arch)")

    def tell(self, trial: Trial) -> None:
        """Remember the result (a person reads it from the run's history)."""
        self.told.append(trial)
