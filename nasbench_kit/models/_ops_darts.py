"""The DARTS operations (official ``cnn/operations.py`` definitions) and the mixed-op candidates.

:func:`make_darts_op` builds one of the 8 :data:`~nasbench_kit.spaces.darts.PRIMITIVES`
as the official ``OPS`` table does: the evaluation network calls it with ``affine=True``,
the search network (supernet) with ``affine=False``. :func:`make_search_op` adds what the
official ``MixedOp`` adds: a non-affine BatchNorm after each pool. Module and attribute
names follow the official code (``op.1.weight``, ``conv_1``, ``bn``) so official state
dicts load.

Shapes: every op maps ``(B, C, H, W)`` to ``(B, C, H, W)`` at stride 1 and to
``(B, C, ceil(H / 2), ceil(W / 2))`` at stride 2 (``H`` and ``W`` even for
``skip_connect``, whose stride-2 form is a :class:`FactorizedReduce`).

>>> import torch
>>> make_darts_op("sep_conv_5x5", 8, 2, affine=True)(torch.zeros(2, 8, 8, 8)).shape
torch.Size([2, 8, 4, 4])
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import OutOfSpaceError
from ..spaces.darts_genotype import PRIMITIVES

__all__ = ["Zero", "ReLUConvBN", "DilConv", "SepConv", "FactorizedReduce", "make_darts_op", "make_search_op",
           "search_candidates", "drop_path"]


class Zero(nn.Module):
    """The ``none`` op: zeros shaped like the input, subsampled by ``stride`` (``x[..., ::s, ::s] * 0``)."""

    def __init__(self, stride: int):
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            return x.mul(0.0)
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)

    def extra_repr(self) -> str:
        return f"stride={self.stride}"


class ReLUConvBN(nn.Module):
    """ReLU -> Conv(k, no bias) -> BatchNorm: the cells' 1x1 preprocessing."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int, stride: int, padding: int, affine: bool = True):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel_size, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class DilConv(nn.Module):
    """ReLU -> dilated depthwise kxk conv (stride) -> pointwise 1x1 conv -> BatchNorm (``dil_conv_kxk``)."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int, stride: int, padding: int, dilation: int,
                 affine: bool = True):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, kernel_size, stride=stride, padding=padding, dilation=dilation, groups=c_in,
                      bias=False),
            nn.Conv2d(c_in, c_out, kernel_size=1, padding=0, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class SepConv(nn.Module):
    """Two stacked separable blocks, ReLU -> depthwise kxk -> pointwise 1x1 -> BatchNorm each
    (``sep_conv_kxk``); only the first depthwise conv has the stride."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int, stride: int, padding: int, affine: bool = True):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, kernel_size, stride=stride, padding=padding, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_in, kernel_size=1, padding=0, bias=False),
            nn.BatchNorm2d(c_in, affine=affine),
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, kernel_size, stride=1, padding=padding, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_out, kernel_size=1, padding=0, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class FactorizedReduce(nn.Module):
    """Stride-2 reduction: ReLU, two 1x1 stride-2 convs (the second on the input shifted by one
    pixel) each giving ``c_out / 2`` channels, concatenated, BatchNorm.

    ``(B, c_in, H, W) -> (B, c_out, H / 2, W / 2)``; ``H`` and ``W`` must be even.

    Raises:
        OutOfSpaceError: if ``c_out`` is odd.
    """

    def __init__(self, c_in: int, c_out: int, affine: bool = True):
        super().__init__()
        if c_out % 2:
            raise OutOfSpaceError(f"FactorizedReduce needs an even number of output channels, got {c_out}")
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, padding=0, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def _check_op_args(name: object, C: object, stride: object) -> None:
    if not isinstance(name, str) or name not in PRIMITIVES:
        raise OutOfSpaceError(f"op {name!r} is not one of the DARTS primitives {PRIMITIVES}")
    if isinstance(C, bool) or not isinstance(C, int) or C < 1:
        raise OutOfSpaceError(f"C (channels) must be a positive int, got {C!r}")
    if stride not in (1, 2) or isinstance(stride, bool):
        raise OutOfSpaceError(f"stride must be 1 or 2, got {stride!r}")


def make_darts_op(name: str, C: int, stride: int, affine: bool) -> nn.Module:
    """The module for primitive ``name`` on ``C`` channels (the official ``OPS[name](C, stride, affine)``).

    ``none``: :class:`Zero`; ``max_pool_3x3`` / ``avg_pool_3x3``: 3x3 pool, padding 1 (the
    average excludes the padding), no BatchNorm; ``skip_connect``: identity at stride 1,
    :class:`FactorizedReduce` at stride 2; ``sep_conv_3x3`` / ``5x5``: :class:`SepConv`
    (padding 1 / 2); ``dil_conv_3x3`` / ``5x5``: :class:`DilConv` with dilation 2
    (padding 2 / 4).

    Args:
        name: one of :data:`~nasbench_kit.spaces.darts.PRIMITIVES`.
        C: input and output channels.
        stride: 1 or 2.
        affine: learnable BatchNorm scale and shift (``True`` in the evaluation network,
            ``False`` in the search network).

    Raises:
        OutOfSpaceError: for an unknown op name, a bad ``C`` or ``stride``, or an odd ``C``
            for a stride-2 ``skip_connect``.

    Example:
        >>> sum(p.numel() for p in make_darts_op("dil_conv_3x3", 16, 1, affine=True).parameters())
        432
    """
    _check_op_args(name, C, stride)
    if name == "none":
        return Zero(stride)
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride=stride, padding=1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(C, C, affine=affine)
    kernel = int(name[-1])  # "..._3x3" / "..._5x5"
    if name.startswith("sep_conv"):
        return SepConv(C, C, kernel, stride, kernel // 2, affine=affine)
    return DilConv(C, C, kernel, stride, 2 * (kernel // 2), 2, affine=affine)


def make_search_op(name: str, C: int, stride: int) -> nn.Module:
    """One candidate of the supernet's mixed op (official ``MixedOp``): :func:`make_darts_op`
    with ``affine=False``, pools followed by ``BatchNorm2d(C, affine=False)``.

    Example:
        >>> pool = make_search_op("avg_pool_3x3", 4, 1)
        >>> type(pool[1]).__name__, pool[1].affine
        ('BatchNorm2d', False)
    """
    op = make_darts_op(name, C, stride, affine=False)
    if "pool" in name:
        return nn.Sequential(op, nn.BatchNorm2d(C, affine=False))
    return op


def search_candidates(C: int, stride: int) -> nn.ModuleList:
    """The 8 :func:`make_search_op` candidates of one mixed-op edge, in ``PRIMITIVES`` order.

    A mixed op outputs ``sum(w_k * candidates[k](x))`` for the softmax weights ``w`` of its
    edge's architecture parameters.
    """
    return nn.ModuleList(make_search_op(name, C, stride) for name in PRIMITIVES)


def drop_path(x: torch.Tensor, drop_prob: float) -> torch.Tensor:
    """Zero each sample's ``x`` with probability ``drop_prob`` and rescale the rest by
    ``1 / (1 - drop_prob)`` (official ``utils.drop_path``, out of place; torch's RNG)."""
    if drop_prob <= 0.0:
        return x
    keep = 1.0 - drop_prob
    mask = torch.empty(x.shape[0], 1, 1, 1, dtype=x.dtype, device=x.device).bernoulli_(keep)
    return x / keep * mask
