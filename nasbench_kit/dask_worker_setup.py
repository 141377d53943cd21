"""Preloaded into every worker process of :func:`nasbench_kit.dask_cluster.local_cluster`.

Ctrl-C in a terminal sends SIGINT to the whole process group, worker processes included;
each would print a ``KeyboardInterrupt`` traceback. Workers ignore SIGINT instead: the
parent process handles Ctrl-C and shuts the cluster (and so its workers) down.
"""

from __future__ import annotations

import signal
from typing import Any

__all__ = ["dask_setup"]


def dask_setup(worker: Any = None) -> None:
    """Dask preload hook: make this worker process ignore SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


dask_setup()  # at import: covers the time before Dask calls the hook
