"""One way to start a local Dask cluster for the kit's parallel work (builds, comparisons)."""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["local_cluster", "HTTP_ADDRESS"]

#: Dask's scheduler always serves HTTP (health checks, and the dashboard when bokeh is
#: installed). Its default, port 8787, is often taken (another cluster, e.g. a background
#: build); Dask then warns and picks a random port, which makes notebook output change
#: from run to run. A free localhost port from the start is silent and not exposed.
HTTP_ADDRESS = "127.0.0.1:0"


def local_cluster(n_workers: int, **kwargs: Any) -> Any:
    """A ``distributed.LocalCluster`` of ``n_workers`` single-threaded worker processes.

    Quiet by default, so that a command line prints only the kit's own messages:

    * Dask's logs below CRITICAL are silenced (``silence_logs``), in this process and in
      the workers: a task's exception reaches the caller through ``future.result()``
      anyway, and Dask's "Compute Failed" record or shutdown chatter (``CommClosedError``)
      would only add pages of traceback;
    * worker processes ignore SIGINT (:mod:`nasbench_kit.dask_worker_setup`): Ctrl-C is
      handled by this process, which closes the cluster.

    ``kwargs`` go to ``LocalCluster`` (e.g. ``silence_logs=logging.WARNING`` to see Dask's
    logs again); use it as a context manager.
    """
    from dask.distributed import LocalCluster

    options = {"threads_per_worker": 1, "processes": True, "dashboard_address": HTTP_ADDRESS,
               "silence_logs": logging.CRITICAL, "preload": ["nasbench_kit.dask_worker_setup"], **kwargs}
    return LocalCluster(n_workers=n_workers, **options)
