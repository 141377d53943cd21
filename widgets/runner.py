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

__all__ = ["BackgroundRun", "BackgroundThread"]


class BackgroundThread:
    """One daemon thread doing :meth:`_work` once; the shared lifetime of the workbench's
    background jobs (:class:`BackgroundRun`, ``race.RaceRunner``).

    An exception in the thread is kept in :attr:`error` (and :meth:`_after_error` runs);
    ``on_done(self)`` is called in the thread once the work ended, either way.
    """

    #: Thread name, and the class name in the "already started" message.
    _thread_name = "nasbench-kit-thread"

    def __init__(self, *, on_done: Callable[[Any], None] | None = None) -> None:
        self.error: BaseException | None = None
        self._on_done = on_done
        self._thread: threading.Thread | None = None

    def _work(self) -> None:  # pragma: no cover - subclasses say what runs
        raise NotImplementedError

    def _after_error(self) -> None:
        """Called in the thread after :meth:`_work` raised (nothing by default)."""

    def start(self):
        """Start the thread (once); returns ``self``."""
        if self._thread is not None:
            raise ArgumentError(f"this {type(self).__name__} was already started; build a new one")
        self._thread = threading.Thread(target=self._main, name=self._thread_name, daemon=True)
        self._thread.start()
        return self

    def _main(self) -> None:
        try:
            self._work()
        except Exception as error:  # shown by the caller (a widget's status line), not lost in the thread
            self.error = error
            self._after_error()
        finally:
            if self._on_done is not None:
                self._on_done(self)

    @property
    def is_running(self) -> bool:
        """True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout_seconds: float | None = None) -> bool:
        """Block until the work ends (or ``timeout_seconds`` pass); True if it ended."""
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout_seconds)
        return not self.is_running


class BackgroundRun(BackgroundThread):
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

    _thread_name = "nasbench-kit-run"

    def __init__(self, run: Any, *, on_done: Callable[[BackgroundRun], None] | None = None) -> None:
        if getattr(run, "finished", False):
            raise ArgumentError(f"the run already finished ({run.finished_reason!r}); build a new Run")
        super().__init__(on_done=on_done)
        self.run = run

    def _work(self) -> None:
        self.run.run()

    def stop(self, timeout_seconds: float = 2.0) -> bool:
        """Ask the run to stop after its current step and wait up to ``timeout_seconds``
        for the thread to end; True if it ended."""
        self.run.stop()
        return self.wait(timeout_seconds)
