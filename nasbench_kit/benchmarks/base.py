"""The :class:`Benchmark` protocol: what a run, a strategy comparison or a widget may ask of
a benchmark. :class:`~nasbench_kit.benchmarks.table.TabularBenchmark` implements it; a
user-written benchmark (e.g. a surrogate model) can too.

Queries are free; the budget is charged only through
:class:`~nasbench_kit.budget.SimulatedClock`. Every query names what it reads:
``dataset``, ``schedule`` (training length in epochs), ``epoch`` and ``seed``
(``None``: mean over seeds). Search code reads validation metrics through
:meth:`Benchmark.search_view`; test metrics are for reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from .record import Curve, EpochMetrics, Record

if TYPE_CHECKING:
    import pandas as pd

    from ..objectives import Constraint, Objective
    from .search_view import SearchView

__all__ = ["Benchmark", "Record", "Curve", "EpochMetrics"]


@runtime_checkable
class Benchmark(Protocol):
    """A benchmark answering free queries about architectures of one search space.

    Attributes:
        name: short name of the benchmark.
        datasets: datasets it holds.
        metrics: metric names ``query_many`` / ``metric_array`` accept.
    """

    name: str
    datasets: tuple[str, ...]
    metrics: tuple[str, ...]

    @property
    def max_epoch(self) -> int:
        """Longest training schedule, in epochs."""

    @property
    def frame(self) -> pd.DataFrame:
        """One row per run (arch x dataset x schedule x seed), a column per metric."""

    def schedules(self, dataset: str | None = None) -> tuple[int, ...]:
        """Training schedules (epochs) run on ``dataset``, shortest first."""

    def epochs(self, dataset: str | None = None, *, schedule: int | None = None) -> tuple[int, ...]:
        """Epochs recorded for ``dataset`` under ``schedule``."""

    def seeds(self, dataset: str | None = None, *, schedule: int | None = None) -> tuple[int, ...]:
        """Seeds run for ``dataset`` under ``schedule``."""

    def query(
        self,
        arch: Any,
        *,
        dataset: str | None = None,
        epoch: int | None = None,
        seed: int | None = None,
        schedule: int | None = None,
    ) -> Record:
        """Everything known about one architecture (``seed=None``: mean over seeds)."""

    def query_many(
        self,
        archs: Iterable[Any] | np.ndarray,
        *,
        metric: str = "valid_acc",
        dataset: str | None = None,
        epoch: int | None = None,
        seed: int | None = None,
        schedule: int | None = None,
    ) -> np.ndarray:
        """One metric of many architectures (an int array of indices is fully vectorized)."""

    def metric_array(
        self,
        metric: str,
        *,
        dataset: str | None = None,
        epoch: int | None = None,
        seed: int | None = None,
        schedule: int | None = None,
        over: str = "space",
    ) -> np.ndarray:
        """One metric of every architecture of the space (or table), NaN where unknown."""

    def true_front(
        self,
        objectives: Sequence[Objective],
        *,
        dataset: str | None = None,
        epoch: int | None = None,
        seed: int | None = None,
        schedule: int | None = None,
        constraints: Sequence[Constraint] = (),
    ) -> pd.DataFrame:
        """The exact Pareto front over every architecture."""

    def search_view(
        self, dataset: str | None = None, *, epoch: int | None = None, schedule: int | None = None
    ) -> SearchView:
        """What a search strategy may see: validation metrics and free costs, no test split."""
