"""Search spaces: pure Python + numpy, importable without torch.

Each space's module is imported on first use (``from nasbench_kit.spaces import NB101Space``
imports :mod:`~nasbench_kit.spaces.nb101` only), so opening an NB201 table does not pay
for the NB101 and macro spaces.
"""

from __future__ import annotations

import importlib
from typing import Any

from .base import ENCODING_KINDS, DecisionSpace, SearchSpace

#: public name -> module of this package defining it
_EXPORTS = {
    "NB201Space": "nb201",
    "Cell201": "nb201",
    "MacroSpace": "macro",
    "MacroArch": "macro_arch",
    "NB101Space": "nb101",
    "Cell101": "nb101",
}

__all__ = ["ENCODING_KINDS", "SearchSpace", "DecisionSpace", "NB201Space", "Cell201", "MacroSpace", "MacroArch", "NB101Space", "Cell101"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
