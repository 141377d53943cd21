"""Successive halving (Jamieson & Talwalkar, AISTATS 2016), repeated with fresh brackets."""

from __future__ import annotations

from typing import Any

from ._brackets import BracketStrategy

__all__ = ["SuccessiveHalving"]


class SuccessiveHalving(BracketStrategy):
    """Successive halving: train many architectures briefly, continue the best ``1 / eta``.

    Each bracket samples ``n_configs`` random architectures at the lowest rung epoch,
    keeps the top ``floor(n_configs * eta**-i)`` on rung ``i`` (by the search metric; an
    infeasible architecture is never promoted) and asks them again at the next rung's
    epoch, so the run continues their training and charges only the extra epochs. When
    a bracket finishes a new one starts with fresh random architectures. Rung epochs,
    asynchronous behaviour and the no-fidelity fallback (plain random search at the
    search epoch) are described in :mod:`nasbench_kit.strategies._brackets`.

    Defaults: ``eta = 3`` (Li et al., JMLR 2018; Jamieson & Talwalkar halve, ``eta = 2``)
    and ``n_configs = eta**s_max``, so the last rung holds exactly one architecture
    (Hyperband's most exploratory bracket). With fidelities ``1..27``: 27 architectures
    at epoch 1, 9 at 3, 3 at 9, 1 at 27.

    Args:
        space: the search space.
        seed: the strategy's seed.
        eta: halving rate (int >= 2); the top ``1 / eta`` of each rung is promoted.
        min_epoch: smallest budget (default: the smallest recorded epoch).
        max_epoch: largest budget, a recorded epoch (default: the largest).
        n_configs: new architectures per bracket (default: ``eta**s_max``).

    Raises:
        ArgumentError: a hyperparameter out of range (epochs not recorded: at ``setup``).

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> from nasbench_kit.strategies import SearchProblem
        >>> sh = SuccessiveHalving(NB201Space(), seed=0)
        >>> sh.setup(SearchProblem(fidelities=tuple(range(1, 28))))
        >>> sh.rung_epochs, sh.ask().epoch
        ((1, 3, 9, 27), 1)
    """

    name = "successive-halving"

    def __init__(self, space: Any, *, seed: int | None = None, eta: int = 3, min_epoch: int | None = None,
                 max_epoch: int | None = None, n_configs: int | None = None) -> None:
        super().__init__(space, seed=seed, eta=eta, min_epoch=min_epoch, max_epoch=max_epoch)
        self.n_configs = None if n_configs is None else self._check_int("n_configs", n_configs, low=1)

    def hyperparameters(self) -> dict[str, Any]:
        return {**super().hyperparameters(), "n_configs": self.n_configs}

    def _next_bracket(self) -> tuple[int, ...]:
        s_max = len(self.rung_epochs) - 1
        n = self.eta**s_max if self.n_configs is None else self.n_configs
        return tuple(max(1, n // self.eta**i) for i in range(s_max + 1))
