"""The NAS-Bench-101 cell space: DAGs of at most 7 vertices and 9 edges, official hash.

A cell is an upper-triangular 0/1 adjacency matrix plus one label per vertex: vertex 0
is ``input``, the last vertex ``output``, every other vertex one of :data:`OPS`.
Vertices on no input -> output path are pruned before a cell is checked, hashed or built,
exactly as the official ``nasbench`` library does (Ying et al., 2019, "NAS-Bench-101:
Towards Reproducible Neural Architecture Search", ICML). After pruning and merging
isomorphic graphs the space holds :data:`NUM_UNIQUE` = 423,624 cells.

String format (``str(cell)`` / ``NB101Space().parse``): the two fields of an official
NAS-Bench-101 record, joined by ``|``::

    <V*V adjacency digits, row-major>|<V comma-separated op labels>
    e.g. for V=3 (input -> conv -> output plus a skip input -> output):
    "011001000|input,conv3x3-bn-relu,output"

V is recovered as the square root of the digit count, so the format is unambiguous.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import NasKitError, OutOfSpaceError
from . import _graph
from .base import SearchSpace, checked_choices

__all__ = [
    "INPUT",
    "OUTPUT",
    "CONV3X3",
    "CONV1X1",
    "MAXPOOL3X3",
    "OPS",
    "MAX_VERTICES",
    "MAX_EDGES",
    "NUM_UNIQUE",
    "Cell101",
    "NB101Space",
]

INPUT = "input"
OUTPUT = "output"
CONV3X3 = "conv3x3-bn-relu"
CONV1X1 = "conv1x1-bn-relu"
MAXPOOL3X3 = "maxpool3x3"
#: Interior ops in the official order; an op's index is its label in the hash.
OPS: tuple[str, ...] = (CONV3X3, CONV1X1, MAXPOOL3X3)
MAX_VERTICES = 7
MAX_EDGES = 9
#: Unique cells after pruning and isomorphism merging (NAS-Bench-101 paper; recomputed by
#: ``bench/enumerate_nb101.py``).
NUM_UNIQUE = 423_624

_INPUT_LABEL, _OUTPUT_LABEL = -1, -2
# NASLib's "adjacency_one_hot" op code order: maxpool, conv3x3, conv1x1.
_NASLIB_OP_ORDER: tuple[str, ...] = (MAXPOOL3X3, CONV3X3, CONV1X1)
_NUM_PATHS = sum(len(OPS) ** i for i in range(MAX_VERTICES - 1))  # 3^0 + ... + 3^5 = 364
_NUM_TRIU = MAX_VERTICES * (MAX_VERTICES - 1) // 2  # 21 possible edges
# The 21 possible edges (i, j), i < j, row-major: the order of the "onehot" edge bits.
_TRIU_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (i, j) for i in range(MAX_VERTICES) for j in range(i + 1, MAX_VERTICES)
)
_MAX_TRIES = 100_000


def _as_int_entry(value):
    # numpy integers and bools become plain ints so equal cells compare and hash equal.
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _normalize_matrix(matrix):
    if isinstance(matrix, np.ndarray):
        matrix = matrix.tolist()
    if not isinstance(matrix, (list, tuple)):
        return matrix
    rows = []
    for row in matrix:
        if isinstance(row, np.ndarray):
            row = row.tolist()
        rows.append(tuple(_as_int_entry(x) for x in row) if isinstance(row, (list, tuple)) else row)
    return tuple(rows)


def _normalize_ops(ops):
    if isinstance(ops, np.ndarray):
        ops = ops.tolist()
    if not isinstance(ops, (list, tuple)):
        return ops
    return tuple(str(op) if isinstance(op, np.str_) else op for op in ops)


@dataclass(frozen=True)
class Cell101:
    """A NAS-Bench-101 cell: adjacency matrix and vertex labels, as given (not pruned).

    Lists and numpy arrays are converted to tuples on construction, so cells are hashable
    values. Construction does not check membership; ``NB101Space().validate`` does.

    Attributes:
        matrix: ``V x V`` tuple of row tuples of 0/1; ``matrix[i][j] == 1`` is an edge
            ``i -> j`` (upper-triangular: ``i < j``).
        ops: ``V`` labels: ``"input"``, then :data:`OPS` entries, then ``"output"``.

    Example:
        >>> cell = Cell101([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", "maxpool3x3", "output"])
        >>> str(cell)
        '011001000|input,maxpool3x3,output'
        >>> Cell101.from_string(str(cell)) == cell
        True
    """

    matrix: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "matrix", _normalize_matrix(self.matrix))
            object.__setattr__(self, "ops", _normalize_ops(self.ops))
        except Exception:  # noqa: BLE001 - odd input stays as given; validate() reports it
            pass

    @property
    def num_vertices(self) -> int:
        """Number of vertices ``V`` (before pruning)."""
        return len(self.ops)

    def __str__(self) -> str:
        digits = "".join(str(x) for row in self.matrix for x in row)
        return f"{digits}|{','.join(self.ops)}"

    @classmethod
    def from_string(cls, text: str) -> Cell101:
        """Parse the string format (see the module docstring) and check membership.

        Args:
            text: ``"<V*V digits>|<V comma-separated ops>"``.

        Returns:
            The cell, exactly as written (not pruned).

        Raises:
            OutOfSpaceError: malformed text, or a cell outside the space.

        Example:
            >>> Cell101.from_string("0100|input,output").ops
            ('input', 'output')
        """
        if not isinstance(text, str):
            raise OutOfSpaceError(f"a Cell101 string must be a str, got {type(text).__name__}")
        parts = text.strip().split("|")
        if len(parts) != 2:
            raise OutOfSpaceError(
                f"{text!r} is not '<adjacency digits>|<ops>': expected exactly one '|', found {len(parts) - 1}"
            )
        digits, op_text = parts
        if not digits or any(ch not in "01" for ch in digits):
            raise OutOfSpaceError(f"adjacency {digits!r} must be a non-empty string of 0/1 digits")
        size = math.isqrt(len(digits))
        if size * size != len(digits):
            raise OutOfSpaceError(
                f"adjacency has {len(digits)} digits, which is not V*V for any vertex count V"
            )
        ops = tuple(op.strip() for op in op_text.split(","))
        if len(ops) != size:
            raise OutOfSpaceError(f"adjacency has {size} vertices but {len(ops)} ops were given: {ops}")
        matrix = tuple(tuple(int(ch) for ch in digits[r * size:(r + 1) * size]) for r in range(size))
        return NB101Space().validate(cls(matrix, ops))


def _check_structure(cell) -> None:
    """Raise OutOfSpaceError unless ``cell`` is a well-formed cell (no graph checks)."""
    if not isinstance(cell, Cell101):
        raise OutOfSpaceError(f"expected a Cell101, got {type(cell).__name__}: {cell!r:.80}")
    matrix, ops = cell.matrix, cell.ops
    if not isinstance(matrix, tuple) or not all(isinstance(row, tuple) for row in matrix):
        raise OutOfSpaceError(f"matrix must be a sequence of rows (a V x V 0/1 matrix), got {matrix!r:.80}")
    size = len(matrix)
    if size < 2:
        raise OutOfSpaceError(f"a cell needs at least 2 vertices (input and output), matrix has {size}")
    if size > MAX_VERTICES:
        raise OutOfSpaceError(f"too many vertices: {size} > {MAX_VERTICES}")
    for r, row in enumerate(matrix):
        if len(row) != size:
            raise OutOfSpaceError(f"matrix must be square: row {r} has {len(row)} entries, expected {size}")
    for r, row in enumerate(matrix):
        for c, value in enumerate(row):
            if type(value) is not int or value not in (0, 1):
                raise OutOfSpaceError(f"matrix[{r}][{c}] = {value!r} is not 0 or 1")
            if value and c <= r:
                raise OutOfSpaceError(
                    f"matrix[{r}][{c}] = 1 is on or below the diagonal: edges must go from a lower to a "
                    "higher vertex (upper-triangular matrix), otherwise the graph may have a cycle"
                )
    if not isinstance(ops, tuple):
        raise OutOfSpaceError(f"ops must be a sequence of op names, got {ops!r:.80}")
    if len(ops) != size:
        raise OutOfSpaceError(f"ops has {len(ops)} entries but the matrix has {size} vertices")
    for i, op in enumerate(ops):
        if not isinstance(op, str):
            raise OutOfSpaceError(f"ops[{i}] = {op!r} is not a string")
    if ops[0] != INPUT:
        raise OutOfSpaceError(f"ops[0] must be {INPUT!r}, got {ops[0]!r}")
    if ops[-1] != OUTPUT:
        raise OutOfSpaceError(f"the last op must be {OUTPUT!r}, got {ops[-1]!r}")
    for i, op in enumerate(ops[1:-1], start=1):
        if op not in OPS:
            raise OutOfSpaceError(f"ops[{i}] = {op!r} is not one of {OPS}")


def _pruned_or_raise(cell: Cell101) -> tuple[_graph.Matrix, tuple[str, ...]]:
    pruned = _graph.prune(cell.matrix, cell.ops)
    if pruned is None:
        raise OutOfSpaceError(f"no path from input to output in {cell}")
    edges = _graph.num_edges(pruned[0])
    if edges > MAX_EDGES:
        raise OutOfSpaceError(f"too many edges after pruning: {edges} > {MAX_EDGES}")
    return pruned


def _is_valid(matrix: _graph.Matrix, ops: tuple[str, ...]) -> bool:
    """Fast membership test for cells built by the space itself (well-formed by construction)."""
    pruned = _graph.prune(matrix, ops)
    return pruned is not None and _graph.num_edges(pruned[0]) <= MAX_EDGES


def _labels(ops: Sequence[str]) -> tuple[int, ...]:
    return (_INPUT_LABEL, *(OPS.index(op) for op in ops[1:-1]), _OUTPUT_LABEL)


@functools.lru_cache(maxsize=1 << 16)
def _official_hash(cell: Cell101) -> str:
    matrix, ops = _pruned_or_raise(cell)
    return _graph.hash_module(matrix, _labels(ops))


def _pad(matrix: _graph.Matrix, ops: tuple[str, ...], fill: Sequence[str]) -> tuple[_graph.Matrix, tuple[str, ...]]:
    """Insert ``len(fill)`` unconnected vertices before the output (pruning removes them again)."""
    extra = len(fill)
    if not extra:
        return matrix, ops
    n = len(matrix)
    size = n + extra
    old_index = list(range(n - 1)) + [None] * extra + [n - 1]
    new_matrix = tuple(
        tuple(
            0 if old_index[r] is None or old_index[c] is None else matrix[old_index[r]][old_index[c]]
            for c in range(size)
        )
        for r in range(size)
    )
    return new_matrix, (*ops[:-1], *fill, ops[-1])


def _flip(matrix: _graph.Matrix, src: int, dst: int) -> _graph.Matrix:
    rows = [list(row) for row in matrix]
    rows[src][dst] = 1 - rows[src][dst]
    return tuple(tuple(row) for row in rows)


class NB101Space(SearchSpace[Cell101]):
    """The NAS-Bench-101 search space (Ying et al., 2019), with the official hash.

    Membership follows the official ``NASBench.is_valid``: the matrix is square, 0/1 and
    upper-triangular, ``ops`` has one label per vertex (``input`` first, ``output`` last,
    :data:`OPS` between), and after pruning the vertices on no input -> output path a path
    exists and at most :data:`MAX_EDGES` edges remain. Stricter than the official library,
    the unpruned cell may have at most :data:`MAX_VERTICES` vertices and every interior label,
    pruned or not, must be one of :data:`OPS`.

    Args:
        mutation_rate: expected number of edge flips and of op changes per mutation
            (official ``mutate_spec`` default 1.0).

    Example:
        >>> import numpy as np
        >>> space = NB101Space()
        >>> cell = space.sample(np.random.default_rng(0))
        >>> len(space.canonical(cell)), len(space), space.encoding_length("path")
        (32, 423624, 364)
    """

    name = "nb101"

    def __init__(self, *, mutation_rate: float = 1.0) -> None:
        if not isinstance(mutation_rate, (int, float)) or not 0 < mutation_rate:
            raise OutOfSpaceError(f"mutation_rate must be a positive number, got {mutation_rate!r}")
        self.mutation_rate = float(mutation_rate)

    def __repr__(self) -> str:
        return f"NB101Space(mutation_rate={self.mutation_rate})"

    # --- identity -----------------------------------------------------------------------
    def validate(self, arch: Cell101) -> Cell101:
        """Return ``arch`` unchanged if it is in the space.

        Raises:
            OutOfSpaceError: naming the first broken rule (shape, entry, cycle, op, path,
                edge count, ...).

        Example:
            >>> NB101Space().validate(Cell101([[0, 0], [0, 0]], ["input", "output"]))
            Traceback (most recent call last):
            ...
            nasbench_kit.errors.OutOfSpaceError: no path from input to output in 0000|input,output
        """
        _check_structure(arch)
        _pruned_or_raise(arch)
        return arch

    def parse(self, text: str) -> Cell101:
        """Parse ``str(cell)``; see :meth:`Cell101.from_string`."""
        return Cell101.from_string(text)

    def prune(self, arch: Cell101) -> Cell101:
        """The cell with every vertex on no input -> output path removed (as the official spec).

        Example:
            >>> cell = Cell101([[0, 1, 1], [0, 0, 0], [0, 0, 0]], ["input", "conv1x1-bn-relu", "output"])
            >>> str(NB101Space().prune(cell))
            '0100|input,output'
        """
        self.validate(arch)
        matrix, ops = _graph.prune(arch.matrix, arch.ops)
        return Cell101(matrix, ops)

    def canonical(self, arch: Cell101) -> str:
        """The official NAS-Bench-101 hash (the data set's key) of the pruned cell.

        Isomorphic cells get the same hash; the hash has no false positives within this
        space (checked exhaustively by the NAS-Bench-101 authors).

        Example:
            >>> m = [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
            >>> NB101Space().canonical(Cell101(m, ["input", "maxpool3x3", "output"])) == \\
            ...     NB101Space().canonical(Cell101(m, ["input", "conv3x3-bn-relu", "output"]))
            False
        """
        _check_structure(arch)
        return _official_hash(arch)

    # --- sampling and variation -------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> Cell101:
        """A random cell, as the official ``random_spec``: uniform 7x7 upper-triangular 0/1
        matrix and uniform interior ops, redrawn until valid. Returned unpruned.

        Example:
            >>> NB101Space().sample(np.random.default_rng(1)).num_vertices
            7
        """
        n = MAX_VERTICES
        while True:
            matrix = np.triu(rng.integers(0, 2, size=(n, n)), k=1)
            picks = rng.integers(0, len(OPS), size=n - 2)
            ops = (INPUT, *(OPS[k] for k in picks), OUTPUT)
            matrix_t = tuple(tuple(int(x) for x in row) for row in matrix)
            if _is_valid(matrix_t, ops):
                return Cell101(matrix_t, ops)

    def mutate(self, arch: Cell101, rng: np.random.Generator) -> Cell101:
        """One mutation as in the official ``mutate_spec`` (NAS-Bench-101 regularized evolution).

        Each possible edge flips with probability ``mutation_rate / V`` and each interior
        op is replaced by a different op with probability ``mutation_rate / (V - 2)``,
        on the unpruned cell; the draw repeats until the child is valid. Unlike the
        official example, a child with the parent's hash (same function) is also redrawn,
        so a mutation always changes the computation. A cell with fewer than 7 vertices
        is first padded with unconnected vertices (random ops) so that it can grow.

        Example:
            >>> space = NB101Space()
            >>> parent = space.sample(np.random.default_rng(0))
            >>> child = space.mutate(parent, np.random.default_rng(1))
            >>> space.canonical(child) != space.canonical(parent)
            True
        """
        parent_hash = self.canonical(arch)
        fill = [OPS[k] for k in rng.integers(0, len(OPS), size=MAX_VERTICES - arch.num_vertices)]
        base_matrix, base_ops = _pad(arch.matrix, arch.ops, fill)
        n = len(base_ops)
        edge_prob = self.mutation_rate / n
        op_prob = self.mutation_rate / (n - 2)
        rows, cols = np.triu_indices(n, k=1)
        for _ in range(_MAX_TRIES):
            matrix = np.array(base_matrix, dtype=np.int64)
            flips = rng.random(len(rows)) < edge_prob
            matrix[rows[flips], cols[flips]] ^= 1
            ops = list(base_ops)
            for v in range(1, n - 1):
                if rng.random() < op_prob:
                    others = [op for op in OPS if op != ops[v]]
                    ops[v] = others[int(rng.integers(len(others)))]
            child_matrix = tuple(tuple(int(x) for x in row) for row in matrix)
            child_ops = tuple(ops)
            if _is_valid(child_matrix, child_ops):
                child = Cell101(child_matrix, child_ops)
                if _official_hash(child) != parent_hash:
                    return child
        raise NasKitError(f"mutate found no different valid cell in {_MAX_TRIES} draws from {arch}")

    def neighbors(self, arch: Cell101) -> list[Cell101]:
        """Every valid cell one edge flip or one op change away, one per distinct function.

        Order: edge flips ``(i, j)`` in row-major order, then op changes vertex by vertex
        (new op in :data:`OPS` order). Cells with the parent's hash are left out, and of
        several neighbours with the same hash only the first is kept. Works on the
        unpruned cell (a cell with only input and output has no neighbours).

        Example:
            >>> cell = Cell101([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "maxpool3x3", "output"])
            >>> [str(c) for c in NB101Space().neighbors(cell)][:1]
            ['011001000|input,maxpool3x3,output']
        """
        seen = {self.canonical(arch)}
        found: list[Cell101] = []
        n = arch.num_vertices
        candidates = [
            (_flip(arch.matrix, i, j), arch.ops) for i in range(n - 1) for j in range(i + 1, n)
        ]
        for v in range(1, n - 1):
            for op in OPS:
                if op != arch.ops[v]:
                    candidates.append((arch.matrix, (*arch.ops[:v], op, *arch.ops[v + 1:])))
        for matrix, ops in candidates:
            if not _is_valid(matrix, ops):
                continue
            cell = Cell101(matrix, ops)
            key = _official_hash(cell)
            if key not in seen:
                seen.add(key)
                found.append(cell)
        return found

    def crossover(self, a: Cell101, b: Cell101, rng: np.random.Generator) -> Cell101:
        """Uniform crossover: each possible edge and each interior op from ``a`` or ``b``.

        Both parents are first padded to 7 vertices with unconnected vertices (the padded
        ops are taken from the other parent's op at that position, or drawn at random).
        The draw repeats until the child is valid; after 100 failed draws parent ``a`` is
        returned. Example:

            >>> space = NB101Space()
            >>> rng = np.random.default_rng(0)
            >>> child = space.crossover(space.sample(rng), space.sample(rng), rng)
            >>> space.validate(child) == child
            True
        """
        self.validate(a)
        self.validate(b)
        mat_a, ops_a = _pad(a.matrix, a.ops, [OPS[k] for k in rng.integers(0, 3, size=MAX_VERTICES - a.num_vertices)])
        mat_b, ops_b = _pad(b.matrix, b.ops, [OPS[k] for k in rng.integers(0, 3, size=MAX_VERTICES - b.num_vertices)])
        arr_a, arr_b = np.array(mat_a), np.array(mat_b)
        n = MAX_VERTICES
        for _ in range(100):
            take_a = rng.random((n, n)) < 0.5
            matrix = np.triu(np.where(take_a, arr_a, arr_b), k=1)
            pick_a = rng.random(n) < 0.5
            ops = tuple(x if keep else y for x, y, keep in zip(ops_a, ops_b, pick_a))
            child_matrix = tuple(tuple(int(x) for x in row) for row in matrix)
            if _is_valid(child_matrix, ops):
                return Cell101(child_matrix, ops)
        return a

    # --- categorical decisions (spaces.base.DecisionSpace) ----------------------------------
    def decisions(self) -> tuple[int, ...]:
        """21 edge bits of the 7x7 upper triangle (row-major, 2 choices), then the op of
        vertices 1..5 (3 choices, :data:`OPS` order): the ``"onehot"`` encoding's layout.

        Not every tuple is a cell: :meth:`from_decisions` rejects those with no input ->
        output path or more than 9 edges after pruning (the official ``random_spec``
        rejection rule).
        """
        return (2,) * _NUM_TRIU + (len(OPS),) * (MAX_VERTICES - 2)

    def from_decisions(self, choices: Sequence[int]) -> Cell101:
        """The 7-vertex cell with these edge bits and ops (see :meth:`decisions`).

        Raises:
            OutOfSpaceError: wrong length or a value out of range, or a graph outside the
                space (no input -> output path, more than 9 edges after pruning).

        Example:
            >>> space = NB101Space()
            >>> cell = space.sample(np.random.default_rng(0))
            >>> space.from_decisions(space.to_decisions(cell)) == cell
            True
        """
        values = checked_choices(choices, self.decisions())
        matrix = [[0] * MAX_VERTICES for _ in range(MAX_VERTICES)]
        for bit, (i, j) in zip(values, _TRIU_PAIRS):
            matrix[i][j] = bit
        ops = (INPUT, *(OPS[k] for k in values[_NUM_TRIU:]), OUTPUT)
        return self.validate(Cell101(matrix, ops))

    def to_decisions(self, arch: Cell101) -> tuple[int, ...]:
        """Edge bits and op indices of ``arch``; a cell with fewer than 7 vertices is first
        padded with unconnected vertices (op index 0), which computes the same function."""
        self.validate(arch)
        matrix, ops = _pad(arch.matrix, arch.ops, [OPS[0]] * (MAX_VERTICES - arch.num_vertices))
        return tuple(matrix[i][j] for i, j in _TRIU_PAIRS) + tuple(OPS.index(op) for op in ops[1:-1])

    # --- encodings ----------------------------------------------------------------------
    def encoding_length(self, kind: str = "onehot") -> int:
        """36 for ``"onehot"``/``"adjacency"`` (21 edges + 5 x 3 ops), 364 for ``"path"``."""
        self._check_kind(kind)
        return _NUM_PATHS if kind == "path" else _NUM_TRIU + len(OPS) * (MAX_VERTICES - 2)

    def encode(self, arch: Cell101, kind: str = "onehot") -> np.ndarray:
        """Fixed-length float vector of the (unpruned) cell.

        * ``"onehot"``: the 21 upper-triangle entries of the 7x7 matrix (row-major), then
          for vertices 1..5 a one-hot op in :data:`OPS` order (BANANAS "adjacency" encoding).
        * ``"adjacency"``: NASLib's ``adjacency_one_hot``: the same 21 entries, then per
          vertex the op codes in NASLib's order (maxpool, conv3x3, conv1x1).
        * ``"path"``: BANANAS path encoding: entry ``sum_i 3^i * (op_i + 1)`` is 1 when an
          input -> output path passes the op sequence ``op_0, op_1, ...`` (364 entries;
          presence, not a count, as in BANANAS).

        Cells with fewer than 7 vertices are padded with unconnected vertices before the
        output; padded vertices get an all-zero op block.

        Raises:
            UnknownNameError: unknown ``kind``.
            OutOfSpaceError: ``arch`` is not in the space.
        """
        self._check_kind(kind)
        self.validate(arch)
        if kind == "path":
            return _path_encoding(arch)
        order = OPS if kind == "onehot" else _NASLIB_OP_ORDER
        matrix, ops = _pad(arch.matrix, arch.ops, [""] * (MAX_VERTICES - arch.num_vertices))
        out = np.zeros(self.encoding_length(kind), dtype=np.float32)
        rows, cols = np.triu_indices(MAX_VERTICES, k=1)
        out[:_NUM_TRIU] = np.array(matrix)[rows, cols]
        for v in range(1, MAX_VERTICES - 1):
            if ops[v]:
                out[_NUM_TRIU + 3 * (v - 1) + order.index(ops[v])] = 1.0
        return out

    # --- enumeration ----------------------------------------------------------------------
    @property
    def is_finite(self) -> bool:
        return True

    def __len__(self) -> int:
        return NUM_UNIQUE

    def __iter__(self) -> Iterator[Cell101]:
        """One pruned representative per unique cell, in the official enumeration order.

        Follows the official ``generate_graphs.py``: for V = 2..7 vertices, every
        upper-triangular matrix (bit ``i + j(j-1)/2`` is edge ``i -> j``) with no dangling
        vertex and at most 9 edges, every labelling, keeping the first cell of each hash.
        Lazy (the first cells come at once) but slow: the full 423,624 cells take about
        2.5 minutes on one core (measured 157 s, see ``bench/RESULTS.md``);
        ``bench/enumerate_nb101.py`` is the parallel version.
        """
        seen: set[str] = set()
        for matrix, preds, succs in _full_dags():
            n = len(matrix)
            for picks in itertools.product(range(len(OPS)), repeat=n - 2):
                key = _graph.hash_from_neighbours(preds, succs, (_INPUT_LABEL, *picks, _OUTPUT_LABEL))
                if key not in seen:
                    seen.add(key)
                    yield Cell101(matrix, (INPUT, *(OPS[k] for k in picks), OUTPUT))


def _full_dags(max_vertices: int = MAX_VERTICES, max_edges: int = MAX_EDGES):
    """Yield ``(matrix, preds, succs)`` for every full DAG, in the official order."""
    for n in range(2, max_vertices + 1):
        pairs = [(i, j) for j in range(1, n) for i in range(j)]  # bit k <-> pairs[k]
        for bits in range(1 << len(pairs)):
            if bin(bits).count("1") > max_edges:
                continue
            rows = [[0] * n for _ in range(n)]
            for k, (i, j) in enumerate(pairs):
                if bits >> k & 1:
                    rows[i][j] = 1
            matrix = tuple(tuple(row) for row in rows)
            if not _graph.is_full_dag(matrix):
                continue
            preds = [[u for u in range(n) if matrix[u][v]] for v in range(n)]
            succs = [[w for w in range(n) if matrix[v][w]] for v in range(n)]
            yield matrix, preds, succs


def _path_encoding(arch: Cell101) -> np.ndarray:
    n = arch.num_vertices
    # paths_to[v]: path codes (index, length) of every input -> v path, as op sequences.
    paths_to: list[set[tuple[int, int]]] = [set() for _ in range(n)]
    paths_to[0].add((0, 0))
    for v in range(1, n):
        for u in range(v):
            if not arch.matrix[u][v] or not paths_to[u]:
                continue
            if u == 0:
                paths_to[v] |= paths_to[0]
            else:
                digit = OPS.index(arch.ops[u]) + 1
                paths_to[v] |= {(index + digit * 3**length, length + 1) for index, length in paths_to[u]}
    out = np.zeros(_NUM_PATHS, dtype=np.float32)
    for index, _length in paths_to[n - 1]:
        out[index] = 1.0
    return out
