"""Hyperband (Li et al., JMLR 2018): successive halving over a cycle of brackets."""

from __future__ import annotations

from ._brackets import BracketStrategy, hyperband_sizes

__all__ = ["Hyperband"]


class Hyperband(BracketStrategy):
    """Hyperband: successive-halving brackets from most exploratory to plain random search.

    Bracket ``s`` (``s = s_max, ..., 0``, then again from ``s_max``) starts
    ``n = ceil((s_max + 1) / (s + 1) * eta**s)`` random architectures at the rung epoch
    ``max_epoch * eta**-s`` and keeps the top ``floor(n * eta**-i)`` on its ``i``-th rung
    (Li et al., JMLR 2018, Algorithm 1; ``eta = 3`` as in the paper). With fidelities
    ``1..27``: ``s = 3``: 27 @ 1, 9 @ 3, 3 @ 9, 1 @ 27; ``s = 2``: 12 @ 3, 4 @ 9, 1 @ 27;
    ``s = 1``: 6 @ 9, 2 @ 27; ``s = 0``: 4 @ 27. Rung epochs, asynchronous behaviour and
    the no-fidelity fallback (random search at the search epoch) are described in
    :mod:`nasbench_kit.strategies._brackets`.

    Args:
        space: the search space.
        seed: the strategy's seed.
        eta: halving rate (int >= 2).
        min_epoch: smallest budget (default: the smallest recorded epoch).
        max_epoch: largest budget ``R``, a recorded epoch (default: the largest).

    Raises:
        ArgumentError: a hyperparameter out of range (epochs not recorded: at ``setup``).

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> from nasbench_kit.strategies import SearchProblem
        >>> hb = Hyperband(NB201Space(), seed=0)
        >>> hb.setup(SearchProblem(fidelities=tuple(range(1, 28))))
        >>> [hb.bracket_sizes(s) for s in (3, 2, 1, 0)]
        [(27, 9, 3, 1), (12, 4, 1), (6, 2), (4,)]
    """

    name = "hyperband"

    @property
    def s_max(self) -> int:
        """Index of the most exploratory bracket (``len(rung_epochs) - 1``)."""
        return len(self.rung_epochs) - 1

    def bracket_sizes(self, s: int) -> tuple[int, ...]:
        """Rung sizes of bracket ``s`` (``0 <= s <= s_max``)."""
        return hyperband_sizes(s, self.s_max, self.eta)

    def _next_bracket(self) -> tuple[int, ...]:
        return self.bracket_sizes(self.s_max - self.n_brackets % (self.s_max + 1))
