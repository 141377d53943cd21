"""Worker processes for the importers: a bounded, order-keeping parallel map."""

from __future__ import annotations

import collections
import concurrent.futures as cf
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = ["executor", "ordered_map"]


def executor(workers: int) -> cf.ProcessPoolExecutor:
    # fork starts fast and needs no `if __name__ == "__main__"` guard in the user's script, but is
    # only safe while this process runs no other thread; otherwise spawn.
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and t.name != "tqdm_monitor"]
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() and not others else "spawn"
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))


def ordered_map(func: Callable[[Any], Any], tasks: Iterable[Any], *, workers: int, in_flight: int = 0) -> Iterator[Any]:
    """``map(func, tasks)`` in worker processes, results in task order, bounded memory.

    ``workers <= 1`` runs in this process. The pool starts now (before the caller starts
    threads such as a progress bar's).
    """
    if workers <= 1:
        return (func(task) for task in tasks)
    pool = executor(workers)
    in_flight = in_flight or 4 * workers

    def results() -> Iterator[Any]:
        pending: collections.deque[cf.Future] = collections.deque()
        try:
            for task in tasks:
                pending.append(pool.submit(func, task))
                if len(pending) >= in_flight:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    return results()
