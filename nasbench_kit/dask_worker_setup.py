"""Preloaded into every worker process of :func:`nasbench_kit.dask_cluster.local_cluster`.

Ctrl-C in a terminal sends SIGINT to the whole process group, worker processes included;
each would print a ``KeyboardInterrupt`` traceback. Workers ignore SIGINT instead: the
parent process handles Ctrl-C and shuts the cluster (and so its workers) down.

Only a worker process changes its SIGINT handling. Importing this module anywhere else
(a doctest run, ``help()``) leaves the process alone: an ignored SIGINT is inherited by
every program that process starts, which could then no longer be interrupted.
"""

from __future__ import annotations

import multiprocessing
import signal
from typing import Any

__all__ = ["dask_setup"]


def dask_setup(worker: Any = None) -> None:
    """Dask preload hook: make this worker process ignore SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _in_spawned_process() -> bool:
    """Whether this process was started by ``multiprocessing`` (as a Dask nanny starts its worker)."""
    return multiprocessing.parent_process() is not None


if _in_spawned_process():
    dask_setup()  # at import: covers the time before Dask calls the hook
