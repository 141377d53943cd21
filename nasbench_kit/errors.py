"""One exception hierarchy for the whole kit.

Every error the kit raises on bad input is a :class:`NasKitError`. Subclasses also
derive from the built-in type a caller would naturally catch (``ValueError`` for a
malformed value, ``KeyError`` for an unknown name), so ``except ValueError`` keeps
working for people who do not know the kit's own classes.
"""

from __future__ import annotations

__all__ = [
    "NasKitError",
    "OutOfSpaceError",
    "UnknownNameError",
    "InfiniteSpaceError",
    "BenchmarkFormatError",
    "QueryError",
    "ArgumentError",
    "InfeasibleError",
    "RunStateError",
    "ContractError",
]


class NasKitError(Exception):
    """Base class of every error raised by ``nasbench_kit``."""


class OutOfSpaceError(NasKitError, ValueError):
    """An architecture, string or encoding that is not a member of the search space.

    The message says what was wrong and what the space allows, e.g.
    ``op 'conv5x5' on edge 2<-0 is not one of ('none', 'skip_connect', ...)``.
    """


class UnknownNameError(NasKitError, KeyError):
    """A name (op, encoding kind, metric, strategy, ...) that the kit does not know.

    ``KeyError`` normally wraps its message in quotes; ``__str__`` is overridden so the
    message reads like any other error.
    """

    def __str__(self) -> str:  # KeyError.__str__ would repr() the message
        return str(self.args[0]) if self.args else ""


class InfiniteSpaceError(NasKitError, TypeError):
    """Enumeration (``len`` / ``iter``) was asked of a space that cannot be enumerated."""


class BenchmarkFormatError(NasKitError, ValueError):
    """A benchmark file or table that is missing, truncated, corrupted or not in the kit's format.

    The message names the file (or table) and what is wrong with it, e.g.
    ``data/x.parquet: column 'valid_acc' is missing; required columns are (...)``.
    """


class QueryError(NasKitError, KeyError):
    """A benchmark query naming something the table does not hold.

    Unknown architecture, dataset, schedule, epoch or seed; the message lists what exists.
    """

    def __str__(self) -> str:  # KeyError.__str__ would repr() the message
        return str(self.args[0]) if self.args else ""


class ArgumentError(NasKitError, ValueError):
    """An argument with an invalid value, shape or combination (an objective without a
    metric, a constraint with no bound, points and reference of different widths, ...).

    The message says what was passed and what is allowed.
    """


class InfeasibleError(NasKitError, ValueError):
    """An architecture that violates a run's constraints, refused before anything is charged.

    Raised when a person suggests such an architecture (``Run.suggest``); the message
    names each violated constraint and the architecture's value, e.g.
    ``... has latency_ms_cpu1t = 3.2, which violates latency_ms_cpu1t <= 2.5``.
    """


class RunStateError(NasKitError, RuntimeError):
    """An operation the run cannot do in its current state: a step of a manual run with
    nothing suggested, an action on a finished run, a strategy whose candidates are all
    vetoed. The message says what to do instead.
    """


class ContractError(NasKitError, AssertionError):
    """A space or strategy breaks the interface contract; the message says which rule.

    Raised by :mod:`nasbench_kit.testing` (``check_search_space``, ``check_strategy``),
    which re-exports it.
    """
