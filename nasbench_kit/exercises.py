"""Automatic checks for the course notebooks' exercises.

A check prints one line a student can act on and returns whether the answer is right;
it never raises on a wrong or missing answer, so a notebook always runs top to bottom
(CI runs every notebook with the exercises left unanswered).

>>> check(None, 42, "number of cells")
Not yet: your number of cells is None. Look again at the cells above.
False
>>> check_close(0.501, 0.5, "accuracy", tol=0.01)
Correct: accuracy = 0.501
True
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["check", "check_close"]


def check(answer: Any, expected: Any, what: str = "answer") -> bool:
    """Compare ``answer`` with ``expected`` (``==``) and print the verdict."""
    try:
        right = bool(answer == expected)
    except Exception:  # noqa: BLE001 - e.g. comparing arrays of other shapes: simply wrong
        right = False
    if right:
        print(f"Correct: {what} = {answer!r}")
    else:
        print(f"Not yet: your {what} is {answer!r}. Look again at the cells above.")
    return right


def check_close(answer: Any, expected: float, what: str = "answer", *, tol: float = 1e-6) -> bool:
    """Like :func:`check` for a number, right when within ``tol`` of ``expected``."""
    try:
        value = float(answer)
    except (TypeError, ValueError):
        print(f"Not yet: your {what} is {answer!r}, not a number.")
        return False
    if math.isfinite(value) and abs(value - float(expected)) <= tol:
        print(f"Correct: {what} = {answer!r}")
        return True
    print(f"Not yet: your {what} is {answer!r}. Look again at the cells above.")
    return False
