"""DARTS / NASNet cell space (Liu et al., "DARTS: Differentiable Architecture Search", ICLR 2019).

A genotype (:class:`~nasbench_kit.spaces.darts_genotype.DartsGenotype`, re-exported here)
is a normal and a reduction cell, each of 4 intermediate nodes that sum two
``(op, input)`` pairs with distinct earlier inputs, the 7 :data:`OPS` (no ``none``; the
supernet's 8 :data:`PRIMITIVES` include it). Its string format is the ``repr`` of the
official ``Genotype`` namedtuple (see :mod:`~nasbench_kit.spaces.darts_genotype`).

Size. Genotype *values* (a node's two pairs in either order):
``(prod_j j (j - 1) * 7**2) ** 2 = (2,880 * 7**8) ** 2`` = :data:`NUM_GENOTYPES`, about
2.8e20. Up to the order of the two pairs of a node it is
``(prod_j C(j, 2) * 7**2) ** 2 = (180 * 7**8) ** 2``, about 1.08e18: the "approximately
10^18" of the DARTS paper. The space is far too large to enumerate: ``len`` and ``iter``
raise ``InfiniteSpaceError``; :attr:`DartsSpace.size` gives the exact count.

>>> space = DartsSpace()
>>> arch = space.parse(str(DARTS_V2))
>>> arch == DARTS_V2, arch.normal[7]
(True, ('dil_conv_3x3', 2))
>>> space.canonical(arch) == space.canonical(swap_inputs(arch, "normal", 5))
True
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Sequence

import numpy as np

from ..errors import InfiniteSpaceError, OutOfSpaceError
from .base import SearchSpace, checked_choices
from .darts_genotype import (CELLS, CONCAT, DARTS_V1, DARTS_V2, NODES, NUM_GENOTYPES, NUM_OPS, OPS, PAIRS_PER_CELL,
                             PRIMITIVES, DartsGenotype, swap_inputs)

__all__ = ["PRIMITIVES", "OPS", "NODES", "CONCAT", "CELLS", "NUM_GENOTYPES", "DARTS_V1", "DARTS_V2",
           "DartsGenotype", "DartsSpace", "swap_inputs"]

_PAIRS = PAIRS_PER_CELL
# Choices of each decision (DartsSpace.decisions): per cell, per node j: first input,
# its op, the second input as a rank among the other j - 1 nodes, its op.
_DECISIONS: tuple[int, ...] = tuple(n for _ in CELLS for node in NODES for n in (node, NUM_OPS, node - 1, NUM_OPS))


# --- canonical form ----------------------------------------------------------------------

# Relabelings of the intermediate nodes 2..5 (nodes 0 and 1 are fixed): label -> new label.
_RELABELINGS = tuple({**{0: 0, 1: 1}, **dict(zip(NODES, perm))} for perm in itertools.permutations(NODES))


@functools.lru_cache(maxsize=65536)
def _canonical_cell(codes: tuple[int, ...]) -> tuple[int, ...]:
    """The least (input, op)-code tuple over node relabelings that keep inputs earlier, inputs sorted per node."""
    nodes = [((codes[4 * n], codes[4 * n + 1]), (codes[4 * n + 2], codes[4 * n + 3])) for n in range(len(NODES))]
    best: tuple[int, ...] | None = None
    for label in _RELABELINGS:
        if any(label[source] >= label[node] for node, pairs in zip(NODES, nodes) for source, _ in pairs):
            continue  # some node would read a later node
        moved: list[tuple[int, ...]] = [()] * len(NODES)
        for node, pairs in zip(NODES, nodes):
            moved[label[node] - NODES[0]] = tuple(v for s, o in sorted((label[s], o) for s, o in pairs) for v in (s, o))
        key = tuple(v for codes_of_node in moved for v in codes_of_node)
        if best is None or key < best:
            best = key
    assert best is not None  # the identity relabeling always qualifies
    return best


def _canonical_codes(arch: DartsGenotype) -> tuple[int, ...]:
    half = 2 * _PAIRS
    return _canonical_cell(arch.codes[:half]) + _canonical_cell(arch.codes[half:])


# --- encodings ---------------------------------------------------------------------------

# "adjacency": the 14 possible edges (source, node) of a cell, node-major then source.
_EDGES = tuple((source, node) for node in NODES for source in range(node))
_EDGE_INDEX = {edge: e for e, edge in enumerate(_EDGES)}
# "path": an op sequence of length L from cell input s gets column
# s * _PATHS_PER_SOURCE + offset(L) + sum_k op_k * 7**k (op_k: the k-th op from the input).
_MAX_PATH = len(NODES)
_PATH_OFFSET = tuple(sum(NUM_OPS**m for m in range(1, length)) for length in range(1, _MAX_PATH + 1))
_PATHS_PER_SOURCE = sum(NUM_OPS**length for length in range(1, _MAX_PATH + 1))  # 2,800
_CELL_LENGTH = {
    "onehot": sum(2 * (node + NUM_OPS) for node in NODES),  # 84
    "adjacency": len(_EDGES) * (1 + NUM_OPS),  # 14 + 98 = 112
    "path": 2 * _PATHS_PER_SOURCE,  # 5,600
}


def _encode_cell(codes: tuple[int, ...], kind: str, out: np.ndarray) -> None:
    """Write one canonical cell's encoding into ``out`` (zeros, length ``_CELL_LENGTH[kind]``)."""
    pairs = [(codes[k], codes[k + 1]) for k in range(0, len(codes), 2)]
    if kind == "onehot":
        col = 0
        for k, (source, op) in enumerate(pairs):
            node = NODES[k // 2]
            out[col + source] = 1.0
            out[col + node + op] = 1.0
            col += node + NUM_OPS
        return
    if kind == "adjacency":
        for k, (source, op) in enumerate(pairs):
            edge = _EDGE_INDEX[source, NODES[k // 2]]
            out[edge] = 1.0
            out[len(_EDGES) + edge * NUM_OPS + op] = 1.0
        return
    # path: every path from a cell input to an intermediate node (each feeds the output)
    paths: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
    for k, (source, op) in enumerate(pairs):
        node = NODES[k // 2]
        starts = [(source, ())] if source < NODES[0] else paths[source]
        paths.setdefault(node, []).extend((s, ops + (op,)) for s, ops in starts)
    for found in paths.values():
        for source, ops in found:
            digits = sum(o * NUM_OPS**m for m, o in enumerate(ops))
            out[source * _PATHS_PER_SOURCE + _PATH_OFFSET[len(ops) - 1] + digits] += 1.0


# --- the space ---------------------------------------------------------------------------


class DartsSpace(SearchSpace[DartsGenotype]):
    """The DARTS CNN cell space (normal + reduction cell, 4 nodes each, 7 ops).

    Sampling is uniform over genotype values: each node's two inputs are a uniform ordered
    pair of distinct earlier nodes, each op uniform over :data:`OPS`, independently. A
    mutation changes one op or one input of one pair (the new input distinct from the
    node's other input); there are always 120 such changes (:meth:`neighbors`), and
    :meth:`mutate` picks one uniformly. Crossover takes each node (both its pairs) of each
    cell from either parent with probability 1/2, so the child is always valid.

    Canonical form (:meth:`canonical`, :meth:`canonicalize`) identifies, cell by cell,
    exactly these rewrites, which compute the same function:

    * swapping the two pairs of a node (the node sums them);
    * renaming the intermediate nodes 2..5 of a cell by a permutation under which every
      node still reads only lower-numbered nodes (an isomorphism of the cell's graph fixing
      the inputs 0 and 1). It permutes the cell's concatenated output channels, which the
      1x1 convolutions reading that output (the next cells' preprocessing, the auxiliary
      head) and the classifier absorb: same network up to a permutation of parameters.

    It identifies nothing else, so two genotypes with different canonical strings may
    still compute the same function for a reason it does not model. The two cells are
    never exchanged (they are used at different places). The canonical string
    is ``str`` of the representative genotype, which :meth:`parse` reads back.

    Encodings (float32, the normal cell's block first, then the reduction cell's; every
    kind encodes the canonical representative, so genotypes with equal :meth:`canonical`
    have equal vectors):

    * ``"onehot"`` (168 = 2 x 84): per node 2..5, its two pairs by ascending input, each a
      one-hot input over ``0..j-1`` followed by a one-hot op over :data:`OPS`.
    * ``"adjacency"`` (224 = 2 x 112): the 14 possible edges ``i -> j`` (``j`` in 2..5,
      ``i < j``, node-major), first one bit per edge (present or not), then per edge a
      one-hot op over :data:`OPS` (zeros where absent), as NB201's graph + op labels.
    * ``"path"`` (11,200 = 2 x 5,600): in the spirit of BANANAS (White et al., AAAI 2021),
      for each cell input (0 or 1) and each op sequence of length 1..4 along a path from it
      to an intermediate node (all of them feed the output), the *number* of such paths
      (usually 0 or 1). Column ``s * 2800 + (7 + ... + 7**(L-1)) + sum_k op_k * 7**k``
      for input ``s`` and ops ``op_0`` (nearest the input) .. ``op_{L-1}``. It is invariant
      under the canonical rewrites but, as every path encoding, not injective.

    Example:
        >>> import numpy as np
        >>> space = DartsSpace()
        >>> arch = space.sample(np.random.default_rng(0))
        >>> space.validate(space.mutate(arch, np.random.default_rng(1))) != arch
        True
        >>> [space.encoding_length(k) for k in ("onehot", "adjacency", "path")]
        [168, 224, 11200]
    """

    name = "darts"
    ops = OPS
    primitives = PRIMITIVES

    # --- size -------------------------------------------------------------------------
    @property
    def size(self) -> int:
        """Exact number of genotype values, :data:`NUM_GENOTYPES` (about 2.8e20)."""
        return NUM_GENOTYPES

    def __len__(self) -> int:
        raise InfiniteSpaceError(f"DartsSpace has {NUM_GENOTYPES:,} genotypes, too many to count with len() or "
                                 f"enumerate; use DartsSpace().size")

    def __iter__(self) -> Iterator[DartsGenotype]:
        raise InfiniteSpaceError(f"DartsSpace has {NUM_GENOTYPES:,} genotypes, too many to enumerate; "
                                 f"sample them with DartsSpace().sample(rng)")

    # --- sampling and variation -------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> DartsGenotype:
        """Draw one genotype uniformly from the :attr:`size` values (one draw per decision)."""
        return self._from_choices(rng.integers(0, _DECISIONS).tolist())

    def _changes(self, codes: tuple[int, ...]) -> list[tuple[int, int]]:
        """Every single change ``(position in codes, new value)``: pair by pair, input before op."""
        changes = []
        for k in range(0, len(codes), 2):
            node = NODES[(k // 2) % _PAIRS // 2]
            sibling = codes[k + 2] if (k // 2) % 2 == 0 else codes[k - 2]
            changes += [(k, s) for s in range(node) if s not in (codes[k], sibling)]
            changes += [(k + 1, op) for op in range(NUM_OPS) if op != codes[k + 1]]
        return changes

    @staticmethod
    def _changed(codes: tuple[int, ...], change: tuple[int, int]) -> DartsGenotype:
        position, value = change
        return DartsGenotype._from_codes(codes[:position] + (value,) + codes[position + 1:])

    def mutate(self, arch: DartsGenotype, rng: np.random.Generator) -> DartsGenotype:
        """One of the 120 :meth:`neighbors`, uniformly: one op or one input changed.

        The child always differs from ``arch`` as a value. Rarely it is isomorphic to it
        (equal :meth:`canonical`), e.g. re-wiring an input between two identical nodes.
        """
        codes = self.validate(arch).codes
        changes = self._changes(codes)
        return self._changed(codes, changes[int(rng.integers(len(changes)))])

    def neighbors(self, arch: DartsGenotype) -> list[DartsGenotype]:
        """All 120 single changes: normal cell then reduction cell, pair by pair (node order),
        for each pair first its other allowed inputs (ascending), then its 6 other ops (:data:`OPS` order).

        Example:
            >>> found = DartsSpace().neighbors(DARTS_V2)
            >>> len(found), found[0].normal[0]
            (120, ('max_pool_3x3', 0))
        """
        codes = self.validate(arch).codes
        return [self._changed(codes, change) for change in self._changes(codes)]

    def crossover(self, a: DartsGenotype, b: DartsGenotype, rng: np.random.Generator) -> DartsGenotype:
        """Each node of each cell (both its pairs) from ``a`` or ``b`` with probability 1/2."""
        ca, cb = self.validate(a).codes, self.validate(b).codes
        take_a = (rng.random(2 * len(NODES)) < 0.5).tolist()
        return DartsGenotype._from_codes([x if take_a[k // 4] else y for k, (x, y) in enumerate(zip(ca, cb))])

    # --- categorical decisions (spaces.base.DecisionSpace) ----------------------------------
    def decisions(self) -> tuple[int, ...]:
        """Per cell (normal first), per node ``j`` (2..5): first input (``j`` choices), its op
        (7), the second input as a rank among the other ``j - 1`` nodes, its op (7).

        Every tuple in range is a genotype, and the product of the sizes is :attr:`size`.

        Example:
            >>> DartsSpace().decisions()[:8]
            (2, 7, 1, 7, 3, 7, 2, 7)
        """
        return _DECISIONS

    def from_decisions(self, choices: Sequence[int]) -> DartsGenotype:
        """The genotype of in-range ``choices`` (see :meth:`decisions`); ``OutOfSpaceError`` otherwise."""
        return self._from_choices(checked_choices(choices, _DECISIONS))

    def _from_choices(self, values: list[int]) -> DartsGenotype:
        codes = []
        for k in range(0, len(values), 4):
            first, op0, rank, op1 = values[k:k + 4]
            codes += (first, op0, rank + (rank >= first), op1)
        return DartsGenotype._from_codes(codes)

    def to_decisions(self, arch: DartsGenotype) -> tuple[int, ...]:
        """The choice of every decision of ``arch``; ``from_decisions`` inverts it exactly."""
        codes = self.validate(arch).codes
        out: list[int] = []
        for k in range(0, len(codes), 4):
            first, op0, second, op1 = codes[k:k + 4]
            out += (first, op0, second - (second > first), op1)
        return tuple(out)

    # --- identity -----------------------------------------------------------------------
    def validate(self, arch: DartsGenotype) -> DartsGenotype:
        """Return ``arch`` if it is a :class:`DartsGenotype`, else raise ``OutOfSpaceError``.

        (A ``DartsGenotype`` checks its ops and inputs when it is made.)
        """
        if not isinstance(arch, DartsGenotype):
            raise OutOfSpaceError(f"expected a DartsGenotype, got {type(arch).__name__} {arch!r:.120}; "
                                  f"parse genotype strings with DartsSpace().parse")
        return arch

    def parse(self, text: str) -> DartsGenotype:
        """Parse a genotype string (:meth:`DartsGenotype.from_string`)."""
        return DartsGenotype.from_string(text)

    def canonicalize(self, arch: DartsGenotype) -> DartsGenotype:
        """The representative of ``arch``'s class (class docstring): per cell, the
        least node relabeling (inputs sorted within each node, then node by node).

        Example:
            >>> rep = DartsSpace().canonicalize(DARTS_V2)  # normal node 4 becomes node 2, ...
            >>> rep.normal[:2], rep.normal[4:6]
            ((('skip_connect', 0), ('sep_conv_3x3', 1)), (('skip_connect', 0), ('dil_conv_3x3', 3)))
        """
        return DartsGenotype._from_codes(_canonical_codes(self.validate(arch)))

    def canonical(self, arch: DartsGenotype) -> str:
        """``str`` of :meth:`canonicalize`: equal for genotypes related by the rewrites of
        the class docstring (swapped node inputs, node relabelings), and only for those."""
        return str(self.canonicalize(arch))

    # --- encodings ----------------------------------------------------------------------
    def encoding_length(self, kind: str = "onehot") -> int:
        """Length of :meth:`encode` vectors: 168 (onehot), 224 (adjacency), 11,200 (path)."""
        self._check_kind(kind)
        return len(CELLS) * _CELL_LENGTH[kind]

    def encode(self, arch: DartsGenotype, kind: str = "onehot") -> np.ndarray:
        """1-D float32 vector of ``arch``'s canonical representative (class docstring)."""
        return self.encode_many([arch], kind)[0]

    def encode_many(self, archs: Sequence[DartsGenotype], kind: str = "onehot") -> np.ndarray:
        """:meth:`encode` of each genotype: float32 array ``(len(archs), encoding_length(kind))``."""
        self._check_kind(kind)
        width = _CELL_LENGTH[kind]
        out = np.zeros((len(archs), len(CELLS) * width), dtype=np.float32)
        half = 2 * _PAIRS
        for row, arch in enumerate(archs):
            codes = _canonical_codes(self.validate(arch))
            _encode_cell(codes[:half], kind, out[row, :width])
            _encode_cell(codes[half:], kind, out[row, width:])
        return out
