"""Simulated time: what a search *would* have spent training, with several workers.

Benchmark queries are free; the budget of a search is charged here instead.
:class:`SimulatedClock` charges the training seconds of the queried epoch, charges only the
difference when a run continues from an epoch it already reached, and simulates
``n_workers`` machines working asynchronously.

Semantics (asynchronous simulation, as in the multi-fidelity HPO literature):

* The simulated present, :attr:`SimulatedClock.now_seconds`, is the earliest time a worker
  is free: the moment the next job can start, so the moment the next decision is made.
* :meth:`SimulatedClock.charge` gives a job to the earliest-free worker (lowest number on
  ties). It starts at ``max(now, time the same key's previous job finishes)`` (a run can
  only continue from a checkpoint that exists) and ends ``charged_seconds`` later;
  ``finish_seconds`` is when its result becomes available.
* :meth:`SimulatedClock.pop_finished` returns the jobs whose results are available at
  ``now`` (in order of availability): a run tells its strategy exactly those.
* A key re-queried at an epoch it already reached costs nothing and occupies no worker;
  its result is available once the job that reached that epoch has finished.

With one worker this is plain sequential time: ``now_seconds`` is the sum of all charges.

>>> clock = SimulatedClock(n_workers=1)
>>> clock.charge("a", epoch=12, train_seconds=100.0).finish_seconds
100.0
>>> clock.charge("a", epoch=50, train_seconds=400.0).charged_seconds  # continues from 12
300.0
>>> clock.now_seconds
400.0
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ArgumentError

__all__ = ["Job", "SimulatedClock", "Budget"]


@dataclass(frozen=True)
class Job:
    """One charge on the clock: which worker trained what, and when.

    Attributes:
        key: the run's identity (e.g. ``(canonical, dataset, seed)``), chosen by the caller.
        epoch: the epoch the run was trained to.
        worker: the worker that trained it, or None if nothing needed training.
        start_seconds: simulated time training started.
        finish_seconds: simulated time the result becomes available.
        charged_seconds: training seconds charged (the increment over the key's previous epoch).
        order: submission number (0, 1, ...), breaking ties in :meth:`SimulatedClock.pop_finished`.
    """

    key: Hashable
    epoch: int
    worker: int | None
    start_seconds: float
    finish_seconds: float
    charged_seconds: float
    order: int


def _seconds_at(train_seconds: Any, epoch: int) -> float:
    """Cumulative training seconds at ``epoch`` from a number, a Curve or a Record."""
    curve = getattr(train_seconds, "curve", train_seconds)  # a Record holds a Curve
    if hasattr(curve, "epochs") and hasattr(curve, "train_seconds"):
        epochs = np.asarray(curve.epochs)
        where = np.flatnonzero(epochs == epoch)
        if where.size == 0:
            raise ArgumentError(f"epoch {epoch} is not on the given curve (epochs {epochs.tolist()})")
        return float(np.asarray(curve.train_seconds)[where[0]])
    if isinstance(train_seconds, bool) or not isinstance(train_seconds, (int, float, np.integer, np.floating)):
        raise ArgumentError(
            f"train_seconds must be a number, a Curve or a Record, got {type(train_seconds).__name__}"
        )
    return float(train_seconds)


class SimulatedClock:
    """Charges simulated training time to ``n_workers`` asynchronous workers.

    Args:
        n_workers: number of simulated workers (machines training in parallel).

    Raises:
        ArgumentError: if ``n_workers`` is not an int >= 1.

    Example:
        >>> clock = SimulatedClock(n_workers=2)
        >>> [clock.charge(k, epoch=1, train_seconds=s).worker for k, s in [("a", 10), ("b", 4), ("c", 3)]]
        [0, 1, 1]
        >>> clock.now_seconds, [job.key for job in clock.pop_finished()]
        (7.0, ['b', 'c'])
    """

    def __init__(self, n_workers: int = 1) -> None:
        if isinstance(n_workers, bool) or not isinstance(n_workers, (int, np.integer)) or n_workers < 1:
            raise ArgumentError(f"n_workers must be an int >= 1, got {n_workers!r}")
        self.n_workers = int(n_workers)
        self._free = [0.0] * self.n_workers  # time each worker becomes free
        self._trained: dict[Hashable, tuple[int, float, float]] = {}  # key -> (epoch, cum seconds, ready at)
        self._pending: list[tuple[float, int, Job]] = []  # heap by (finish, order)
        self._jobs = 0
        self._charged = 0.0

    # --- state ------------------------------------------------------------------------------
    @property
    def now_seconds(self) -> float:
        """The simulated present: the earliest time a worker is free."""
        return min(self._free)

    @property
    def makespan_seconds(self) -> float:
        """When every job charged so far has finished (the run's wall time so far)."""
        return max(self._free)

    @property
    def charged_seconds(self) -> float:
        """Total training seconds charged over all workers (compute spent)."""
        return self._charged

    @property
    def n_jobs(self) -> int:
        """Number of :meth:`charge` calls so far."""
        return self._jobs

    def trained_epoch(self, key: Hashable) -> int:
        """The highest epoch charged for ``key`` (0 if never)."""
        return self._trained.get(key, (0, 0.0, 0.0))[0]

    def __repr__(self) -> str:
        return (
            f"SimulatedClock(n_workers={self.n_workers}, now_seconds={self.now_seconds:.1f}, "
            f"charged_seconds={self._charged:.1f}, jobs={self._jobs})"
        )

    # --- charging ---------------------------------------------------------------------------
    def charge(self, key: Hashable, *, epoch: int, train_seconds: Any, worker: int | None = None) -> Job:
        """Charge training ``key`` up to ``epoch``.

        Args:
            key: identity of the training run; continuing the same key from a lower epoch
                charges only the difference. Use the same key only for the same run
                (architecture, dataset, schedule and seed).
            epoch: the epoch (fidelity) the run is trained to (>= 1).
            train_seconds: cumulative training seconds at ``epoch`` (a number), or a
                ``Curve`` / ``Record`` to read them from.
            worker: the worker to use (default: the earliest free one).

        Returns:
            The :class:`Job`; its result becomes available at ``finish_seconds``.

        Raises:
            ArgumentError: a bad epoch or worker, seconds that are NaN or negative, or
                cumulative seconds lower than those already charged for ``key``.
        """
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 1:
            raise ArgumentError(f"epoch must be an int >= 1, got {epoch!r}")
        epoch = int(epoch)
        seconds = _seconds_at(train_seconds, epoch)
        if not math.isfinite(seconds) or seconds < 0:
            raise ArgumentError(
                f"train_seconds for {key!r} at epoch {epoch} is {seconds!r}; the clock needs finite seconds >= 0 "
                f"(a benchmark without training times can only be searched with a query budget)"
            )
        if worker is not None and (
            isinstance(worker, bool) or not isinstance(worker, (int, np.integer)) or not 0 <= worker < self.n_workers
        ):
            raise ArgumentError(f"worker must be None or an int in 0..{self.n_workers - 1}, got {worker!r}")
        done_epoch, done_seconds, ready = self._trained.get(key, (0, 0.0, 0.0))
        order = self._jobs
        self._jobs += 1
        if epoch <= done_epoch:  # already trained this far: free, no worker needed
            job = Job(key, epoch, None, self.now_seconds, max(self.now_seconds, ready), 0.0, order)
        else:
            cost = seconds - done_seconds
            if cost < 0:
                raise ArgumentError(
                    f"train_seconds for {key!r} fell from {done_seconds} at epoch {done_epoch} to {seconds} at "
                    f"epoch {epoch}; they must be cumulative"
                )
            free = self._free
            w = min(range(len(free)), key=free.__getitem__) if worker is None else int(worker)
            start = max(self._free[w], ready)
            finish = start + cost
            self._free[w] = finish
            self._trained[key] = (epoch, seconds, finish)
            self._charged += cost
            job = Job(key, epoch, w, start, finish, cost, order)
        heapq.heappush(self._pending, (job.finish_seconds, job.order, job))
        return job

    def pop_finished(self, until: float | None = None) -> list[Job]:
        """Jobs whose results are available by ``until`` (default :attr:`now_seconds`),
        not returned before, in order of ``finish_seconds`` (then submission order).

        Pass ``until=math.inf`` at the end of a run to collect everything.
        """
        limit = self.now_seconds if until is None else float(until)
        out = []
        while self._pending and self._pending[0][0] <= limit:
            out.append(heapq.heappop(self._pending)[2])
        return out

    @property
    def n_pending(self) -> int:
        """Jobs charged whose results have not been popped yet."""
        return len(self._pending)

    # --- checkpoints ------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        """Plain-data snapshot for checkpoints (restore with :meth:`from_state`)."""
        return {
            "n_workers": self.n_workers,
            "free": list(self._free),
            "trained": [(k, e, s, r) for k, (e, s, r) in self._trained.items()],
            "pending": [job for _, _, job in sorted(self._pending)],
            "jobs": self._jobs,
            "charged": self._charged,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SimulatedClock:
        """A clock equal to the one :meth:`to_state` was taken from."""
        clock = cls(state["n_workers"])
        clock._free = [float(t) for t in state["free"]]
        clock._trained = {k: (int(e), float(s), float(r)) for k, e, s, r in state["trained"]}
        clock._pending = [(job.finish_seconds, job.order, job) for job in state["pending"]]
        heapq.heapify(clock._pending)
        clock._jobs = int(state["jobs"])
        clock._charged = float(state["charged"])
        return clock


@dataclass(frozen=True)
class Budget:
    """How much a search may spend: simulated seconds and/or number of queries.

    Args:
        seconds: simulated seconds (compared with the clock's ``now_seconds``).
        queries: number of architectures evaluated.

    Raises:
        ArgumentError: if neither is given or one is not positive.

    Example:
        >>> Budget(seconds=3600).exhausted(now_seconds=4000.0, n_queries=3)
        True
    """

    seconds: float | None = None
    queries: int | None = None

    def __post_init__(self) -> None:
        if self.seconds is None and self.queries is None:
            raise ArgumentError("Budget needs seconds=... and/or queries=...")
        if self.seconds is not None:
            if isinstance(self.seconds, bool) or not isinstance(self.seconds, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(self.seconds) or self.seconds <= 0:
                raise ArgumentError(f"Budget seconds must be a finite number > 0, got {self.seconds!r}")
            object.__setattr__(self, "seconds", float(self.seconds))
        if self.queries is not None:
            if isinstance(self.queries, bool) or not isinstance(self.queries, (int, np.integer)) or self.queries < 1:
                raise ArgumentError(f"Budget queries must be an int >= 1, got {self.queries!r}")
            object.__setattr__(self, "queries", int(self.queries))

    def exhausted(self, *, now_seconds: float, n_queries: int) -> bool:
        """True once either limit is reached."""
        return (self.seconds is not None and now_seconds >= self.seconds) or (
            self.queries is not None and n_queries >= self.queries
        )
