"""Weight sharing and gradient-based NAS, really trained: DARTS, GDAS, SPOS, RSPS, ENAS.

Every method trains a NAS-Bench-201 supernet (:class:`Supernet201`) on the digits the
shipped table was trained on, at the table's proxy size, so the cell it derives after
every epoch is looked up in the table: the trajectory shows the search's true progress.

>>> from nasbench_kit.oneshot import make_search
>>> search = make_search("darts", preset="tiny", seed=0)   # doctest: +SKIP
>>> result = search.run()                                   # doctest: +SKIP
>>> result.trajectory[["epoch", "derived", "table_test_acc", "skip_weight"]]   # doctest: +SKIP

From the command line: ``python -m nasbench_kit oneshot --method darts --preset fast --out DIR``.
Importing this package does not import torch; running a search does.
"""

from __future__ import annotations

from typing import Any

from ..errors import UnknownNameError
from .base import ONESHOT_EVENTS, EpochFinished, OneShotResult, OneShotSearch, SearchFinished
from .presets import METHOD_NAMES, PRESETS, resolve_settings

__all__ = ["METHODS", "PRESETS", "make_search", "OneShotSearch", "OneShotResult", "EpochFinished", "SearchFinished",
           "ONESHOT_EVENTS", "resolve_settings", "method_class"]

#: method name -> (module, class)
METHODS: dict[str, tuple[str, str]] = {
    "darts": ("gradient", "DARTS"),
    "gdas": ("gradient", "GDAS"),
    "spos": ("single_path", "SPOS"),
    "rsps": ("single_path", "RSPS"),
    "enas": ("enas", "ENAS"),
}
assert tuple(METHODS) == METHOD_NAMES  # one list of names for presets and classes


def method_class(name: str) -> type[OneShotSearch]:
    """The search class of method ``name``.

    Raises:
        UnknownNameError: an unknown method (the message lists the known ones).
    """
    if name not in METHODS:
        raise UnknownNameError(f"one-shot method {name!r} is unknown; use one of {list(METHODS)}")
    import importlib

    module, cls = METHODS[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)


def make_search(method: str, *, space: Any = None, **options: Any) -> OneShotSearch:
    """A one-shot search of ``method`` (``darts``, ``gdas``, ``spos``, ``rsps``, ``enas``).

    Args:
        method: the method's name.
        space: the search space; only the NAS-Bench-201 space has a supernet (None: it).
        **options: :class:`OneShotSearch` arguments (``preset``, ``seed``, ``benchmark``,
            ``device``, ``progress``) and setting overrides (``epochs=3``, ``order=2``, ...).

    Raises:
        UnknownNameError: an unknown method, preset or setting.
        ArgumentError: a space without a supernet, a setting out of range.
    """
    from ..errors import ArgumentError

    cls = method_class(method)
    name = getattr(space, "name", space)
    if space is not None and name != "nb201":
        raise ArgumentError(f"no supernet for space {name!r}: the one-shot methods search the NAS-Bench-201 "
                            f"space (nb201)")
    return cls(**options)
