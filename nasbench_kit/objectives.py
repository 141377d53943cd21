"""Objectives (what a search optimizes) and constraints (what it must satisfy).

Both name a benchmark metric (``"valid_acc"``, ``"params"``, ``"latency_ms_cpu1t"``, ...).
Constraints are meant for free metrics (latency, params, FLOPs) so a run can check them
before any training budget is spent.

>>> Objective("valid_acc")
Objective(metric='valid_acc', maximize=True)
>>> Constraint("latency_ms_cpu1t", at_most=5.0).satisfied(4.2)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import ArgumentError, UnknownNameError

__all__ = ["Objective", "Constraint", "check_metrics"]


def _check_metric_name(metric: object, what: str) -> None:
    if not isinstance(metric, str) or not metric.strip() or metric != metric.strip():
        raise ArgumentError(f"{what} metric must be a non-empty metric name like 'valid_acc', got {metric!r}")


def _bound(value: object, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentError(f"Constraint {name} must be a number or None, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ArgumentError(f"Constraint {name} must be finite, got {value!r}")
    return value


@dataclass(frozen=True)
class Objective:
    """One metric to optimize.

    Args:
        metric: benchmark metric name, e.g. ``"valid_acc"`` or ``"latency_ms_cpu1t"``.
        maximize: True to maximize (accuracy), False to minimize (latency, params).

    Raises:
        ArgumentError: if ``metric`` is not a non-empty name or ``maximize`` is not a bool.

    Example:
        >>> o = Objective("latency_ms_cpu1t", maximize=False)
        >>> o.better(1.0, 2.0), str(o)
        (True, 'minimize latency_ms_cpu1t')
    """

    metric: str
    maximize: bool = True

    def __post_init__(self) -> None:
        _check_metric_name(self.metric, "Objective")
        if not isinstance(self.maximize, (bool, np.bool_)):
            raise ArgumentError(f"Objective maximize must be True or False, got {self.maximize!r}")
        object.__setattr__(self, "maximize", bool(self.maximize))

    @property
    def sign(self) -> float:
        """``-1.0`` when maximizing, ``+1.0`` when minimizing: ``sign * value`` is minimized."""
        return -1.0 if self.maximize else 1.0

    def to_minimize(self, values: np.ndarray | float) -> np.ndarray:
        """``values`` oriented so that smaller is better (float64 array)."""
        return self.sign * np.asarray(values, dtype=np.float64)

    def better(self, a: float, b: float) -> bool:
        """True if value ``a`` is strictly better than ``b`` (NaN is never better)."""
        return bool(a > b) if self.maximize else bool(a < b)

    def __str__(self) -> str:
        return f"{'maximize' if self.maximize else 'minimize'} {self.metric}"


@dataclass(frozen=True)
class Constraint:
    """A bound on one metric: ``at_least <= value <= at_most`` (give one or both).

    A NaN value (metric unknown) never satisfies a constraint.

    Args:
        metric: benchmark metric name, e.g. ``"latency_ms_cpu1t"`` or ``"params"``.
        at_most: upper bound (inclusive), in the metric's unit.
        at_least: lower bound (inclusive), in the metric's unit.

    Raises:
        ArgumentError: if no bound is given, a bound is not a finite number, or
            ``at_least > at_most``.

    Example:
        >>> c = Constraint("params", at_least=1e5, at_most=1e6)
        >>> c.satisfied_many([5e4, 5e5, float("nan")]).tolist(), str(c)
        ([False, True, False], '100000.0 <= params <= 1000000.0')
    """

    metric: str
    at_most: float | None = None
    at_least: float | None = None

    def __post_init__(self) -> None:
        _check_metric_name(self.metric, "Constraint")
        at_most = _bound(self.at_most, "at_most")
        at_least = _bound(self.at_least, "at_least")
        if at_most is None and at_least is None:
            raise ArgumentError(f"Constraint on {self.metric!r} needs at_most=... and/or at_least=...")
        if at_most is not None and at_least is not None and at_least > at_most:
            raise ArgumentError(f"Constraint on {self.metric!r}: at_least={at_least} is above at_most={at_most}")
        object.__setattr__(self, "at_most", at_most)
        object.__setattr__(self, "at_least", at_least)

    def satisfied(self, value: float) -> bool:
        """True if ``value`` lies within the bounds."""
        return bool(self.satisfied_many(np.array([value], dtype=np.float64))[0])

    def satisfied_many(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """Boolean array: which ``values`` lie within the bounds (NaN: False)."""
        values = np.asarray(values, dtype=np.float64)
        ok = ~np.isnan(values)
        if self.at_most is not None:
            ok &= values <= self.at_most
        if self.at_least is not None:
            ok &= values >= self.at_least
        return ok

    def violation(self, value: float) -> float:
        """How far ``value`` lies outside the bounds (0.0 if satisfied, inf if NaN)."""
        if math.isnan(value):
            return math.inf
        over = value - self.at_most if self.at_most is not None else 0.0
        under = self.at_least - value if self.at_least is not None else 0.0
        return max(over, under, 0.0)

    def __str__(self) -> str:
        low = f"{self.at_least} <= " if self.at_least is not None else ""
        high = f" <= {self.at_most}" if self.at_most is not None else ""
        return f"{low}{self.metric}{high}"


def check_metrics(items: Sequence[Objective | Constraint], available: Sequence[str]) -> None:
    """Raise ``UnknownNameError`` if an objective or constraint names a metric not in ``available``.

    Example:
        >>> check_metrics([Objective("valid_acc")], ["valid_acc", "params"])
    """
    for item in items:
        if item.metric not in available:
            raise UnknownNameError(
                f"{type(item).__name__} metric {item.metric!r} is not available; metrics: {list(available)}"
            )
