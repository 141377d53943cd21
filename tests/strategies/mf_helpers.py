"""Helpers of the multi-fidelity / multi-objective strategy tests: hand-made trials and
toy objectives computed from encodings (no benchmark needed)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nasbench_kit.objectives import Objective
from nasbench_kit.spaces import MacroSpace, NB101Space, NB201Space
from nasbench_kit.strategies.base import Proposal, SearchProblem, Strategy, Trial

SPACES: dict[str, Callable[[], Any]] = {"nb201": NB201Space, "nb101": NB101Space, "macro": MacroSpace}
FIDELITIES_27 = tuple(range(1, 28))
TWO_OBJECTIVES = (Objective("valid_acc"), Objective("params", maximize=False))


def trial_of(space: Any, arch: Any, objectives: Sequence[float], *, number: int = 0, epoch: int = 12,
             feasible: bool = True) -> Trial:
    """A finished trial of ``arch`` with the given objective values (NaN when infeasible)."""
    values = tuple(float(v) if feasible else math.nan for v in objectives)
    return Trial(number=number, arch=arch, canonical=space.canonical(arch), epoch=epoch, feasible=feasible,
                 objectives=values, costs={}, valid_curve=np.array([values[0]]), curve_epochs=np.array([epoch]))


def encoding_score(space: Any, arch: Any, seed: int = 7) -> float:
    """A fixed pseudo accuracy: one-hot encoding times fixed random weights."""
    weights = np.random.default_rng(seed).random(space.encoding_length("onehot"))
    return float(space.encode(arch, "onehot") @ weights)


def split(proposal: Any) -> tuple[Any, int | None]:
    """(arch, epoch) of what ``ask`` returned."""
    return (proposal.arch, proposal.epoch) if isinstance(proposal, Proposal) else (proposal, None)


def drive(strategy: Strategy, n: int, value: Callable[[Any, int | None], Sequence[float]]) -> list[tuple[Any, Any]]:
    """``n`` sequential ask/tell rounds; returns [(arch, epoch)] in ask order."""
    asked = []
    for number in range(n):
        arch, epoch = split(strategy.ask())
        asked.append((arch, epoch))
        strategy.tell(trial_of(strategy.space, arch, value(arch, epoch), number=number,
                               epoch=12 if epoch is None else epoch))
    return asked


def problem(fidelities: Sequence[int] = FIDELITIES_27, **kwargs: Any) -> SearchProblem:
    """A SearchProblem with the given fidelities (search epoch: the last one)."""
    fids = tuple(fidelities)
    return SearchProblem(fidelities=fids, search_epoch=fids[-1] if fids else None, **kwargs)
