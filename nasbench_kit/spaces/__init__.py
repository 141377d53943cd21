"""Search spaces: pure Python + numpy, importable without torch.

Each space's module is imported on first use (``from nasbench_kit.spaces import NB101Space``
imports :mod:`~nasbench_kit.spaces.nb101` only), so opening an NB201 table does not pay
for the NB101, macro and DARTS spaces.
"""

from __future__ import annotations

from .._lazy import lazy_exports
from .base import ENCODING_KINDS, DecisionSpace, SearchSpace

#: public name -> module of this package defining it
_EXPORTS = {
    "NB201Space": "nb201",
    "Cell201": "nb201",
    "MacroSpace": "macro",
    "MacroArch": "macro_arch",
    "NB101Space": "nb101",
    "Cell101": "nb101",
    "DartsSpace": "darts",
    "DartsGenotype": "darts_genotype",
}

__all__ = ["ENCODING_KINDS", "SearchSpace", "DecisionSpace", "NB201Space", "Cell201", "MacroSpace", "MacroArch", "NB101Space", "Cell101",
           "DartsSpace", "DartsGenotype"]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
