"""The list of built-in strategy classes (imported lazily by :func:`make_strategy`)."""

from __future__ import annotations


def all_strategies() -> list[type]:
    """Every built-in Strategy class, in the order the CLI and widgets list them."""
    from .bananas import Bananas
    from .bohb import BOHB
    from .evolution import RegularizedEvolution
    from .gp_bo import GaussianProcessBO
    from .hyperband import Hyperband
    from .local_search import LocalSearch
    from .nsga2 import NSGA2
    from .parego import RandomScalarization
    from .random_search import RandomSearch
    from .reinforce import Reinforce
    from .successive_halving import SuccessiveHalving

    return [RandomSearch, RegularizedEvolution, Reinforce, LocalSearch, Bananas, GaussianProcessBO,
            SuccessiveHalving, Hyperband, BOHB, NSGA2, RandomScalarization]
