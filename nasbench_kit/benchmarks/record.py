"""Typed results of a benchmark query: :class:`Record`, :class:`Curve`, :class:`EpochMetrics`.

Accuracies are in percent (0-100), losses are mean cross-entropy (nats), ``train_seconds``
is the cumulative training wall time in seconds at the end of an epoch. NaN marks a value
the benchmark does not have (e.g. NAS-Bench-101 records no losses).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import QueryError

__all__ = ["EpochMetrics", "Curve", "Record", "CURVE_METRICS"]

#: Per-epoch metrics of a :class:`Curve`, in field order.
CURVE_METRICS: tuple[str, ...] = (
    "train_acc",
    "valid_acc",
    "test_acc",
    "train_loss",
    "valid_loss",
    "test_loss",
    "train_seconds",
)


@dataclass(frozen=True)
class EpochMetrics:
    """Every per-epoch metric of one run (or seed mean) at one epoch.

    Example:
        >>> m = EpochMetrics(12, 80.0, 75.5, 75.0, 0.5, 0.7, 0.72, 130.0)
        >>> m.valid_acc, m.train_seconds
        (75.5, 130.0)
    """

    epoch: int
    train_acc: float  # percent
    valid_acc: float  # percent
    test_acc: float  # percent
    train_loss: float  # nats
    valid_loss: float  # nats
    test_loss: float  # nats
    train_seconds: float  # cumulative seconds of training up to the end of `epoch`


@dataclass(frozen=True, eq=False)
class Curve:
    """Learning curve: aligned read-only numpy arrays, one entry per recorded epoch.

    ``epochs`` are 1-based and increasing; they are the epochs the benchmark recorded
    (every epoch for NAS-Bench-201, halfway and final for NAS-Bench-101).

    Example:
        >>> import numpy as np
        >>> c = Curve(np.array([1, 2]), *(np.array([1.0, 2.0]) for _ in range(7)))
        >>> c.final.epoch, c.at(1).valid_acc, len(c)
        (2, 1.0, 2)
    """

    epochs: np.ndarray  # int, 1-based
    train_acc: np.ndarray
    valid_acc: np.ndarray
    test_acc: np.ndarray
    train_loss: np.ndarray
    valid_loss: np.ndarray
    test_loss: np.ndarray
    train_seconds: np.ndarray

    def __len__(self) -> int:
        return len(self.epochs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Curve):
            return NotImplemented
        return all(
            np.array_equal(getattr(self, name), getattr(other, name), equal_nan=name != "epochs")
            for name in ("epochs",) + CURVE_METRICS
        )

    __hash__ = None  # type: ignore[assignment]  # holds arrays: not hashable

    def at(self, epoch: int) -> EpochMetrics:
        """The metrics at ``epoch`` (one of :attr:`epochs`).

        Raises:
            QueryError: if ``epoch`` was not recorded, listing the recorded epochs.
        """
        pos = int(np.searchsorted(self.epochs, epoch))
        if pos >= len(self.epochs) or self.epochs[pos] != epoch or isinstance(epoch, bool):
            raise QueryError(f"epoch {epoch!r} is not on this curve; recorded epochs: {_describe_epochs(self.epochs)}")
        return self._at_position(pos)

    @property
    def final(self) -> EpochMetrics:
        """The metrics at the last epoch of the curve."""
        return self._at_position(len(self.epochs) - 1)

    def _at_position(self, pos: int) -> EpochMetrics:
        return EpochMetrics(
            int(self.epochs[pos]),
            float(self.train_acc[pos]),
            float(self.valid_acc[pos]),
            float(self.test_acc[pos]),
            float(self.train_loss[pos]),
            float(self.valid_loss[pos]),
            float(self.test_loss[pos]),
            float(self.train_seconds[pos]),
        )


def _describe_epochs(epochs: np.ndarray) -> str:
    values = [int(e) for e in epochs]
    if len(values) > 3 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}..{values[-1]}"
    return str(values)


@dataclass(frozen=True, eq=False)
class Record:
    """What a benchmark knows about one architecture on one dataset and schedule.

    Attributes:
        arch: official string of the queried architecture.
        measured_arch: the table's architecture the numbers come from: ``arch`` itself, or
            an isomorphic representative when the table stores one cell per canonical class.
        canonical: canonical string of the architecture's class (``space.canonical``).
        arch_index: index of ``arch`` in the kit's enumeration of the space (-1: none).
        dataset: dataset the run was trained and evaluated on.
        schedule_epochs: length of the training schedule (e.g. 200 or 12 for NATS-Bench).
        seed: the training seed, or ``None`` when the values are the mean over ``seeds``.
        seeds: the seeds behind the values.
        epoch: the queried epoch; ``curve`` ends here and ``final`` is taken here.
        curve: per-epoch metrics up to and including ``epoch``.
        params: trainable parameter count (``None`` if unknown).
        flops: forward FLOPs of one input (a count; NaN if unknown).
        latency_ms: inference latency in milliseconds per device.
        energy_mj: inference energy in millijoules per device.

    Example:
        >>> import numpy as np
        >>> curve = Curve(np.array([1, 2]), *(np.array([50.0, 60.0]) for _ in range(7)))
        >>> r = Record("a", "a", "a", -1, "toy", 2, None, (0, 1), 2, curve, 10, 2e3, {}, {})
        >>> r.final.valid_acc
        60.0
    """

    arch: str
    measured_arch: str
    canonical: str
    arch_index: int
    dataset: str
    schedule_epochs: int
    seed: int | None
    seeds: tuple[int, ...]
    epoch: int
    curve: Curve
    params: int | None
    flops: float
    latency_ms: Mapping[str, float]
    energy_mj: Mapping[str, float]

    @cached_property
    def final(self) -> EpochMetrics:
        """The metrics at the queried :attr:`epoch` (``record.final.valid_acc``)."""
        return self.curve.final

    def at(self, epoch: int) -> EpochMetrics:
        """The metrics at an earlier recorded ``epoch`` (at most :attr:`epoch`).

        Raises:
            QueryError: if ``epoch`` is not on the curve.
        """
        return self.curve.at(epoch)

    def __repr__(self) -> str:
        seed = f"seed={self.seed}" if self.seed is not None else f"seed=None (mean of {list(self.seeds)})"
        last = self.final
        return (
            f"Record(arch={self.arch!r}, dataset={self.dataset!r}, schedule_epochs={self.schedule_epochs}, "
            f"{seed}, epoch={self.epoch}, valid_acc={last.valid_acc:.2f}, test_acc={last.test_acc:.2f}, "
            f"train_seconds={last.train_seconds:.1f})"
        )
