"""The NAS-Bench-201 operations and residual reduction block (official definitions).

Module and attribute names follow AutoDL-Projects ``cell_operations.py`` so that official
state dicts load (``conv_a.op.1.weight``, ``downsample.1.weight``, ...).
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import OutOfSpaceError
from ..spaces.nb201 import OPS

__all__ = ["Zero", "ReLUConvBN", "AvgPool3x3", "ResNetBasicblock", "make_op"]


class Zero(nn.Module):
    """The ``none`` op: outputs zeros shaped like the input (``x * 0``, as officially)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


class ReLUConvBN(nn.Module):
    """ReLU -> Conv(k, no bias) -> BatchNorm(affine): ``nor_conv_kxk`` and the block convs."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int, stride: int = 1):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel_size, stride=stride, padding=kernel_size // 2, bias=False),
            nn.BatchNorm2d(c_out, affine=True, track_running_stats=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class AvgPool3x3(nn.Module):
    """``avg_pool_3x3``: 3x3 average, stride 1, padding 1, padding excluded from the mean."""

    def __init__(self):
        super().__init__()
        self.op = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class ResNetBasicblock(nn.Module):
    """The stride-2 reduction block between stages (official ``ResNetBasicblock``).

    ``conv_a`` ReLU-Conv3x3(stride 2)-BN, ``conv_b`` ReLU-Conv3x3-BN, shortcut
    AvgPool2d(2, 2) then Conv1x1 without bias; output is their sum (no final ReLU).
    Shapes: ``(B, c_in, H, W) -> (B, c_out, H/2, W/2)``; ``H``, ``W`` must be even.
    """

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride=2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, kernel_size=1, stride=1, padding=0, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))


def make_op(name: str, channels: int) -> nn.Module:
    """The module for op ``name`` on a ``channels``-wide edge (stride 1, width kept)."""
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3)
    if name == "avg_pool_3x3":
        return AvgPool3x3()
    raise OutOfSpaceError(f"op {name!r} is not one of {OPS}")
