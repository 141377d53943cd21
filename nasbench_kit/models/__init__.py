"""Architectures -> ``torch.nn.Module``, one builder per search space.

Importing this package does not import torch; calling a builder does.

>>> from nasbench_kit.spaces import Cell201
>>> from nasbench_kit.models import build_model, count_params
>>> cell = Cell201.from_string("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|")
>>> count_params(build_model(cell, num_classes=10))
802426
"""

from __future__ import annotations

from typing import Any

from ..errors import UnknownNameError
from .measure import count_flops, count_params

__all__ = ["build_model", "count_params", "count_flops"]


def build_model(arch: Any, num_classes: int = 10, **size: Any):
    """Build the official network of ``arch``'s search space.

    Args:
        arch: a ``Cell201``, ``Cell101``, ``MacroArch`` or ``DartsGenotype``.
        num_classes: size of the classifier output.
        **size: width/depth arguments of the space's builder (``C``, ``N`` for NB201;
            ``stem_channels``, ``num_stacks``, ``num_modules_per_stack`` for NB101;
            ``width_mult`` for the macro space; ``C``, ``layers``, ``auxiliary``,
            ``drop_path_prob`` for DARTS).

    Returns:
        A ``torch.nn.Module`` taking ``(batch, 3, H, W)`` images.

    Raises:
        UnknownNameError: if ``arch`` belongs to no known space.
    """
    from ..spaces import Cell101, Cell201, DartsGenotype, MacroArch

    if isinstance(arch, Cell201):
        from .nb201 import build_nb201

        return build_nb201(arch, num_classes, **size)
    if isinstance(arch, Cell101):
        from .nb101 import build_nb101

        return build_nb101(arch, num_classes, **size)
    if isinstance(arch, MacroArch):
        from .macro import build_macro

        return build_macro(arch, num_classes, **size)
    if isinstance(arch, DartsGenotype):
        from .darts import build_darts

        return build_darts(arch, num_classes, **size)
    raise UnknownNameError(
        f"no model builder for {type(arch).__name__}; build_model takes Cell201, Cell101, MacroArch or DartsGenotype"
    )
