"""Trainable-parameter count of the official NAS-Bench-201 network, without torch.

Mirrors :func:`nasbench_kit.models.nb201.build_nb201` term by term; a test checks the
two agree. The official tables report ``round(count / 1e6, 6)`` ("params" in MB).

>>> from nasbench_kit.spaces import Cell201
>>> nb201_param_count(Cell201(("nor_conv_3x3",) * 6))
1531546
"""

from __future__ import annotations

from ..errors import OutOfSpaceError
from ..spaces.nb201 import Cell201

__all__ = ["nb201_param_count", "check_network_size"]

# Conv kernel side of each parametric op; every other op (none, skip_connect,
# avg_pool_3x3) has no parameters when input and output widths match, as in every cell.
_KERNEL = {"nor_conv_1x1": 1, "nor_conv_3x3": 3}


def check_network_size(num_classes: object, C: object, N: object) -> None:
    """Raise ``OutOfSpaceError`` unless ``num_classes``, ``C`` and ``N`` are positive ints."""
    for name, value in (("num_classes", num_classes), ("C", C), ("N", N)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise OutOfSpaceError(f"{name} must be a positive int, got {value!r}")


def _bn(channels: int) -> int:
    return 2 * channels  # affine weight + bias; running stats are buffers, not parameters


def _cell(cell: Cell201, channels: int) -> int:
    return sum(_KERNEL[op] ** 2 * channels * channels + _bn(channels) for op in cell.ops if op in _KERNEL)


def _reduction(c_in: int, c_out: int) -> int:
    conv_a = 9 * c_in * c_out + _bn(c_out)  # ReLU-Conv3x3(stride 2)-BN
    conv_b = 9 * c_out * c_out + _bn(c_out)  # ReLU-Conv3x3-BN
    shortcut = c_in * c_out  # AvgPool2d(2) then Conv1x1 without bias
    return conv_a + conv_b + shortcut


def nb201_param_count(cell: Cell201, num_classes: int = 10, C: int = 16, N: int = 5) -> int:
    """Trainable parameters of the NAS-Bench-201 CIFAR network built around ``cell``.

    Args:
        cell: the cell repeated in every stage.
        num_classes: classifier outputs (10 CIFAR-10, 100 CIFAR-100, 120 ImageNet16-120).
        C: channels of the first stage (then ``2C``, ``4C``); 16 in the benchmark.
        N: cells per stage; 5 in the benchmark.

    Returns:
        The exact count, equal to ``count_params(build_nb201(cell, num_classes, C=C, N=N))``.

    Raises:
        OutOfSpaceError: if ``cell`` is not a ``Cell201`` or a size is not a positive int.

    Example:
        >>> cell = Cell201.from_string("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
        >>> round(nb201_param_count(cell) / 1e6, 6)
        0.073306
    """
    if not isinstance(cell, Cell201):
        raise OutOfSpaceError(f"expected a Cell201, got {type(cell).__name__} {cell!r}")
    check_network_size(num_classes, C, N)
    stem = 3 * 3 * 3 * C + _bn(C)
    cells = N * (_cell(cell, C) + _cell(cell, 2 * C) + _cell(cell, 4 * C))
    reductions = _reduction(C, 2 * C) + _reduction(2 * C, 4 * C)
    head = _bn(4 * C) + 4 * C * num_classes + num_classes
    return stem + cells + reductions + head
