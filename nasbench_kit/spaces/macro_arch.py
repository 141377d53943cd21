"""The architecture value of the macro space, :class:`MacroArch`, and its text form.

An architecture of a :class:`~nasbench_kit.spaces.macro.MacroSpace` is a chain of
searchable stages: a depth per stage and, per block slot, an expansion ratio ``e`` and a
depthwise kernel size ``k``. This module holds the frozen value type and its string
format only; which values a particular space allows, how many slots it stores and which
of them are active is the space's business
(:meth:`MacroSpace.validate <nasbench_kit.spaces.macro.MacroSpace.validate>`).

String format (``str(arch)``, :meth:`MacroArch.from_string`): stages separated by ``|``,
each ``d<depth>-`` followed by comma-separated blocks ``e<expand>k<kernel>``, e.g.
``d2-e4k3,e6k5,e3k3,e3k3|d3-...``. ``str`` writes every slot; ``from_string`` reads the
text exactly as written, while :meth:`MacroSpace.parse
<nasbench_kit.spaces.macro.MacroSpace.parse>` also fills missing inactive slots.

>>> arch = MacroArch.from_string("d1-e6k7|d2-e3k3,e4k5")
>>> arch.depths, arch.kernel_sizes
((1, 2), ((7,), (3, 5)))
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from ..errors import OutOfSpaceError

__all__ = ["MacroArch"]

_NUMBER = r"([1-9][0-9]{0,5})"  # bounded: int() of a 5,000-digit string would raise
_STAGE_RE = re.compile(rf"d{_NUMBER}-(.*)", re.ASCII | re.DOTALL)
_BLOCK_RE = re.compile(rf"e{_NUMBER}k{_NUMBER}", re.ASCII)
_STAGE_FORM = "'d<depth>-e<expand>k<kernel>,...' (e.g. 'd3-e4k5,e6k3,e3k7')"


def _ints(values: object, what: str) -> tuple[int, ...]:
    """``values`` as a tuple of ints (numpy ints accepted, bools and floats not)."""
    if isinstance(values, (str, bytes)):
        raise OutOfSpaceError(f"{what} must be a sequence of ints, got {values!r}")
    try:
        items = tuple(values)  # type: ignore[arg-type]
        if any(isinstance(v, bool) for v in items):
            raise TypeError
        return tuple(operator.index(v) for v in items)
    except TypeError:
        raise OutOfSpaceError(f"{what} must be a sequence of ints, got {values!r}") from None


@dataclass(frozen=True)
class MacroArch:
    """One architecture of a :class:`~nasbench_kit.spaces.macro.MacroSpace`: depth per stage,
    ``(e, k)`` per block slot.

    Args:
        depths: number of blocks of each stage.
        expand_ratios: per stage, the expansion ratio of each block slot
            (``max(depths)`` slots per stage for a per-block space, 1 for a per-stage one).
        kernel_sizes: per stage, the depthwise kernel size of each slot (same shape).
            Lists are accepted and stored as tuples.

    Raises:
        OutOfSpaceError: if a value is not an int or the three fields disagree in shape.
            Membership of a particular space is checked by
            :meth:`MacroSpace.validate <nasbench_kit.spaces.macro.MacroSpace.validate>`.

    Example:
        >>> arch = MacroArch(depths=(2,), expand_ratios=((4, 6),), kernel_sizes=((3, 5),))
        >>> str(arch)
        'd2-e4k3,e6k5'
        >>> MacroArch.from_string("d2-e4k3,e6k5") == arch
        True
    """

    depths: tuple[int, ...]
    expand_ratios: tuple[tuple[int, ...], ...]
    kernel_sizes: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        depths = _ints(self.depths, "MacroArch.depths")
        nested = {}
        for field_name in ("expand_ratios", "kernel_sizes"):
            value = getattr(self, field_name)
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                raise OutOfSpaceError(f"MacroArch.{field_name} must be a sequence of int tuples, got {value!r}")
            nested[field_name] = tuple(_ints(s, f"MacroArch.{field_name}[{i}]") for i, s in enumerate(value))
        expand, kernel = nested["expand_ratios"], nested["kernel_sizes"]
        if not len(depths) == len(expand) == len(kernel) or not depths:
            raise OutOfSpaceError(
                f"MacroArch needs the same number (>= 1) of depths, expand_ratios and kernel_sizes "
                f"(one per stage), got {len(depths)}, {len(expand)} and {len(kernel)}"
            )
        for stage, (es, ks) in enumerate(zip(expand, kernel)):
            if len(es) != len(ks) or not es:
                raise OutOfSpaceError(
                    f"stage {stage}: {len(es)} expand_ratios but {len(ks)} kernel_sizes; "
                    f"each block slot needs one of each"
                )
        object.__setattr__(self, "depths", depths)
        object.__setattr__(self, "expand_ratios", expand)
        object.__setattr__(self, "kernel_sizes", kernel)

    @classmethod
    def _trusted(cls, depths: tuple, expand_ratios: tuple, kernel_sizes: tuple) -> MacroArch:
        """Skip normalization: for tuples of Python ints the space built itself."""
        arch = object.__new__(cls)
        object.__setattr__(arch, "depths", depths)
        object.__setattr__(arch, "expand_ratios", expand_ratios)
        object.__setattr__(arch, "kernel_sizes", kernel_sizes)
        return arch

    def __str__(self) -> str:
        return "|".join(
            f"d{d}-" + ",".join(f"e{e}k{k}" for e, k in zip(es, ks))
            for d, es, ks in zip(self.depths, self.expand_ratios, self.kernel_sizes)
        )

    def __repr__(self) -> str:
        return f"MacroArch.from_string({str(self)!r})"

    @classmethod
    def from_string(cls, text: str) -> MacroArch:
        """Parse the string format exactly as written (no space, no slot filling).

        Raises:
            OutOfSpaceError: naming the malformed stage or block and the expected form.

        Example:
            >>> MacroArch.from_string("d1-e6k7|d2-e3k3,e4k5").depths
            (1, 2)
        """
        depths, expand, kernel = [], [], []
        for depth, blocks in _split(text):
            depths.append(depth)
            expand.append(tuple(e for e, _ in blocks))
            kernel.append(tuple(k for _, k in blocks))
        return cls(tuple(depths), tuple(expand), tuple(kernel))


def _split(text: object) -> list[tuple[int, list[tuple[int, int]]]]:
    """``text`` -> ``[(depth, [(e, k), ...]), ...]`` per stage; syntax only."""
    if not isinstance(text, str):
        raise OutOfSpaceError(f"a macro architecture string must be a str, got {type(text).__name__} {text!r}")
    stages = []
    for stage, part in enumerate(text.strip().split("|")):
        match = _STAGE_RE.fullmatch(part)
        if match is None:
            raise OutOfSpaceError(f"stage {stage} {part!r} of {text!r} is not of the form {_STAGE_FORM}")
        blocks = []
        for block, token in enumerate(match.group(2).split(",")):
            bm = _BLOCK_RE.fullmatch(token)
            if bm is None:
                raise OutOfSpaceError(
                    f"stage {stage} block {block} {token!r} of {text!r} is not 'e<expand>k<kernel>' (e.g. 'e6k5')"
                )
            blocks.append((int(bm.group(1)), int(bm.group(2))))
        stages.append((int(match.group(1)), blocks))
    return stages
