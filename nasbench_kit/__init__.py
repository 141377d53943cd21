"""NAS Workbench kit: search spaces, search strategies and tabular benchmarks.

Importing the package is cheap: it pulls in neither torch nor any UI library.
Models (``nasbench_kit.models``) import torch only when used.

>>> from nasbench_kit.spaces import NB201Space
>>> len(NB201Space())
15625
"""

from .errors import InfiniteSpaceError, NasKitError, OutOfSpaceError, UnknownNameError

__version__ = "0.1.0"

__all__ = ["NasKitError", "OutOfSpaceError", "UnknownNameError", "InfiniteSpaceError", "__version__"]
