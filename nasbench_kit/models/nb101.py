"""The official NAS-Bench-101 CIFAR-10 network in PyTorch.

Re-implements the topology of ``nasbench/lib/model_builder.py`` (Ying et al., 2019):

* stem: 3x3 conv (128 channels, no bias) + batch norm + ReLU;
* ``num_stacks`` stacks of ``num_modules_per_stack`` cells; before every stack but the
  first a 2x2 max-pool (stride 2) halves the resolution and the channel count doubles;
* inside a cell (the pruned graph): channels are split over the vertices feeding the
  output (:func:`vertex_channels`); the input reaches a vertex through a 1x1 conv-BN-ReLU
  projection, other vertices through their first ``c`` channels ("truncation"); inputs of
  a vertex are summed; the output concatenates its interior inputs and adds the projected
  input if the input is wired to it directly;
* global average pool and a dense layer with bias.

Convolutions have no bias (batch norm follows) and batch norm has a scale and a shift, as
TensorFlow's ``tf.layers.batch_normalization`` defaults; so :func:`count_nb101_params` and
``count_params(build_nb101(cell))`` equal the official ``trainable_parameters``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from ..errors import OutOfSpaceError
from ..spaces.nb101 import CONV1X1, CONV3X3, MAXPOOL3X3, Cell101, NB101Space

__all__ = ["build_nb101", "count_nb101_params", "vertex_channels", "NB101Network"]

# Official batch-norm settings (base_ops.py): TF momentum 0.997 is PyTorch momentum 0.003.
_BN_MOMENTUM = 1.0 - 0.997
_BN_EPS = 1e-5
_IMAGE_CHANNELS = 3


def vertex_channels(in_channels: int, out_channels: int, matrix: Sequence[Sequence[int]]) -> list[int]:
    """Channels of every vertex of a pruned cell (official ``compute_vertex_channels``).

    The output's channels are split evenly over the interior vertices wired to it (the
    first ``out_channels % k`` of them get one extra); every other interior vertex gets
    the largest channel count among its interior successors.

    Args:
        in_channels: channels of the cell input.
        out_channels: channels of the cell output.
        matrix: pruned adjacency matrix.

    Returns:
        One channel count per vertex (input first, output last).

    Example:
        >>> vertex_channels(128, 128, [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]])
        [128, 64, 64, 128]
    """
    n = len(matrix)
    channels = [0] * n
    channels[0], channels[n - 1] = in_channels, out_channels
    if n == 2:
        return channels
    feeding_output = [v for v in range(1, n - 1) if matrix[v][n - 1]]
    share, extra = divmod(out_channels, len(feeding_output))
    for rank, v in enumerate(feeding_output):
        channels[v] = share + (1 if rank < extra else 0)
    # Backwards, so every successor is settled before its predecessor is.
    for v in range(n - 3, 0, -1):
        if not matrix[v][n - 1]:
            channels[v] = max(channels[w] for w in range(v + 1, n - 1) if matrix[v][w])
    return channels


def _conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
    # tf.variance_scaling_initializer(): fan-in, scale 1, truncated normal; the 0.8796
    # corrects the standard deviation lost by truncating at two standard deviations.
    fan_in = in_channels * kernel_size * kernel_size
    nn.init.trunc_normal_(conv.weight, std=math.sqrt(1.0 / fan_in) / 0.87962566103423978, a=-2.0, b=2.0)
    bn = nn.BatchNorm2d(out_channels, eps=_BN_EPS, momentum=_BN_MOMENTUM)
    return nn.Sequential(conv, bn, nn.ReLU(inplace=False))


class _Cell(nn.Module):
    """One NAS-Bench-101 module built from a pruned cell; (B, C_in, H, W) -> (B, C_out, H, W)."""

    def __init__(self, matrix: Sequence[Sequence[int]], ops: Sequence[str], in_channels: int, out_channels: int):
        super().__init__()
        self.matrix = [list(row) for row in matrix]
        n = len(self.matrix)
        self.channels = vertex_channels(in_channels, out_channels, self.matrix)
        self.projections = nn.ModuleDict()
        self.vertex_ops = nn.ModuleDict()
        for t in range(1, n - 1):
            if self.matrix[0][t]:
                self.projections[str(t)] = _conv_bn_relu(in_channels, self.channels[t], 1)
            if ops[t] == CONV3X3:
                self.vertex_ops[str(t)] = _conv_bn_relu(self.channels[t], self.channels[t], 3)
            elif ops[t] == CONV1X1:
                self.vertex_ops[str(t)] = _conv_bn_relu(self.channels[t], self.channels[t], 1)
            elif ops[t] == MAXPOOL3X3:
                self.vertex_ops[str(t)] = nn.MaxPool2d(3, stride=1, padding=1)
        if self.matrix[0][n - 1]:
            self.projections[str(n - 1)] = _conv_bn_relu(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = len(self.matrix)
        values: list[torch.Tensor] = [x]
        concat: list[torch.Tensor] = []
        for t in range(1, n - 1):
            width = self.channels[t]
            # Interior inputs keep their first `width` channels (they have at least that many).
            summands = [values[s][:, :width] for s in range(1, t) if self.matrix[s][t]]
            if self.matrix[0][t]:
                summands.append(self.projections[str(t)](x))
            total = summands[0]
            for extra in summands[1:]:
                total = total + extra
            values.append(self.vertex_ops[str(t)](total))
            if self.matrix[t][n - 1]:
                concat.append(values[t])
        if not concat:
            return self.projections[str(n - 1)](x)
        out = concat[0] if len(concat) == 1 else torch.cat(concat, dim=1)
        if self.matrix[0][n - 1]:
            out = out + self.projections[str(n - 1)](x)
        return out


class NB101Network(nn.Module):
    """The NAS-Bench-101 network for 32x32 images; (B, 3, H, W) -> logits (B, num_classes)."""

    def __init__(self, matrix, ops, num_classes: int, stem_channels: int, num_stacks: int, num_modules_per_stack: int):
        super().__init__()
        self.stem = _conv_bn_relu(_IMAGE_CHANNELS, stem_channels, 3)
        layers: list[nn.Module] = []
        in_channels = channels = stem_channels
        for stack in range(num_stacks):
            if stack > 0:
                # TF 'same' 2x2 pooling == ceil_mode for odd sizes (padding only at the end).
                layers.append(nn.MaxPool2d(2, stride=2, ceil_mode=True))
                channels *= 2
            for _ in range(num_modules_per_stack):
                layers.append(_Cell(matrix, ops, in_channels, channels))
                in_channels = channels
        self.cells = nn.Sequential(*layers)
        self.classifier = nn.Linear(in_channels, num_classes)
        # tf.layers.dense defaults: Glorot-uniform kernel, zero bias.
        nn.init.xavier_uniform_(self.classifier.weight)
        nn.init.zeros_(self.classifier.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.cells(self.stem(x))
        return self.classifier(features.mean(dim=(2, 3)))


def _check_sizes(num_classes: int, stem_channels: int, num_stacks: int, num_modules_per_stack: int) -> None:
    for name, value in (("num_classes", num_classes), ("stem_channels", stem_channels),
                        ("num_stacks", num_stacks), ("num_modules_per_stack", num_modules_per_stack)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise OutOfSpaceError(f"{name} must be a positive int, got {value!r}")


def build_nb101(
    cell: Cell101,
    num_classes: int = 10,
    *,
    stem_channels: int = 128,
    num_stacks: int = 3,
    num_modules_per_stack: int = 3,
) -> NB101Network:
    """Build the official NAS-Bench-101 network of ``cell`` (pruned first).

    Args:
        cell: a member of :class:`~nasbench_kit.spaces.NB101Space`.
        num_classes: size of the dense output (10 for CIFAR-10).
        stem_channels: channels of the stem conv and the first stack (official 128).
        num_stacks: stacks of cells, separated by 2x2 max-pooling (official 3).
        num_modules_per_stack: cells per stack (official 3).

    Returns:
        The network, taking ``(batch, 3, H, W)`` images.

    Raises:
        OutOfSpaceError: ``cell`` is not in the space, or a size is not a positive int.

    Example:
        >>> from nasbench_kit.models.measure import count_params
        >>> cell = NB101Space().parse("0100|input,output")
        >>> count_params(build_nb101(cell)) == count_nb101_params(cell)
        True
    """
    _check_sizes(num_classes, stem_channels, num_stacks, num_modules_per_stack)
    pruned = NB101Space().prune(cell)
    return NB101Network(pruned.matrix, pruned.ops, num_classes, stem_channels, num_stacks, num_modules_per_stack)


def count_nb101_params(
    cell: Cell101,
    num_classes: int = 10,
    *,
    stem_channels: int = 128,
    num_stacks: int = 3,
    num_modules_per_stack: int = 3,
) -> int:
    """Trainable parameters of ``build_nb101(cell, ...)``, computed without building it.

    Args and Raises as :func:`build_nb101`.

    Returns:
        The count (the official data's ``trainable_parameters`` at the default sizes).

    Example:
        >>> count_nb101_params(NB101Space().parse("0100|input,output"))  # stem, 9 projections, dense
        882570
    """
    _check_sizes(num_classes, stem_channels, num_stacks, num_modules_per_stack)
    pruned = NB101Space().prune(cell)
    matrix, ops = pruned.matrix, pruned.ops
    n = len(matrix)

    def conv_bn(c_in: int, c_out: int, k: int) -> int:
        return c_in * c_out * k * k + 2 * c_out  # kernel + BN scale and shift

    total = conv_bn(_IMAGE_CHANNELS, stem_channels, 3)
    in_channels = channels = stem_channels
    for stack in range(num_stacks):
        if stack > 0:
            channels *= 2
        for _ in range(num_modules_per_stack):
            widths = vertex_channels(in_channels, channels, matrix)
            for t in range(1, n - 1):
                if matrix[0][t]:
                    total += conv_bn(in_channels, widths[t], 1)
                if ops[t] in (CONV3X3, CONV1X1):
                    total += conv_bn(widths[t], widths[t], 3 if ops[t] == CONV3X3 else 1)
            if matrix[0][n - 1]:
                total += conv_bn(in_channels, channels, 1)
            in_channels = channels
    return total + in_channels * num_classes + num_classes
