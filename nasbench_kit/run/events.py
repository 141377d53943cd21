"""Events a :class:`~nasbench_kit.run.Run` publishes, and the subscription list.

Widgets, loggers and progress bars subscribe with ``run.on(TrialFinished, callback)``;
callbacks run in the thread that drives the run (keep them short: a widget should only
queue the data for its own throttled redraw).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ArgumentError

__all__ = ["Event", "TrialFinished", "IncumbentChanged", "RunFinished", "Subscribers", "EVENT_TYPES"]


@dataclass(frozen=True)
class Event:
    """Base class of run events; ``run`` is the publishing run."""

    run: Any


@dataclass(frozen=True)
class TrialFinished(Event):
    """A trial's result became available (``row``: its history row, report metric included)."""

    row: Mapping[str, Any]


@dataclass(frozen=True)
class IncumbentChanged(Event):
    """A new best feasible trial by the search metric (``row``: its history row)."""

    row: Mapping[str, Any]


@dataclass(frozen=True)
class RunFinished(Event):
    """The run ended; ``reason`` is ``"budget"``, ``"stopped"``, ``"no-new-architectures"`` or
    ``"vetoed"`` (the strategy kept proposing vetoed candidates, see ``Run.veto``)."""

    reason: str


EVENT_TYPES: dict[str, type[Event]] = {
    "trial_finished": TrialFinished,
    "incumbent_changed": IncumbentChanged,
    "run_finished": RunFinished,
}


class Subscribers:
    """Callbacks per event type; ``publish`` calls them in subscription order."""

    def __init__(self) -> None:
        self._callbacks: dict[type[Event], list[Callable[[Any], None]]] = {t: [] for t in EVENT_TYPES.values()}

    @staticmethod
    def event_type(event: type[Event] | str) -> type[Event]:
        if isinstance(event, str):
            if event not in EVENT_TYPES:
                raise ArgumentError(f"event {event!r} is unknown; use one of {list(EVENT_TYPES)} or the classes")
            return EVENT_TYPES[event]
        if isinstance(event, type) and event in EVENT_TYPES.values():
            return event
        raise ArgumentError(f"event must be one of {[t.__name__ for t in EVENT_TYPES.values()]}, got {event!r}")

    def add(self, event: type[Event] | str, callback: Callable[[Any], None]) -> Callable[[], None]:
        if not callable(callback):
            raise ArgumentError(f"callback must be callable, got {callback!r}")
        callbacks = self._callbacks[self.event_type(event)]
        callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in callbacks:
                callbacks.remove(callback)

        return unsubscribe

    def remove(self, event: type[Event] | str, callback: Callable[[Any], None]) -> None:
        callbacks = self._callbacks[self.event_type(event)]
        if callback not in callbacks:
            raise ArgumentError(f"{callback!r} is not subscribed to {self.event_type(event).__name__}")
        callbacks.remove(callback)

    def wanted(self, event: type[Event]) -> bool:
        return bool(self._callbacks[event])

    def publish(self, event: Event) -> None:
        for callback in list(self._callbacks[type(event)]):
            callback(event)
