"""``SearchView``: the part of a benchmark a search strategy is allowed to see.

A search reads validation accuracy at its search epoch (and training metrics, training
cost and free metrics such as latency); test accuracy exists only for reporting. The view
exposes no test metric at all, so a strategy handed a view cannot select on test accuracy
by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..errors import QueryError
from .record import CURVE_METRICS, Record

__all__ = ["SearchView", "SearchCurve", "ViewedBenchmark", "SEARCH_CURVE_METRICS", "REPORT_METRICS"]

#: Per-epoch metrics a search may read.
SEARCH_CURVE_METRICS: tuple[str, ...] = ("train_acc", "valid_acc", "train_loss", "valid_loss", "train_seconds")
#: Metrics kept for reports only; a :class:`SearchView` refuses them.
REPORT_METRICS: tuple[str, ...] = ("test_acc", "test_loss")


class ViewedBenchmark(Protocol):
    """What a :class:`SearchView` reads of its benchmark (a
    :class:`~nasbench_kit.benchmarks.table.TabularBenchmark` or any
    :class:`~nasbench_kit.benchmarks.base.Benchmark`); the view needs nothing else, so
    this module does not import the table."""

    name: str
    metrics: tuple[str, ...]

    def query(self, arch: Any, **where: Any) -> Record: ...

    def query_many(self, archs: Any, **where: Any) -> np.ndarray: ...


@dataclass(frozen=True, eq=False)
class SearchCurve:
    """A learning curve without the test split (read-only arrays aligned with ``epochs``)."""

    epochs: np.ndarray
    train_acc: np.ndarray  # percent
    valid_acc: np.ndarray  # percent
    train_loss: np.ndarray  # nats
    valid_loss: np.ndarray  # nats
    train_seconds: np.ndarray  # cumulative seconds


class SearchView:
    """Validation metrics at a search epoch, training cost and free metrics of one
    (dataset, schedule); no test metrics. Create with ``benchmark.search_view(...)``.

    Attributes:
        dataset, schedule_epochs: what the view reads.
        epoch: the search epoch used when a call passes no ``epoch``.
        metrics: every metric name :meth:`metric` / :meth:`metric_many` accept.

    Example:
        >>> view = bench.search_view("cifar10-valid", epoch=12)   # doctest: +SKIP
        >>> view.valid_acc(cell), view.train_seconds(cell)         # doctest: +SKIP
    """

    def __init__(self, benchmark: ViewedBenchmark, *, dataset: str, schedule_epochs: int, epoch: int) -> None:
        self._benchmark = benchmark
        self.dataset = dataset
        self.schedule_epochs = schedule_epochs
        self.epoch = epoch
        static = tuple(m for m in benchmark.metrics if m not in CURVE_METRICS)
        self.metrics: tuple[str, ...] = SEARCH_CURVE_METRICS + static

    def __repr__(self) -> str:
        return (
            f"SearchView(benchmark={self._benchmark.name!r}, dataset={self.dataset!r}, "
            f"schedule_epochs={self.schedule_epochs}, epoch={self.epoch})"
        )

    def _where(self, epoch: int | None, seed: int | None) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "schedule": self.schedule_epochs,
            "epoch": self.epoch if epoch is None else epoch,
            "seed": seed,
        }

    def _check(self, metric: str) -> str:
        if metric in REPORT_METRICS:
            raise QueryError(
                f"{metric!r} is a report metric and is not visible to a search; a search reads one of {list(self.metrics)}"
            )
        if metric not in self.metrics:
            raise QueryError(f"metric {metric!r} is unknown; a search reads one of {list(self.metrics)}")
        return metric

    def metric(self, metric: str, arch: Any, *, epoch: int | None = None, seed: int | None = None) -> float:
        """One search-visible metric of one architecture (curve metrics at ``epoch``)."""
        return float(self.metric_many(metric, [arch], epoch=epoch, seed=seed)[0])

    def metric_many(
        self, metric: str, archs: Iterable[Any] | np.ndarray, *, epoch: int | None = None, seed: int | None = None
    ) -> np.ndarray:
        """Vectorized :meth:`metric`: float64 array aligned with ``archs`` (indices or archs)."""
        return self._benchmark.query_many(archs, metric=self._check(metric), **self._where(epoch, seed))

    def valid_acc(self, arch: Any, *, epoch: int | None = None, seed: int | None = None) -> float:
        """Validation accuracy (percent) at the search epoch (or ``epoch``)."""
        return self.metric("valid_acc", arch, epoch=epoch, seed=seed)

    def valid_acc_many(
        self, archs: Iterable[Any] | np.ndarray, *, epoch: int | None = None, seed: int | None = None
    ) -> np.ndarray:
        """Validation accuracy (percent) of many architectures at the search epoch."""
        return self.metric_many("valid_acc", archs, epoch=epoch, seed=seed)

    def train_seconds(self, arch: Any, *, epoch: int | None = None, seed: int | None = None) -> float:
        """Cumulative training seconds up to the search epoch (what the clock charges)."""
        return self.metric("train_seconds", arch, epoch=epoch, seed=seed)

    def curve(self, arch: Any, *, epoch: int | None = None, seed: int | None = None) -> SearchCurve:
        """The learning curve up to the search epoch (or ``epoch``), test split removed."""
        record = self._benchmark.query(arch, **self._where(epoch, seed))
        c = record.curve
        return SearchCurve(c.epochs, c.train_acc, c.valid_acc, c.train_loss, c.valid_loss, c.train_seconds)
