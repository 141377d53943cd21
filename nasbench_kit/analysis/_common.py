"""Private helpers shared by the modules of :mod:`nasbench_kit.analysis`: column checks,
the enumerable space of a benchmark, metric names, architecture parsing and the cached
official strings of every cell."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ArgumentError, UnknownNameError


def _need(frame: pd.DataFrame, *columns: str) -> None:
    """Raise ``ArgumentError`` naming the ``columns`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ArgumentError(f"the frame has no column(s) {missing}; it has {list(frame.columns)}")


def _enumerable_space(benchmark: Any) -> Any:
    """The space of a tabular benchmark whose cells can be enumerated (NB201), or ``ArgumentError``."""
    space = getattr(benchmark, "space", None)
    if space is None or not getattr(space, "is_finite", False) or not hasattr(benchmark, "metric_array"):
        raise ArgumentError(
            f"benchmark {getattr(benchmark, 'name', '?')!r} has no enumerable space (a tabular benchmark of a "
            f"finite space such as NB201 is needed)"
        )
    return space


def _check_metric(benchmark: Any, metric: str) -> None:
    """Raise ``UnknownNameError`` when ``benchmark`` has no metric ``metric``."""
    if metric not in benchmark.metrics:
        raise UnknownNameError(f"metric {metric!r} is not available; metrics: {list(benchmark.metrics)}")


def _arch_of(space: Any, arch: Any) -> Any:
    """``arch`` as a member of ``space`` (official strings and enumeration indices accepted)."""
    if space is None:
        raise ArgumentError("the benchmark has no search space, so architectures cannot be parsed")
    if isinstance(arch, str):
        return space.parse(arch)
    if isinstance(arch, (int, np.integer)) and not isinstance(arch, bool) and hasattr(space, "cell_at"):
        return space.cell_at(int(arch))
    return space.validate(arch)


_ARCH_STRINGS: dict[Any, list[str]] = {}


def _arch_strings(space: Any) -> list[str]:
    """Official strings of every cell (cached per space: ~50 ms for NB201's 15,625 cells)."""
    key = (type(space).__name__, getattr(space, "name", None), len(space))
    if key not in _ARCH_STRINGS:
        _ARCH_STRINGS[key] = [str(cell) for cell in space]
    return _ARCH_STRINGS[key]
