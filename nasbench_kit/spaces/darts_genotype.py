"""The genotype value of the DARTS space, :class:`DartsGenotype`, and its text form.

A genotype is a **normal** cell and a **reduction** cell. Each cell has two input nodes
(0 and 1: the outputs of the previous two cells) and four intermediate nodes 2..5. Node
``j`` sums two ``(op, input)`` pairs whose inputs are *distinct* earlier nodes
``0..j-1``; the cell output concatenates nodes 2, 3, 4 and 5. The 8 pairs of a cell are
stored node by node (pairs 0-1 feed node 2, pairs 2-3 node 3, ...), each node's two pairs
in the order given, exactly like the genotypes of the official code (quark0/darts
``cnn/genotypes.py``). Which genotypes compute the same function, sampling, variation and
encodings are the space's business (:class:`~nasbench_kit.spaces.darts.DartsSpace`).

Operations. The supernet's mixed op chooses among the 8 :data:`PRIMITIVES` (``none``
included). A derived genotype never holds ``none`` (the official derivation skips it
when it picks each node's two strongest inputs), so genotypes use the 7 :data:`OPS`;
``none`` in a genotype is refused with a message saying so.

String format (``str(genotype)``, :meth:`DartsGenotype.from_string`): the ``repr`` of the
official ``Genotype`` namedtuple, e.g.
``Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], reduce=[...],
reduce_concat=[2, 3, 4, 5])``. Parsing also accepts the other ways the official code
writes a genotype: a leading assignment (``DARTS_V2 = Genotype(...)``), any whitespace
and line breaks, trailing commas, double quotes, fields in any order, tuples for lists and
``range(2, 6)`` for the concatenated nodes (what ``model_search.py`` prints). The
concatenated nodes must be ``2, 3, 4, 5``.

>>> text = str(DARTS_V2)
>>> text[:60]
"Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ("
>>> DartsGenotype.from_string("DARTS_V2 = " + text) == DARTS_V2
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import OutOfSpaceError

__all__ = ["PRIMITIVES", "OPS", "NODES", "CONCAT", "CELLS", "NUM_OPS", "PAIRS_PER_CELL", "NUM_GENOTYPES",
           "DARTS_V1", "DARTS_V2", "DartsGenotype", "Pair", "swap_inputs"]

#: Candidate operations of the supernet's mixed op, in the official order (``none`` first).
PRIMITIVES: tuple[str, ...] = ("none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
                               "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
#: Operations a genotype may use: :data:`PRIMITIVES` without ``none``, same order.
OPS: tuple[str, ...] = PRIMITIVES[1:]
#: The intermediate nodes of a cell; node ``j`` reads two of the nodes ``0 .. j-1``.
NODES: tuple[int, ...] = (2, 3, 4, 5)
#: The nodes whose outputs the cell concatenates (always all intermediate nodes).
CONCAT: tuple[int, ...] = NODES
#: The two cells of a genotype, in string and encoding order.
CELLS: tuple[str, ...] = ("normal", "reduce")

#: Number of :data:`OPS`.
NUM_OPS = len(OPS)
#: ``(op, input)`` pairs per cell, two per intermediate node.
PAIRS_PER_CELL = 2 * len(NODES)
_PAIRS = PAIRS_PER_CELL
_OP_INDEX = {op: i for i, op in enumerate(OPS)}
#: Number of genotype values, ``(2,880 * 7**8) ** 2``: per node ``j`` an ordered pair of distinct
#: inputs (``j (j - 1)`` choices) and two ops, in both cells.
NUM_GENOTYPES: int = (math.prod(j * (j - 1) for j in NODES) * NUM_OPS**_PAIRS) ** 2

Pair = tuple[str, int]


def _cell_pairs(value: object, cell: str) -> tuple[Pair, ...]:
    """``value`` as 8 checked ``(op, input)`` pairs of a cell; raises naming the bad pair."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        raise OutOfSpaceError(f"DartsGenotype.{cell} must be a list of {_PAIRS} (op, input) pairs, got "
                              f"{type(value).__name__} {value!r:.120}; parse genotype strings with DartsSpace().parse")
    if len(value) != _PAIRS:
        raise OutOfSpaceError(f"the {cell} cell has {len(value)} (op, input) pairs; a DARTS cell has exactly "
                              f"{_PAIRS}, two for each of the nodes {NODES}")
    pairs = []
    for k, pair in enumerate(value):
        node = NODES[k // 2]
        where = f"{cell} pair {k} (node {node})"
        if isinstance(pair, (str, bytes)) or not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise OutOfSpaceError(f"{where} is {pair!r:.80}; expected an (op, input) pair such as ('sep_conv_3x3', 0)")
        op, source = pair
        if not isinstance(op, str) or op not in _OP_INDEX:
            hint = (" ('none' is a supernet primitive; DARTS never derives it into a genotype)" if op == "none" else "")
            raise OutOfSpaceError(f"op {op!r} of {where} is not one of {OPS}{hint}")
        if isinstance(source, bool) or not isinstance(source, (int, np.integer)) or not 0 <= source < node:
            raise OutOfSpaceError(f"input {source!r} of {where} is not allowed: node {node} reads one of the "
                                  f"earlier nodes 0..{node - 1}")
        pairs.append((op, int(source)))
    for node, (first, second) in zip(NODES, zip(pairs[::2], pairs[1::2])):
        if first[1] == second[1]:
            raise OutOfSpaceError(f"both inputs of {cell} node {node} are node {first[1]}; the two inputs of a node "
                                  f"must be distinct nodes among 0..{node - 1}")
    return tuple(pairs)


@dataclass(frozen=True)
class DartsGenotype:
    """One DARTS genotype: the 8 ``(op, input)`` pairs of the normal and of the reduction cell.

    Args:
        normal: the normal cell, pairs node by node (pairs ``2k`` and ``2k + 1`` feed node
            ``k + 2``); ops from :data:`OPS`, inputs distinct per node and earlier than it.
        reduce: the reduction cell, same layout. Lists are accepted and stored as tuples.

    Raises:
        OutOfSpaceError: naming the cell, pair and node of a bad op or input.

    Example:
        >>> g = DartsGenotype(normal=[("sep_conv_3x3", 0), ("skip_connect", 1)] * 4,
        ...                   reduce=[("max_pool_3x3", 0), ("max_pool_3x3", 1)] * 4)
        >>> g.normal[1], g.normal_concat
        (('skip_connect', 1), (2, 3, 4, 5))
        >>> DartsGenotype.from_string(str(g)) == g
        True
    """

    normal: tuple[Pair, ...]
    reduce: tuple[Pair, ...]
    # (input, op index) of every pair, normal cell first: what the space computes with.
    codes: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        normal = _cell_pairs(self.normal, "normal")
        reduce = _cell_pairs(self.reduce, "reduce")
        object.__setattr__(self, "normal", normal)
        object.__setattr__(self, "reduce", reduce)
        object.__setattr__(self, "codes", tuple(v for op, i in normal + reduce for v in (i, _OP_INDEX[op])))

    @classmethod
    def _from_codes(cls, codes: Sequence[int]) -> DartsGenotype:
        """The genotype of already-valid codes (no checks: callers guarantee membership)."""
        codes = tuple(int(c) for c in codes)
        pairs = tuple((OPS[codes[k + 1]], codes[k]) for k in range(0, len(codes), 2))
        arch = object.__new__(cls)
        object.__setattr__(arch, "normal", pairs[:_PAIRS])
        object.__setattr__(arch, "reduce", pairs[_PAIRS:])
        object.__setattr__(arch, "codes", codes)
        return arch

    @property
    def normal_concat(self) -> tuple[int, ...]:
        """Nodes concatenated into the normal cell's output: always ``(2, 3, 4, 5)``."""
        return CONCAT

    @property
    def reduce_concat(self) -> tuple[int, ...]:
        """Nodes concatenated into the reduction cell's output: always ``(2, 3, 4, 5)``."""
        return CONCAT

    def __str__(self) -> str:
        def cell(pairs: tuple[Pair, ...]) -> str:
            return "[" + ", ".join(f"('{op}', {source})" for op, source in pairs) + "]"

        concat = "[" + ", ".join(map(str, CONCAT)) + "]"
        return (f"Genotype(normal={cell(self.normal)}, normal_concat={concat}, "
                f"reduce={cell(self.reduce)}, reduce_concat={concat})")

    @classmethod
    def from_string(cls, text: str) -> DartsGenotype:
        """Parse a genotype string (module docstring: ``str`` output and official spellings).

        Raises:
            OutOfSpaceError: naming the bad token, its position and what was expected there,
                or the bad op / input and what is allowed.

        Example:
            >>> DartsGenotype.from_string(str(DARTS_V2)).reduce[2]
            ('skip_connect', 2)
        """
        if not isinstance(text, str):
            raise OutOfSpaceError(f"a genotype string must be a str, got {type(text).__name__} {text!r:.80}")
        return _Parser(text).genotype()


DARTS_V1 = DartsGenotype(
    normal=(("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("skip_connect", 0), ("sep_conv_3x3", 1),
            ("skip_connect", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("skip_connect", 2)),
    reduce=(("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2), ("max_pool_3x3", 0),
            ("max_pool_3x3", 0), ("skip_connect", 2), ("skip_connect", 2), ("avg_pool_3x3", 0)),
)
"""The first-order DARTS cell of the paper (official ``genotypes.DARTS_V1``)."""

DARTS_V2 = DartsGenotype(
    normal=(("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
            ("sep_conv_3x3", 1), ("skip_connect", 0), ("skip_connect", 0), ("dil_conv_3x3", 2)),
    reduce=(("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2), ("max_pool_3x3", 1),
            ("max_pool_3x3", 0), ("skip_connect", 2), ("skip_connect", 2), ("max_pool_3x3", 1)),
)
"""The second-order DARTS cell of the paper, 2.76 % CIFAR-10 error (official ``genotypes.DARTS_V2``)."""


def swap_inputs(arch: DartsGenotype, cell: str, node: int) -> DartsGenotype:
    """``arch`` with the two pairs of ``node`` of ``cell`` (``"normal"``/``"reduce"``) swapped.

    The node sums its two inputs, so the result computes the same function (equal
    :meth:`DartsSpace.canonical`).

    Raises:
        OutOfSpaceError: for an unknown cell or a node outside :data:`NODES`.

    Example:
        >>> swap_inputs(DARTS_V2, "normal", 2).normal[:2]
        (('sep_conv_3x3', 1), ('sep_conv_3x3', 0))
    """
    if cell not in CELLS or node not in NODES:
        raise OutOfSpaceError(f"swap_inputs needs a cell in {CELLS} and a node in {NODES}, got {cell!r}, {node!r}")
    pairs = list(getattr(arch, cell))
    k = 2 * (node - NODES[0])
    pairs[k], pairs[k + 1] = pairs[k + 1], pairs[k]
    return DartsGenotype(**{**{c: getattr(arch, c) for c in CELLS}, cell: pairs})


# --- string parsing ---------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\s*(?:([A-Za-z_]\w*)|(\d{1,6})|'([^'\\\n]*)'|\"([^\"\\\n]*)\"|([()\[\],=]))", re.ASCII)
_FIELDS = ("normal", "normal_concat", "reduce", "reduce_concat")
_FORM = "Genotype(normal=[(op, input), ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])"


class _Parser:
    """Recursive-descent reader of one genotype expression (tokens: names, ints, quoted ops, ``()[],=``)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, object, int]] = []  # (kind, value, position)
        pos, end = 0, len(text.rstrip())
        while pos < end:
            match = _TOKEN_RE.match(text, pos)
            if match is None:
                at = len(text) - len(text[pos:].lstrip())
                raise self._error(at, f"unexpected character {text[at]!r}",
                                  "a name, an int, a quoted op or one of ()[],=")
            name, number, single, double, punct = match.groups()
            start = match.end() - len(match.group(0).lstrip())
            if name is not None:
                self.tokens.append(("name", name, start))
            elif number is not None:
                self.tokens.append(("int", int(number), start))
            elif punct is not None:
                self.tokens.append((punct, punct, start))
            else:
                self.tokens.append(("str", single if single is not None else double, start))
            pos = match.end()
        self.index = 0

    def _error(self, pos: int, found: str, expected: str) -> OutOfSpaceError:
        return OutOfSpaceError(f"{found} at position {pos} of the genotype string; expected {expected} "
                               f"(format: {_FORM}; ops: {OPS})")

    def _next(self, kind: str, expected: str) -> object:
        if self.index >= len(self.tokens):
            raise self._error(len(self.text), "end of text", expected)
        got_kind, value, pos = self.tokens[self.index]
        if got_kind != kind:
            raise self._error(pos, f"token {value!r}", expected)
        self.index += 1
        return value

    def _peek(self, offset: int = 0) -> str | None:
        i = self.index + offset
        return self.tokens[i][0] if i < len(self.tokens) else None

    def _sequence(self, item, what: str) -> list:
        """``[a, b, ...]`` or ``(a, b, ...)`` with an optional trailing comma."""
        opener = self._peek()
        if opener not in ("[", "("):
            self._next("[", f"'[' opening {what}")
        self.index += 1
        closer = "]" if opener == "[" else ")"
        items = []
        while self._peek() != closer:
            items.append(item())
            if self._peek() != closer:
                self._next(",", f"',' or {closer!r} in {what}")
        self.index += 1
        return items

    def _pair(self) -> Pair:
        opener = self._peek()
        if opener not in ("(", "["):
            self._next("(", "'(' opening an (op, input) pair")
        self.index += 1
        op = self._next("str", "a quoted op name")
        self._next(",", "',' between op and input")
        source = self._next("int", "the input node (an int)")
        if self._peek() == ",":
            self.index += 1
        self._next(")" if opener == "(" else "]", f"{')' if opener == '(' else ']'!r} closing the pair")
        return (op, source)  # type: ignore[return-value]

    def _concat(self, name: str) -> list[int]:
        if self._peek() == "name" and self.tokens[self.index][1] == "range":
            self.index += 1
            self._next("(", "'(' after range")
            start = self._next("int", "the first node of range(...)")
            self._next(",", "',' in range(...)")
            stop = self._next("int", "the end of range(...)")
            self._next(")", "')' closing range(...)")
            return list(range(start, stop))  # type: ignore[arg-type]
        return self._sequence(lambda: self._next("int", f"a node number in {name}"), name)

    def genotype(self) -> DartsGenotype:
        if self._peek() == "name" and self._peek(1) == "=":  # e.g. "DARTS_V2 = Genotype(...)"
            self.index += 2
        if self._peek() != "name" or self.tokens[self.index][1] != "Genotype":
            self._next("Genotype", "'Genotype('")
        self.index += 1
        self._next("(", "'(' after Genotype")
        values: dict[str, object] = {}
        while self._peek() != ")":
            pos = self.tokens[self.index][2] if self.index < len(self.tokens) else len(self.text)
            name = self._next("name", f"a field name, one of {_FIELDS}")
            if name not in _FIELDS:
                raise self._error(pos, f"unknown field {name!r}", f"one of {_FIELDS}")
            if name in values:
                raise self._error(pos, f"field {name!r} given twice", "each field once")
            self._next("=", f"'=' after {name}")
            values[name] = self._concat(name) if name.endswith("concat") else self._sequence(self._pair, name)
            if self._peek() != ")":
                self._next(",", "',' or ')' after a field")
        self.index += 1
        if self.index < len(self.tokens):
            _, value, pos = self.tokens[self.index]
            raise self._error(pos, f"token {value!r}", "the end of the text")
        missing = [f for f in _FIELDS if f not in values]
        if missing:
            raise OutOfSpaceError(f"the genotype string lacks the field(s) {missing}; format: {_FORM}")
        for name in ("normal_concat", "reduce_concat"):
            if values[name] != list(CONCAT):
                raise OutOfSpaceError(f"{name}={values[name]} is not allowed: every cell of this space concatenates "
                                      f"all intermediate nodes {list(CONCAT)}")
        return DartsGenotype(normal=values["normal"], reduce=values["reduce"])  # type: ignore[arg-type]
