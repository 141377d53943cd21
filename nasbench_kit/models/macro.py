"""The MobileNetV2-style network of a :class:`~nasbench_kit.spaces.macro_arch.MacroArch`.

Stem Conv3x3(stride 2)+BN+ReLU6; a fixed first block (``e=1``, ``k=3``); the searchable
stages of inverted-residual blocks (Sandler et al., "MobileNetV2: Inverted Residuals and
Linear Bottlenecks", CVPR 2018); Conv1x1 to the head width +BN+ReLU6; global average pool;
linear classifier. The channels are :func:`~nasbench_kit.models.counts_macro.macro_plan`.
Unlike OFA's MobileNetV3 there is no squeeze-and-excitation and no h-swish, and no dropout
(it has no parameters and would only make evaluation noisier in small experiments).

>>> import numpy as np, torch
>>> from nasbench_kit.spaces import MacroSpace
>>> arch = MacroSpace().sample(np.random.default_rng(0))
>>> net = build_macro(arch, num_classes=10)
>>> net(torch.zeros(2, 3, 32, 32)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import torch
from torch import nn

from ..spaces.macro import MacroArch, MacroSpace
from .counts_macro import BlockSpec, MacroPlan, macro_param_count, macro_plan

__all__ = ["InvertedResidual", "MacroNetwork", "build_macro", "macro_param_count"]


def _conv_bn(c_in: int, c_out: int, kernel_size: int, stride: int = 1, groups: int = 1, act: bool = True) -> list:
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, kernel_size, stride, kernel_size // 2, groups=groups, bias=False),
        nn.BatchNorm2d(c_out),
    ]
    return layers + [nn.ReLU6(inplace=True)] if act else layers


class InvertedResidual(nn.Module):
    """1x1 expand (absent when ``e == 1``) -> kxk depthwise (stride) -> 1x1 linear projection.

    ``(B, in, H, W) -> (B, out, ceil(H / stride), ceil(W / stride))``; adds the input
    when ``spec.residual`` (stride 1 and equal channels).
    """

    def __init__(self, spec: BlockSpec):
        super().__init__()
        self.spec = spec
        layers = _conv_bn(spec.in_channels, spec.mid_channels, 1) if spec.expand_ratio != 1 else []
        layers += _conv_bn(spec.mid_channels, spec.mid_channels, spec.kernel_size, spec.stride, spec.mid_channels)
        layers += _conv_bn(spec.mid_channels, spec.out_channels, 1, act=False)
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        return x + out if self.spec.residual else out


class MacroNetwork(nn.Module):
    """Stem, blocks, head, pool, classifier; ``(B, C_in, H, W) -> (B, num_classes)`` logits."""

    def __init__(self, arch: MacroArch, plan: MacroPlan, num_classes: int, input_channels: int):
        super().__init__()
        self.arch = arch
        self.stem = nn.Sequential(*_conv_bn(input_channels, plan.stem_channels, 3, stride=2))
        self.blocks = nn.Sequential(*(InvertedResidual(spec) for spec in plan.blocks))
        self.head = nn.Sequential(*_conv_bn(plan.blocks[-1].out_channels, plan.head_channels, 1))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(plan.head_channels, num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        # torchvision's MobileNetV2 initialisation.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.head(self.blocks(self.stem(x)))  # (B, head, H / 32, W / 32) for the default strides
        return self.classifier(torch.flatten(self.pool(x), 1))


def build_macro(
    arch: MacroArch,
    num_classes: int = 10,
    *,
    width_mult: float = 1.0,
    input_channels: int = 3,
    space: MacroSpace | None = None,
) -> MacroNetwork:
    """Build the network of ``arch``.

    Args:
        arch: a member of ``space``.
        num_classes: classifier outputs.
        width_mult: channel multiplier (MobileNet's width multiplier); 1.0 is the space's widths.
        input_channels: image channels.
        space: the space of ``arch``; default ``MacroSpace()``.

    Returns:
        A :class:`MacroNetwork` with exactly ``macro_param_count(arch, num_classes, ...)``
        trainable parameters. Any input of at least 1x1 pixels works (12x12, 32x32, 224x224).

    Raises:
        OutOfSpaceError: if ``arch`` is not in ``space`` or a size is not positive.

    Example:
        >>> from nasbench_kit.models import count_params
        >>> arch = MacroSpace().parse("|".join(["d2-e3k3,e3k3"] * 5))
        >>> count_params(build_macro(arch, 10)) == macro_param_count(arch, 10)
        True
    """
    # Validates everything (arch, sizes, width_mult) before any tensor is allocated.
    macro_param_count(arch, num_classes, width_mult=width_mult, input_channels=input_channels, space=space)
    plan = macro_plan(arch, space=space, width_mult=width_mult)
    return MacroNetwork(arch, plan, int(num_classes), int(input_channels))
