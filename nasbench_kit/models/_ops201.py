"""The NAS-Bench-201 operations and residual reduction block (official definitions).

Module and attribute names follow AutoDL-Projects ``cell_operations.py`` so that official
state dicts load (``conv_a.op.1.weight``, ``downsample.1.weight``, ...).
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import OutOfSpaceError
from ..spaces.nb201 import OPS

__all__ = ["Zero", "ReLUConvBN", "AvgPool3x3", "ResNetBasicblock", "make_op", "use_fast_avg_pool"]


class Zero(nn.Module):
    """The ``none`` op: outputs zeros shaped like the input (``x * 0``, as officially)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


class ReLUConvBN(nn.Module):
    """ReLU -> Conv(k, no bias) -> BatchNorm: ``nor_conv_kxk`` and the block convs.

    The benchmark networks use an affine batch norm with running statistics; a
    weight-sharing supernet passes ``affine=False, track_running_stats=False`` (batch
    statistics also at evaluation, as the NAS-Bench-201 paper's one-shot baselines do).
    """

    def __init__(self, c_in: int, c_out: int, kernel_size: int, stride: int = 1, *, affine: bool = True,
                 track_running_stats: bool = True):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel_size, stride=stride, padding=kernel_size // 2, bias=False),
            nn.BatchNorm2d(c_out, affine=affine, track_running_stats=track_running_stats),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class AvgPool3x3(nn.Module):
    """``avg_pool_3x3``: 3x3 average, stride 1, padding 1, padding excluded from the mean.

    With ``fast=True`` the same average is computed as a fixed all-ones depthwise 3x3
    convolution divided by the count of in-image pixels under each window. Outputs agree
    with ``nn.AvgPool2d`` to float rounding (~1e-7) and forward+backward is 2-4x faster on
    CPU at benchmark sizes (``bench/profile_train_step.py``). No parameters or buffers
    either way, so state dicts are unchanged. Switch a built network with
    :func:`use_fast_avg_pool`.
    """

    def __init__(self, fast: bool = False):
        super().__init__()
        self.op = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.fast = fast

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.fast:
            return self.op(x)
        channels, height, width = x.shape[1], x.shape[2], x.shape[3]
        ones = x.new_ones(channels, 1, 3, 3)
        # in-image pixels under each 3x3 window: 9 inside, 6 on edges, 4 at corners; (1, 1, H, W)
        counts = torch.nn.functional.conv2d(x.new_ones(1, 1, height, width), ones[:1], padding=1)
        return torch.nn.functional.conv2d(x, ones, padding=1, groups=channels) / counts

    def extra_repr(self) -> str:
        return "fast=True" if self.fast else ""


def use_fast_avg_pool(model: nn.Module, fast: bool = True) -> nn.Module:
    """Set every :class:`AvgPool3x3` in ``model`` to the fast (``True``) or reference path.

    Returns ``model`` (changed in place) for chaining, e.g.
    ``use_fast_avg_pool(build_nb201(cell, C=8, N=1))``.
    """
    for module in model.modules():
        if isinstance(module, AvgPool3x3):
            module.fast = bool(fast)
    return model


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


def make_op(name: str, channels: int, *, affine: bool = True, track_running_stats: bool = True) -> nn.Module:
    """The module for op ``name`` on a ``channels``-wide edge (stride 1, width kept); the
    keywords set the batch norms of the convolutions (see :class:`ReLUConvBN`)."""
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name in ("nor_conv_1x1", "nor_conv_3x3"):
        return ReLUConvBN(channels, channels, 1 if name == "nor_conv_1x1" else 3, affine=affine,
                          track_running_stats=track_running_stats)
    if name == "avg_pool_3x3":
        return AvgPool3x3()
    raise OutOfSpaceError(f"op {name!r} is not one of {OPS}")
