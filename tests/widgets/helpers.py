"""Test doubles shared by the widget tests."""

from __future__ import annotations

import time

from nasbench_kit.strategies import Strategy


class FrozenClock:
    """A clock that only moves when the test says so."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Broken(Strategy):
    """A strategy whose every ask fails."""

    name = "broken"

    def ask(self):
        raise RuntimeError("ask failed")

    def tell(self, trial):
        pass


def wait_until_no_deferred_redraw(plot, timeout=10.0):
    """Wait until a throttled plot has no trailing redraw pending or running."""
    deadline = time.monotonic() + timeout
    while plot._feed.throttle.pending and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not plot._feed.throttle.pending
