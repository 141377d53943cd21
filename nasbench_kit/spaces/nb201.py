"""NAS-Bench-201 (NATS-Bench topology) cell space: 15,625 cells, 6,466 unique.

A cell has 4 nodes (0 = input, 3 = output) and one operation on each of the 6 edges
``i -> j`` (``i < j``). Edges are stored in the order of the official string
``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``::

    position  0     1     2     3     4     5
    edge      1<-0  2<-0  2<-1  3<-0  3<-1  3<-2

Enumeration order (``iter``, ``index``, ``cell_at``, ``all_ops_array``) is the product
order over the 6 edges in that order, ops in :data:`OPS` order: edge 0 is the most
significant base-5 digit, so index 0 is all ``none`` and index 15,624 all ``avg_pool_3x3``.
This is *our* index, not the NAS-Bench-201 API's ``arch_index``.

>>> space = NB201Space()
>>> cell = space.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|")
>>> space.cell_at(space.index(cell)) == cell
True
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import OutOfSpaceError
from .base import SearchSpace

__all__ = ["OPS", "EDGES", "NUM_CELLS", "Cell201", "NB201Space"]

#: Candidate operations on every edge, in the order used for indices and encodings.
OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: ``(target, source)`` of each edge, in official string order.
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
NUM_EDGES = len(EDGES)
NUM_OPS = len(OPS)
#: Number of cells in the space, ``5 ** 6``.
NUM_CELLS = NUM_OPS**NUM_EDGES

_OP_INDEX = {op: i for i, op in enumerate(OPS)}
# Base-5 place value of each edge: edge 0 is the most significant digit (product order).
_PLACE = tuple(NUM_OPS ** (NUM_EDGES - 1 - k) for k in range(NUM_EDGES))


# Cells are immutable values: ``from_indices`` hands out one shared instance per cell
# (at most 15,625), which spares searches re-validating the same cells thousands of times.
_INTERNED: dict[tuple[int, ...], Cell201] = {}


def _fail(text: object, what: str) -> OutOfSpaceError:
    return OutOfSpaceError(
        f"{what} in NAS-Bench-201 string {text!r}; expected "
        f"'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' with each op one of {OPS}"
    )


@dataclass(frozen=True)
class Cell201:
    """One NAS-Bench-201 cell: the operation on each of the 6 edges.

    Args:
        ops: 6 op names from :data:`OPS`, in official string order
            (``1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2``). A list is accepted and stored as a tuple.

    Raises:
        OutOfSpaceError: if there are not 6 ops or an op is not in :data:`OPS`.

    Example:
        >>> cell = Cell201(("nor_conv_3x3",) * 6)
        >>> str(cell)
        '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|'
        >>> Cell201.from_string(str(cell)) == cell
        True
    """

    ops: tuple[str, ...]
    # Op indices, cached because encodings and enumeration work on them.
    op_indices: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ops = self.ops
        if isinstance(ops, str) or not isinstance(ops, (tuple, list)):
            raise OutOfSpaceError(
                f"Cell201.ops must be a tuple of {NUM_EDGES} op names, got {type(ops).__name__} {ops!r}; "
                f"use Cell201.from_string for the official string"
            )
        if len(ops) != NUM_EDGES:
            raise OutOfSpaceError(f"Cell201 needs {NUM_EDGES} ops (one per edge), got {len(ops)}: {tuple(ops)!r}")
        indices = []
        for k, op in enumerate(ops):
            if not isinstance(op, str) or op not in _OP_INDEX:
                target, source = EDGES[k]
                raise OutOfSpaceError(f"op {op!r} on edge {target}<-{source} (position {k}) is not one of {OPS}")
            indices.append(_OP_INDEX[op])
        object.__setattr__(self, "ops", tuple(ops))
        object.__setattr__(self, "op_indices", tuple(indices))

    def __str__(self) -> str:
        o = self.ops
        return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"

    @classmethod
    def from_indices(cls, indices: Sequence[int]) -> Cell201:
        """Build a cell from 6 op indices into :data:`OPS` (string edge order).

        Raises:
            OutOfSpaceError: if there are not 6 indices or one is not an int in ``0..4``.

        Example:
            >>> Cell201.from_indices([3, 3, 4, 1, 3, 1]).ops[2]
            'avg_pool_3x3'
        """
        if type(indices) is list or type(indices) is tuple:  # the hot path of sample / mutate
            key = tuple(indices)
            known = _INTERNED.get(key)
            # plain ints only: (True, 0, ...) equals (1, 0, ...) as a key but must be refused
            if known is not None and all(type(i) is int for i in key):
                return known
        values = list(indices) if isinstance(indices, (list, tuple, np.ndarray)) else None
        if (
            values is None
            or len(values) != NUM_EDGES
            or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in values)
            or not all(0 <= i < NUM_OPS for i in values)
        ):
            raise OutOfSpaceError(f"op indices must be {NUM_EDGES} ints in 0..{NUM_OPS - 1}, got {indices!r}")
        key = tuple(int(i) for i in values)
        cell = _INTERNED.get(key)
        if cell is None:
            cell = _INTERNED[key] = cls(tuple(OPS[i] for i in key))
        return cell

    @classmethod
    def from_string(cls, text: str) -> Cell201:
        """Parse the official string ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``.

        Surrounding whitespace is ignored; otherwise the string must match exactly,
        edges in the official order.

        Raises:
            OutOfSpaceError: naming the bad token and its position, and listing the allowed ops.

        Example:
            >>> Cell201.from_string("|none~0|+|skip_connect~0|none~1|+|none~0|none~1|nor_conv_1x1~2|").ops[5]
            'nor_conv_1x1'
        """
        if not isinstance(text, str):
            raise OutOfSpaceError(f"a NAS-Bench-201 string must be a str, got {type(text).__name__} {text!r}")
        groups = text.strip().split("+")
        if len(groups) != 3:
            raise _fail(text, f"found {len(groups)} node group(s) separated by '+', not 3")
        ops: list[str] = []
        for node, group in enumerate(groups, start=1):
            if len(group) < 2 or group[0] != "|" or group[-1] != "|":
                raise _fail(text, f"node {node} group {group!r} does not start and end with '|'")
            tokens = group[1:-1].split("|")
            if len(tokens) != node:
                raise _fail(text, f"node {node} group {group!r} has {len(tokens)} edge(s), needs {node}")
            for source, token in enumerate(tokens):
                where = f"token {token!r} (node {node}, edge {node}<-{source})"
                op, tilde, src = token.partition("~")
                if not tilde:
                    raise _fail(text, f"{where} is not of the form 'op~{source}'")
                if src != str(source):
                    raise _fail(text, f"{where} has source {src!r}, expected '{source}'")
                if op not in _OP_INDEX:
                    raise _fail(text, f"{where} has unknown op {op!r}")
                ops.append(op)
        return cls(tuple(ops))


# --- canonical ("unique") string -------------------------------------------------------


def _edge_term(op: int, source: str) -> str:
    """Contribution of one edge to its target node (NATS-Bench ``to_unique_str(True)``)."""
    if op == 0 or source == "#":  # none, or an input the official rule treats as zero
        return "#"
    if op == 1:  # skip_connect
        return source
    return f"({source})@{OPS[op]}"


def _node(*terms: str) -> str:
    return "+".join(sorted(terms))


# Nodes 1 and 2 depend on 1 and 3 edges: precompute their strings once (5 and 125 entries).
_NODE1 = tuple(_node(_edge_term(a, "0")) for a in range(NUM_OPS))
_NODE2 = {
    (a, b, c): _node(_edge_term(b, "0"), _edge_term(c, _NODE1[a]))
    for a, b, c in itertools.product(range(NUM_OPS), repeat=3)
}
_CANONICAL_CACHE: dict[tuple[int, ...], str] = {}


def _canonical_of_indices(idx: tuple[int, ...]) -> str:
    found = _CANONICAL_CACHE.get(idx)
    if found is None:
        n1 = _NODE1[idx[0]]
        n2 = _NODE2[idx[0], idx[1], idx[2]]
        found = _node(_edge_term(idx[3], "0"), _edge_term(idx[4], n1), _edge_term(idx[5], n2))
        _CANONICAL_CACHE[idx] = found
    return found


# --- encodings ------------------------------------------------------------------------

# "adjacency": the NB101-style op-on-node graph (NASLib's nb201 GCN layout): vertex 0 is
# the input, vertex 1+k carries edge k's op, vertex 7 is the output. The graph is the
# same for every cell, so only the op labels vary.
_ADJ_VERTICES = NUM_EDGES + 2


def _op_on_node_adjacency() -> np.ndarray:
    matrix = np.zeros((_ADJ_VERTICES, _ADJ_VERTICES), dtype=np.float32)
    output = _ADJ_VERTICES - 1
    for k, (target, source) in enumerate(EDGES):
        if source == 0:
            matrix[0, 1 + k] = 1.0  # the input feeds every edge leaving node 0
        for m, (_, next_source) in enumerate(EDGES):
            if next_source == target:
                matrix[1 + k, 1 + m] = 1.0  # an edge into node j feeds every edge out of j
        if target == 3:
            matrix[1 + k, output] = 1.0  # edges into node 3 feed the output
    return matrix


_ADJ_MATRIX = _op_on_node_adjacency()
_ADJ_TRIANGLE = _ADJ_MATRIX[np.triu_indices(_ADJ_VERTICES, k=1)]  # 28 values, constant

# "path" (BANANAS, White et al. 2021, NB201 variant): the 4 input->output paths over edge
# positions; a path of length L over ops (o_1..o_L) sets bit offset(L) + sum o_j * 5**(j-1).
_PATHS: tuple[tuple[int, ...], ...] = ((3,), (0, 4), (1, 5), (0, 2, 5))
_PATH_OFFSET = {1: 0, 2: NUM_OPS, 3: NUM_OPS + NUM_OPS**2}

_ENCODING_LENGTHS = {
    "onehot": NUM_EDGES * NUM_OPS,  # 30
    "adjacency": len(_ADJ_TRIANGLE) + NUM_EDGES * NUM_OPS,  # 28 + 30 = 58
    "path": NUM_OPS + NUM_OPS**2 + NUM_OPS**3,  # 155
}


def _encode_indices(idx: np.ndarray, kind: str) -> np.ndarray:
    """Vectorized encodings of an ``(n, 6)`` int array of op indices -> ``(n, length)`` float32."""
    n = idx.shape[0]
    rows = np.arange(n)
    onehot = np.zeros((n, NUM_EDGES * NUM_OPS), dtype=np.float32)
    if kind in ("onehot", "adjacency"):
        cols = np.arange(NUM_EDGES) * NUM_OPS + idx  # (n, 6)
        onehot[rows[:, None], cols] = 1.0
        if kind == "onehot":
            return onehot
        return np.concatenate([np.broadcast_to(_ADJ_TRIANGLE, (n, len(_ADJ_TRIANGLE))), onehot], axis=1)
    out = np.zeros((n, _ENCODING_LENGTHS["path"]), dtype=np.float32)
    for path in _PATHS:
        col = np.full(n, _PATH_OFFSET[len(path)], dtype=np.int64)
        for j, edge in enumerate(path):
            col += idx[:, edge].astype(np.int64) * NUM_OPS**j
        out[rows, col] = 1.0
    return out


# --- the space ------------------------------------------------------------------------


class NB201Space(SearchSpace[Cell201]):
    """The NAS-Bench-201 / NATS-Bench topology space (Dong & Yang, ICLR 2020).

    Sampling is uniform over the 15,625 cells; a mutation changes exactly one edge to a
    different op; crossover picks each edge's op from either parent with probability 1/2.

    Encodings (``encode(cell, kind)``, float32):

    * ``"onehot"`` (30): one-hot op per edge, edge-major in string order, ops in :data:`OPS`
      order (NASLib's ``adjacency_one_hot`` up to that op order).
    * ``"adjacency"`` (58): the NB101-style op-on-node graph (vertices: input, one per edge
      in string order, output), flattened as the strict upper triangle of its 8x8 adjacency
      matrix (28 values, the same for every cell) followed by the 6x5 one-hot op labels of
      the edge vertices. :meth:`adjacency_matrix` returns the 8x8 matrix.
    * ``"path"`` (155 = 5 + 25 + 125): the BANANAS path encoding for NB201 (naszilla
      ``Cell201.encode_paths``): bits for the op sequences of the 4 input->output paths
      ``3<-0``; ``1<-0, 3<-1``; ``2<-0, 3<-2``; ``1<-0, 2<-1, 3<-2``, ``none`` included
      as an op, so exactly 4 bits are set. Digits use :data:`OPS` order.

    Example:
        >>> import numpy as np
        >>> space = NB201Space()
        >>> len(space), space.encoding_length("path")
        (15625, 155)
        >>> child = space.mutate(space.sample(np.random.default_rng(0)), np.random.default_rng(1))
        >>> space.validate(child) == child
        True
    """

    name = "nb201"
    ops = OPS
    edges = EDGES

    # --- sampling and variation -------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> Cell201:
        """Draw one cell uniformly from the 15,625."""
        return Cell201.from_indices(rng.integers(0, NUM_OPS, size=NUM_EDGES).tolist())

    def mutate(self, arch: Cell201, rng: np.random.Generator) -> Cell201:
        """Change the op of one uniformly chosen edge to a uniformly chosen different op."""
        idx = list(self.validate(arch).op_indices)
        edge = int(rng.integers(NUM_EDGES))
        new_op = int(rng.integers(NUM_OPS - 1))
        idx[edge] = new_op if new_op < idx[edge] else new_op + 1  # skip the current op
        return Cell201.from_indices(idx)

    def neighbors(self, arch: Cell201) -> list[Cell201]:
        """All 24 cells one edge away: edges in string order, then ops in :data:`OPS` order."""
        idx = self.validate(arch).op_indices
        found = []
        for edge in range(NUM_EDGES):
            for op in range(NUM_OPS):
                if op != idx[edge]:
                    found.append(Cell201.from_indices(idx[:edge] + (op,) + idx[edge + 1 :]))
        return found

    def crossover(self, a: Cell201, b: Cell201, rng: np.random.Generator) -> Cell201:
        """Uniform crossover: each edge's op comes from ``a`` or ``b`` with probability 1/2."""
        ia, ib = self.validate(a).op_indices, self.validate(b).op_indices
        take_a = rng.random(NUM_EDGES) < 0.5
        return Cell201.from_indices([x if t else y for x, y, t in zip(ia, ib, take_a)])

    # --- categorical decisions (spaces.base.DecisionSpace) ----------------------------------
    def decisions(self) -> tuple[int, ...]:
        """One decision per edge (string order) with 5 choices, the op index in :data:`OPS`."""
        return (NUM_OPS,) * NUM_EDGES

    def from_decisions(self, choices: Sequence[int]) -> Cell201:
        """The cell with op ``choices[k]`` on edge ``k`` (same as :meth:`Cell201.from_indices`)."""
        return Cell201.from_indices(choices if isinstance(choices, (list, tuple, np.ndarray)) else list(choices))

    def to_decisions(self, arch: Cell201) -> tuple[int, ...]:
        """The op index on each edge, e.g. ``(0, 0, 0, 0, 0, 0)`` for the all-``none`` cell."""
        return self.validate(arch).op_indices

    # --- identity -----------------------------------------------------------------------
    def validate(self, arch: Cell201) -> Cell201:
        """Return ``arch`` if it is a :class:`Cell201`, else raise ``OutOfSpaceError``."""
        if not isinstance(arch, Cell201):
            raise OutOfSpaceError(
                f"expected a Cell201, got {type(arch).__name__} {arch!r}; "
                f"parse official strings with NB201Space().parse"
            )
        return arch

    def parse(self, text: str) -> Cell201:
        """Parse the official string (see :meth:`Cell201.from_string`)."""
        return Cell201.from_string(text)

    def canonical(self, arch: Cell201) -> str:
        """The NATS-Bench "unique string" (``CellStructure.to_unique_str(consider_zero=True)``).

        Node 0 reads ``0``. An edge ``op~j`` contributes ``#`` if ``op`` is ``none`` or node
        ``j`` reads exactly ``#``; node ``j``'s string if ``op`` is ``skip_connect``; else
        ``(`` + node ``j`` + ``)@`` + op. A node is its contributions sorted and joined by
        ``+``; the cell is node 3. As in the official code, only a node that reads exactly
        ``#`` counts as zero: node 2 with two ``none`` inputs reads ``#+#``, not ``#``.
        This gives exactly 6,466 classes over the 15,625 cells.

        Example:
            >>> NB201Space().canonical(Cell201.from_string(
            ...     "|none~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|none~1|nor_conv_1x1~2|"))
            '#+#+(#+0)@nor_conv_1x1'
        """
        return _canonical_of_indices(self.validate(arch).op_indices)

    def all_canonical(self) -> list[str]:
        """The canonical string of every cell, in enumeration order (15,625 strings)."""
        return [_canonical_of_indices(idx) for idx in itertools.product(range(NUM_OPS), repeat=NUM_EDGES)]

    # --- enumeration ----------------------------------------------------------------------
    @property
    def is_finite(self) -> bool:
        return True

    def __len__(self) -> int:
        return NUM_CELLS

    def __iter__(self) -> Iterator[Cell201]:
        """Every cell in product order over edges (string order), ops in :data:`OPS` order."""
        for ops in itertools.product(OPS, repeat=NUM_EDGES):
            yield Cell201(ops)

    def index(self, arch: Cell201) -> int:
        """Position of ``arch`` in the enumeration (0..15,624); inverse of :meth:`cell_at`."""
        return sum(i * p for i, p in zip(self.validate(arch).op_indices, _PLACE))

    def cell_at(self, index: int) -> Cell201:
        """The cell at position ``index`` of the enumeration.

        Raises:
            OutOfSpaceError: if ``index`` is not an int in ``0..15624``.
        """
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < NUM_CELLS:
            raise OutOfSpaceError(f"NB201 index must be an int in 0..{NUM_CELLS - 1}, got {index!r}")
        return Cell201.from_indices([(int(index) // p) % NUM_OPS for p in _PLACE])

    def all_ops_array(self) -> np.ndarray:
        """Op indices of every cell, ``int8`` array ``(15625, 6)``, row ``i`` = ``cell_at(i)``."""
        place = np.array(_PLACE, dtype=np.int64)
        return ((np.arange(NUM_CELLS, dtype=np.int64)[:, None] // place) % NUM_OPS).astype(np.int8)

    # --- encodings ----------------------------------------------------------------------
    def encoding_length(self, kind: str = "onehot") -> int:
        self._check_kind(kind)
        return _ENCODING_LENGTHS[kind]

    def encode(self, arch: Cell201, kind: str = "onehot") -> np.ndarray:
        """1-D float32 vector of ``arch`` (see the class docstring for the kinds)."""
        self._check_kind(kind)
        idx = np.array([self.validate(arch).op_indices], dtype=np.int64)
        return _encode_indices(idx, kind)[0]

    def encode_many(self, archs: Sequence[Cell201], kind: str = "onehot") -> np.ndarray:
        """Vectorized :meth:`encode`: float32 array ``(len(archs), encoding_length(kind))``."""
        self._check_kind(kind)
        flat = [i for arch in archs for i in self.validate(arch).op_indices]
        return _encode_indices(np.array(flat, dtype=np.int64).reshape(-1, NUM_EDGES), kind)

    def encode_ops_array(self, ops: np.ndarray, kind: str = "onehot") -> np.ndarray:
        """Encode an ``(n, 6)`` integer array of op indices (e.g. :meth:`all_ops_array`).

        Raises:
            OutOfSpaceError: if the array is not ``(n, 6)`` integers in ``0..4``.
        """
        self._check_kind(kind)
        arr = np.asarray(ops)
        if arr.ndim != 2 or arr.shape[1] != NUM_EDGES or not np.issubdtype(arr.dtype, np.integer):
            raise OutOfSpaceError(f"expected an (n, {NUM_EDGES}) integer array of op indices, got "
                                  f"shape {arr.shape} dtype {arr.dtype}")
        if arr.size and (arr.min() < 0 or arr.max() >= NUM_OPS):
            raise OutOfSpaceError(f"op indices must lie in 0..{NUM_OPS - 1}, got {arr.min()}..{arr.max()}")
        return _encode_indices(arr.astype(np.int64), kind)

    @staticmethod
    def adjacency_matrix() -> np.ndarray:
        """The 8x8 op-on-node adjacency matrix behind the ``"adjacency"`` encoding (a copy)."""
        return _ADJ_MATRIX.copy()
