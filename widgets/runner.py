"""``BackgroundRun``: a :class:`~nasbench_kit.run.Run` in a daemon thread, so the kernel
never blocks while a search runs and its widgets stay responsive.

Stopping goes through ``run.stop()`` (thread-safe): the run ends after its current step,
publishes ``RunFinished("stopped")`` and the thread exits; one step of a cheap strategy
takes well under a millisecond, so :meth:`BackgroundRun.stop` returns almost at once.

>>> background = BackgroundRun(run).start()     # doctest: +SKIP
>>> background.stop()                           # doctest: +SKIP
True
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from nasbench_kit.errors import ArgumentError

__all__ = ["BackgroundRun"]


class BackgroundRun:
    """Runs ``run.run()`` in a daemon thread.

    Args:
        run: the :class:`~nasbench_kit.run.Run` to drive (not yet finished).
        on_done: optional ``on_done(background)`` called in the run's thread once it ends
            (normally or with an error, see :attr:`error`).

    Attributes:
        error: the exception that ended the run early, or None.

    Raises:
        ArgumentError: the run already finished.
    """

    def __init__(self, run: Any, *, on_done: Callable[[BackgroundRun], None] | None = None) -> None:
        if getattr(run, "finished", False):
            raise ArgumentError(f"the run already finished ({run.finished_reason!r}); build a new Run")
        self.run = run
        self.error: BaseException | None = None
        self._on_done = on_done
        self._thread: threading.Thread | None = None

    def start(self) -> BackgroundRun:
        """Start the thread (once); returns ``self``."""
        if self._thread is not None:
            raise ArgumentError("this BackgroundRun was already started; build a new one for a new run")
        self._thread = threading.Thread(target=self._main, name="nasbench-kit-run", daemon=True)
        self._thread.start()
        return self

    def _main(self) -> None:
        try:
            self.run.run()
        except Exception as error:  # shown by the caller (a widget's status line), not lost in the thread
            self.error = error
        finally:
            if self._on_done is not None:
                self._on_done(self)

    @property
    def is_running(self) -> bool:
        """True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout_seconds: float | None = None) -> bool:
        """Block until the run ends (or ``timeout_seconds`` pass); True if it ended."""
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout_seconds)
        return not self.is_running

    def stop(self, timeout_seconds: float = 2.0) -> bool:
        """Ask the run to stop after its current step and wait up to ``timeout_seconds``
        for the thread to end; True if it ended."""
        self.run.stop()
        return self.wait(timeout_seconds)
