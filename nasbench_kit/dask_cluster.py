"""One way to start a local Dask cluster for the kit's parallel work (builds, comparisons)."""

from __future__ import annotations

from typing import Any

__all__ = ["local_cluster", "HTTP_ADDRESS"]

#: Dask's scheduler always serves HTTP (health checks, and the dashboard when bokeh is
#: installed). Its default, port 8787, is often taken (another cluster, e.g. a background
#: build); Dask then warns and picks a random port, which makes notebook output change
#: from run to run. A free localhost port from the start is silent and not exposed.
HTTP_ADDRESS = "127.0.0.1:0"


def local_cluster(n_workers: int, **kwargs: Any) -> Any:
    """A ``distributed.LocalCluster`` of ``n_workers`` single-threaded worker processes.

    ``kwargs`` go to ``LocalCluster`` (e.g. ``silence_logs``); use it as a context manager.
    """
    from dask.distributed import LocalCluster

    options = {"threads_per_worker": 1, "processes": True, "dashboard_address": HTTP_ADDRESS, **kwargs}
    return LocalCluster(n_workers=n_workers, **options)
