"""The NAS-Bench-201 CIFAR network (official ``TinyNetwork`` topology) for one cell.

Stem Conv3x3(3->C, no bias)+BN; three stages of ``N`` cells with ``C``, ``2C``, ``4C``
channels, separated by stride-2 residual blocks; BN-ReLU, global average pool, linear.
Module names follow AutoDL-Projects (``stem``, ``cells.i.layers.k``, ``lastact``,
``classifier``) so official state dicts load; unlike the official module, ``forward``
returns only the logits.

>>> import torch
>>> from nasbench_kit.spaces import Cell201
>>> net = build_nb201(Cell201(("nor_conv_3x3",) * 6), num_classes=10, C=4, N=1)
>>> net(torch.zeros(2, 3, 12, 12)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import OutOfSpaceError
from ..spaces.nb201 import EDGES, Cell201
from ._ops201 import ResNetBasicblock, make_op
from .counts201 import check_network_size, nb201_param_count

__all__ = ["InferCell201", "NB201Network", "build_nb201", "nb201_param_count"]


class InferCell201(nn.Module):
    """One cell: node ``j`` is the sum over its in-edges ``i -> j`` of ``op(node i)``.

    ``layers[k]`` is the op on edge ``k`` in official string order. Shape preserved:
    ``(B, channels, H, W) -> (B, channels, H, W)``.
    """

    def __init__(self, cell: Cell201, channels: int):
        super().__init__()
        self.cell = cell
        self.layers = nn.ModuleList(make_op(op, channels) for op in cell.ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in (1, 2, 3):
            # edges are stored grouped by target node, sources ascending
            terms = [self.layers[k](nodes[source]) for k, (t, source) in enumerate(EDGES) if t == target]
            nodes.append(sum(terms[1:], terms[0]))
        return nodes[3]

    def extra_repr(self) -> str:
        return str(self.cell)


class NB201Network(nn.Module):
    """The benchmark network around one :class:`Cell201` (see the module docstring).

    Input ``(B, 3, H, W)`` with ``H`` and ``W`` divisible by 4 (two stride-2 reductions);
    output logits ``(B, num_classes)``.
    """

    def __init__(self, cell: Cell201, num_classes: int = 10, *, C: int = 16, N: int = 5):
        super().__init__()
        self.cell = cell
        self.stem = nn.Sequential(nn.Conv2d(3, C, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(C))
        blocks: list[nn.Module] = []
        for stage, channels in enumerate((C, 2 * C, 4 * C)):
            if stage > 0:
                blocks.append(ResNetBasicblock(channels // 2, channels))
            blocks.extend(InferCell201(cell, channels) for _ in range(N))
        self.cells = nn.ModuleList(blocks)
        self.lastact = nn.Sequential(nn.BatchNorm2d(4 * C), nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(4 * C, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3 or x.shape[2] % 4 or x.shape[3] % 4:
            raise OutOfSpaceError(
                f"NB201 network input must be (batch, 3, H, W) with H and W divisible by 4, "
                f"got shape {tuple(x.shape)}"
            )
        feature = self.stem(x)  # (B, C, H, W)
        for block in self.cells:
            feature = block(feature)  # ends at (B, 4C, H/4, W/4)
        out = self.global_pooling(self.lastact(feature)).flatten(1)  # (B, 4C)
        return self.classifier(out)  # (B, num_classes)


def build_nb201(cell: Cell201, num_classes: int = 10, *, C: int = 16, N: int = 5) -> NB201Network:
    """Build the official NAS-Bench-201 CIFAR network for ``cell``.

    Args:
        cell: the cell repeated in every stage.
        num_classes: classifier outputs (10 CIFAR-10, 100 CIFAR-100, 120 ImageNet16-120).
        C: channels of the first stage; 16 in the benchmark.
        N: cells per stage; 5 in the benchmark.

    Returns:
        An :class:`NB201Network` with default PyTorch initialisation, in training mode.
        Its trainable parameter count equals :func:`nb201_param_count`.

    Raises:
        OutOfSpaceError: if ``cell`` is not a ``Cell201`` or a size is not a positive int.

    Example:
        >>> from nasbench_kit.models import count_params
        >>> cell = Cell201.from_string("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
        ...                            "|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")
        >>> count_params(build_nb201(cell))
        1073466
    """
    if not isinstance(cell, Cell201):
        raise OutOfSpaceError(f"expected a Cell201, got {type(cell).__name__} {cell!r}")
    check_network_size(num_classes, C, N)
    return NB201Network(cell, num_classes, C=C, N=N)
