"""Search spaces: pure Python + numpy, importable without torch."""

from .base import ENCODING_KINDS, DecisionSpace, SearchSpace
from .macro import MacroArch, MacroSpace
from .nb101 import Cell101, NB101Space
from .nb201 import Cell201, NB201Space

__all__ = ["ENCODING_KINDS", "SearchSpace", "DecisionSpace", "NB201Space", "Cell201", "MacroSpace", "MacroArch", "NB101Space", "Cell101"]
