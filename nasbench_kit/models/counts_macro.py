"""The network a :class:`~nasbench_kit.spaces.macro_arch.MacroArch` builds, without torch.

:func:`macro_plan` lists every block with its channels, kernel and stride;
:func:`nasbench_kit.models.macro.build_macro` builds exactly that plan, and
:func:`macro_param_count` counts its trainable parameters term by term (a test checks the
two agree). Hardware-aware searches can use the count as a free constraint.

>>> from nasbench_kit.spaces import MacroSpace
>>> arch = MacroSpace().parse("|".join(["d4-e6k7,e6k7,e6k7,e6k7"] * 5))
>>> macro_param_count(arch, num_classes=1000)  # the largest network of the default space
3974696
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import OutOfSpaceError
from ..spaces.macro import MacroArch, MacroSpace

__all__ = ["BlockSpec", "MacroPlan", "macro_plan", "macro_param_count", "make_divisible"]

_DEFAULT_SPACE = MacroSpace()  # built once: constructing a space costs ~0.1 ms


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a channel count to a multiple of ``divisor``, never below 90 % of ``value``.

    The rule of the TensorFlow MobileNet code, also used by torchvision and OFA.

    Example:
        >>> make_divisible(16 * 0.75), make_divisible(100)
        (16, 104)
    """
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


@dataclass(frozen=True)
class BlockSpec:
    """One inverted-residual block: 1x1 expand (skipped when ``expand_ratio`` is 1), kxk
    depthwise with ``stride``, 1x1 linear projection; a residual when stride 1 and
    ``in_channels == out_channels``."""

    in_channels: int
    mid_channels: int
    out_channels: int
    expand_ratio: int
    kernel_size: int
    stride: int

    @property
    def residual(self) -> bool:
        return self.stride == 1 and self.in_channels == self.out_channels

    @property
    def param_count(self) -> int:
        """Weights of the bias-free convs plus BatchNorm's scale and shift."""
        expand = self.in_channels * self.mid_channels + 2 * self.mid_channels if self.expand_ratio != 1 else 0
        depthwise = self.mid_channels * self.kernel_size**2 + 2 * self.mid_channels
        project = self.mid_channels * self.out_channels + 2 * self.out_channels
        return expand + depthwise + project


@dataclass(frozen=True)
class MacroPlan:
    """Channel plan of the network: stem, blocks (first fixed block included), head."""

    stem_channels: int
    blocks: tuple[BlockSpec, ...]
    head_channels: int


def macro_plan(arch: MacroArch, *, space: MacroSpace | None = None, width_mult: float = 1.0) -> MacroPlan:
    """The blocks ``arch`` builds, with channels scaled by ``width_mult``.

    Every width is ``make_divisible(width * width_mult)``; the head keeps at least its
    nominal width (``max(1, width_mult)``, as MobileNetV2). Expanded channels are
    ``make_divisible(round(in_channels * e))`` (OFA).

    Args:
        arch: a member of ``space``.
        space: the space of ``arch``; default ``MacroSpace()``.
        width_mult: channel multiplier (> 0).

    Raises:
        OutOfSpaceError: if ``arch`` is not a member or ``width_mult`` is not positive.

    Example:
        >>> plan = macro_plan(MacroSpace().parse("|".join(["d2-e3k3,e3k3"] * 5)))
        >>> len(plan.blocks), plan.blocks[1]
        (11, BlockSpec(in_channels=16, mid_channels=48, out_channels=24, expand_ratio=3, kernel_size=3, stride=2))
    """
    space = _DEFAULT_SPACE if space is None else space
    space.validate(arch)
    if isinstance(width_mult, bool) or not isinstance(width_mult, (int, float)) or not 0 < width_mult < 1e3:
        raise OutOfSpaceError(f"width_mult must be a positive number (below 1000), got {width_mult!r}")
    stem = make_divisible(space.stem_width * width_mult)
    channels = make_divisible(space.first_width * width_mult)
    blocks = [BlockSpec(stem, stem, channels, 1, 3, 1)]
    for stage, (depth, es, ks) in enumerate(zip(arch.depths, arch.expand_ratios, arch.kernel_sizes)):
        width = make_divisible(space.widths[stage] * width_mult)
        for j in range(depth):
            slot = j if space.per_block else 0
            e, k = es[slot], ks[slot]
            mid = make_divisible(round(channels * e)) if e != 1 else channels
            blocks.append(BlockSpec(channels, mid, width, e, k, space.strides[stage] if j == 0 else 1))
            channels = width
    return MacroPlan(stem, tuple(blocks), make_divisible(space.head_width * max(1.0, width_mult)))


def macro_param_count(
    arch: MacroArch,
    num_classes: int = 10,
    *,
    width_mult: float = 1.0,
    input_channels: int = 3,
    space: MacroSpace | None = None,
) -> int:
    """Trainable parameters of ``build_macro(arch, ...)``, computed without torch.

    Raises:
        OutOfSpaceError: for a non-member ``arch`` or non-positive sizes.

    Example:
        >>> arch = MacroSpace().parse("|".join(["d2-e3k3,e3k3"] * 5))
        >>> macro_param_count(arch, 10) < macro_param_count(arch, 100)
        True
    """
    for label, value in (("num_classes", num_classes), ("input_channels", input_channels)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise OutOfSpaceError(f"{label} must be a positive int, got {value!r}")
    plan = macro_plan(arch, space=space, width_mult=width_mult)
    stem = input_channels * plan.stem_channels * 9 + 2 * plan.stem_channels
    head = plan.blocks[-1].out_channels * plan.head_channels + 2 * plan.head_channels
    classifier = plan.head_channels * num_classes + num_classes
    return stem + sum(b.param_count for b in plan.blocks) + head + classifier
