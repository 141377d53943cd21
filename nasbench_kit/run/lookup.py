"""Fast per-architecture lookups for a :class:`~nasbench_kit.run.Run`.

A run reads a handful of numbers per trial (objective values at an epoch, the report
metric, cumulative training seconds, free cost metrics, the validation curve). Through
``benchmark.query`` that is tens of microseconds per number; a strategy comparison makes
hundreds of thousands of trials, so for a tabular benchmark this module reads whole
metric columns once (``metric_array(..., over="table")``) and then indexes them by the
architecture's table row. Any other :class:`~nasbench_kit.benchmarks.Benchmark` (e.g. the
on-demand ``TrainingBenchmark``) is answered through ``query`` one record at a time.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..benchmarks.record import CURVE_METRICS
from ..errors import QueryError

__all__ = ["Lookup", "TrialNumbers"]

_SHARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class TrialNumbers:
    """The numbers a run needs about one architecture at one epoch."""

    objectives: tuple[float, ...]
    report: float
    cumulative_seconds: float
    costs: dict[str, float]
    valid_curve: np.ndarray
    curve_epochs: np.ndarray


class Lookup:
    """Answers a run's per-trial questions from a benchmark, as fast as the benchmark allows.

    Args:
        benchmark: the benchmark.
        dataset, schedule: what the search reads (resolved by the benchmark's search view).
        objective_metrics: names of the objectives' metrics.
        cost_metrics: free metrics given to strategies and used by constraints.
        report_metric, report_dataset, report_schedule, report_epoch: what reports read.
    """

    def __init__(
        self,
        benchmark: Any,
        *,
        dataset: str,
        schedule: int,
        epochs: tuple[int, ...],
        objective_metrics: tuple[str, ...],
        cost_metrics: tuple[str, ...],
        report_metric: str,
        report_dataset: str,
        report_schedule: int,
        report_epoch: int,
    ) -> None:
        self.benchmark = benchmark
        self.dataset, self.schedule, self.epochs = dataset, schedule, np.asarray(epochs, dtype=np.int64)
        self.objective_metrics = objective_metrics
        self.cost_metrics = cost_metrics
        self.report = (report_metric, report_dataset, report_schedule, report_epoch)
        self._fast = hasattr(benchmark, "arch_rows") and hasattr(benchmark, "metric_array")
        # Shared by every run on the same benchmark (a comparison makes thousands of runs).
        shared = _SHARED.setdefault(benchmark, {}) if self._fast else {}
        self._rows: dict[Any, int] = shared.setdefault("rows", {})
        key = (dataset, schedule, objective_metrics, cost_metrics, report_metric, report_dataset, report_schedule,
               report_epoch)
        self._columns: dict[tuple[str, int | None], np.ndarray] = shared.setdefault(("columns",) + key, {})
        self._numbers: dict[tuple[Any, int], TrialNumbers] = shared.setdefault(("numbers",) + key, {})

    # --- tabular fast path --------------------------------------------------------------------
    def _row(self, arch: Any) -> int:
        row = self._rows.get(arch)
        if row is None:
            row = int(self.benchmark.arch_rows([arch])[0])
            self._rows[arch] = row
        return row

    def _column(self, metric: str, epoch: int | None, *, report: bool = False) -> np.ndarray:
        key = (("report:" if report else "") + metric, epoch)
        column = self._columns.get(key)
        if column is None:
            if report:
                _, dataset, schedule, epoch_ = self.report
                column = self.benchmark.metric_array(metric, dataset=dataset, schedule=schedule, epoch=epoch_,
                                                     over="table")
            else:
                kwargs = {"epoch": epoch} if metric in CURVE_METRICS else {}
                column = self.benchmark.metric_array(metric, dataset=self.dataset, schedule=self.schedule,
                                                     over="table", **kwargs)
            self._columns[key] = column
        return column

    def _curve_matrix(self) -> np.ndarray:
        matrix = self._columns.get(("valid_curve", None))
        if matrix is None:
            matrix = np.stack([self._column("valid_acc", int(e)) for e in self.epochs], axis=1)
            self._columns[("valid_curve", None)] = matrix
        return matrix

    # --- public ---------------------------------------------------------------------------
    def costs(self, arch: Any) -> dict[str, float]:
        """Free cost metrics of ``arch`` (no budget)."""
        if self._fast:
            row = self._row(arch)
            return {m: float(self._column(m, None)[row]) for m in self.cost_metrics}
        record = self.benchmark.query(arch, dataset=self.dataset, schedule=self.schedule)
        return {m: _record_value(record, m) for m in self.cost_metrics}

    def numbers(self, arch: Any, epoch: int) -> TrialNumbers:
        """Everything a trial of ``arch`` trained to ``epoch`` records (cached: tables are immutable)."""
        found = self._numbers.get((arch, epoch))
        if found is None:
            found = self._read_numbers(arch, epoch)
            if self._fast:
                self._numbers[(arch, epoch)] = found
        return found

    def _read_numbers(self, arch: Any, epoch: int) -> TrialNumbers:
        pos = int(np.searchsorted(self.epochs, epoch))
        if pos >= len(self.epochs) or self.epochs[pos] != epoch:
            raise QueryError(f"epoch {epoch} is not recorded; epochs: {self.epochs.tolist()}")
        metric, _, _, _ = self.report
        if self._fast:
            row = self._row(arch)
            objectives = tuple(float(self._column(m, epoch if m in CURVE_METRICS else None)[row])
                               for m in self.objective_metrics)
            report = float(self._column(metric, None, report=True)[row])
            seconds = float(self._column("train_seconds", epoch)[row])
            curve = self._curve_matrix()[row, : pos + 1].copy()
            curve.flags.writeable = False
            costs = {m: float(self._column(m, None)[row]) for m in self.cost_metrics}
            return TrialNumbers(objectives, report, seconds, costs, curve, self.epochs[: pos + 1])
        record = self.benchmark.query(arch, dataset=self.dataset, schedule=self.schedule, epoch=epoch)
        _, r_dataset, r_schedule, r_epoch = self.report
        report_record = self.benchmark.query(arch, dataset=r_dataset, schedule=r_schedule, epoch=r_epoch)
        return TrialNumbers(
            objectives=tuple(_record_value(record, m) for m in self.objective_metrics),
            report=_record_value(report_record, metric),
            cumulative_seconds=float(record.curve.train_seconds[-1]),
            costs={m: _record_value(record, m) for m in self.cost_metrics},
            valid_curve=np.asarray(record.curve.valid_acc, dtype=np.float64),
            curve_epochs=np.asarray(record.curve.epochs, dtype=np.int64),
        )


def _record_value(record: Any, metric: str) -> float:
    """One metric of a Record: curve metrics at its last epoch, else static ones."""
    if metric in CURVE_METRICS:
        return float(getattr(record.curve, metric)[-1])
    if metric in ("params", "flops"):
        value = getattr(record, metric)
        return float("nan") if value is None else float(value)
    for prefix, table in (("latency_ms_", record.latency_ms), ("energy_mj_", record.energy_mj)):
        if metric.startswith(prefix):
            return float(table.get(metric[len(prefix):], float("nan")))
    raise QueryError(f"metric {metric!r} is not in this benchmark's records")
