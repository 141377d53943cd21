"""The search metric of a trial as a number to *maximize* (single-objective strategies).

>>> from nasbench_kit.strategies.base import SearchProblem
>>> from nasbench_kit.objectives import Objective
>>> fitness_sign(SearchProblem()), fitness_sign(SearchProblem(objectives=(Objective("params", maximize=False),)))
(1.0, -1.0)
"""

from __future__ import annotations

import math

from .base import SearchProblem, Trial

__all__ = ["fitness", "fitness_sign"]


def fitness_sign(problem: SearchProblem) -> float:
    """``+1`` if the first objective is maximized, ``-1`` if minimized."""
    return -problem.objectives[0].sign


def fitness(trial: Trial, sign: float) -> float:
    """``sign * trial.value``; ``-inf`` for an infeasible trial or a NaN value."""
    value = trial.objectives[0] if trial.feasible else math.nan
    return -math.inf if value != value else sign * float(value)
