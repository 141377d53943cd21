"""Helpers for the model-based strategy tests (BANANAS, GP-BO): toy objectives and a
search loop against the SYNTHETIC NB201 table of tests/conftest.py (made-up numbers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from nasbench_kit.spaces import NB201Space
from nasbench_kit.strategies.random_search import RandomSearch
from nasbench_kit.testing_strategy import toy_objective
from tests.strategies.helpers import drive

NB201 = NB201Space()


def conv3x3_in_function(arch: Any) -> float:
    """conv3x3 ops in the cell's computed function (0..6; one optimum class, all conv3x3)."""
    return float(NB201.canonical(arch).count("nor_conv_3x3"))


def toy(space: Any) -> Callable[[Any], float]:
    """The contract's toy objective on ``space``: a fixed linear function of the one-hot code."""
    return lambda arch: toy_objective(space, arch, epoch=12)


def few_conv3x3(arch: Any) -> bool:
    """A constraint that excludes the unconstrained optimum: at most 2 conv3x3 edges."""
    return arch.ops.count("nor_conv_3x3") <= 2


def mean_best(factory: Callable[[int], Any], value: Callable[[Any], float], n_queries: int, seeds: range) -> float:
    """Mean over ``seeds`` of the best ``value`` found in ``n_queries`` sequential asks."""
    return float(np.mean([max(t.value for t in drive(factory(seed), value, n_queries)) for seed in seeds]))


def random_mean_best(value: Callable[[Any], float], n_queries: int, seeds: range) -> float:
    return mean_best(lambda seed: RandomSearch(NB201, seed=seed), value, n_queries, seeds)


def held_out_spearman(strategy: Any, value: Callable[[Any], float], n_cells: int = 300) -> float:
    """Spearman correlation of ``strategy.predict`` with ``value`` on random cells it never saw."""
    rng = np.random.default_rng(123)
    cells = [NB201.cell_at(int(i)) for i in rng.choice(len(NB201), n_cells, replace=False)]
    mean, _ = strategy.predict(cells)
    return float(spearmanr(mean, [value(c) for c in cells])[0])
