"""Random search: the baseline every NAS method must beat (Li & Talwalkar, UAI 2019;
NAS-Bench-201, Dong & Yang, ICLR 2020, Sec. 5)."""

from __future__ import annotations

from typing import Any

from .base import Strategy, Trial

__all__ = ["RandomSearch"]


class RandomSearch(Strategy):
    """Sample architectures uniformly at random (among those meeting the constraints).

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> s = RandomSearch(NB201Space(), seed=1)
        >>> s.ask() == RandomSearch(NB201Space(), seed=1).ask()
        True
    """

    name = "random"

    def ask(self) -> Any:
        return self.sample_feasible()

    def tell(self, trial: Trial) -> None:
        """Random search learns nothing."""
