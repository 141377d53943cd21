"""Labelled-DAG helpers for cell spaces: pruning, the NAS-Bench-101 hash, isomorphism.

Graphs are plain values here: an adjacency ``matrix`` is a tuple of row tuples of 0/1
ints (``matrix[src][dst] == 1`` is an edge ``src -> dst``), vertex 0 is the input and the
last vertex the output. Nothing in this module validates its input; callers do.

* :func:`prune` drops vertices that lie on no input -> output path (as the official
  ``ModelSpec`` does before hashing or building a network).
* :func:`hash_module` is the official NAS-Bench-101 graph hash, re-implemented from its
  description: iterated in-/out-degree + label hashing with MD5.
* :func:`is_isomorphic` and :func:`brute_force_form` try every relabelling of the interior
  vertices; they are slow and exist as a test reference for the hash.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

Matrix = tuple[tuple[int, ...], ...]

__all__ = [
    "Matrix",
    "prune",
    "is_full_dag",
    "num_edges",
    "hash_module",
    "hash_from_neighbours",
    "permute",
    "brute_force_form",
    "is_isomorphic",
]


def num_edges(matrix: Matrix) -> int:
    """Number of edges (ones) in ``matrix``."""
    return sum(sum(row) for row in matrix)


def _reachable(start: int, nexts) -> set[int]:
    """Vertices reachable from ``start`` by repeatedly following ``nexts(vertex)``."""
    seen = {start}
    stack = [start]
    while stack:
        vertex = stack.pop()
        for other in nexts(vertex):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return seen


def prune(matrix: Matrix, ops: Sequence[str]) -> tuple[Matrix, tuple[str, ...]] | None:
    """Remove every vertex that is not on some input -> output path.

    Args:
        matrix: square upper-triangular 0/1 adjacency matrix.
        ops: one label per vertex.

    Returns:
        ``(matrix, ops)`` of the pruned graph (kept vertices in their original order), or
        ``None`` when the output cannot be reached from the input.

    Example:
        >>> prune(((0, 1, 1), (0, 0, 0), (0, 0, 0)), ("input", "a", "output"))
        (((0, 1), (0, 0)), ('input', 'output'))
    """
    n = len(matrix)
    last = n - 1
    forward = _reachable(0, lambda v: (w for w in range(n) if matrix[v][w]))
    if last not in forward:
        return None
    backward = _reachable(last, lambda v: (u for u in range(n) if matrix[u][v]))
    keep = sorted(forward & backward)
    pruned = tuple(tuple(matrix[i][j] for j in keep) for i in keep)
    return pruned, tuple(ops[i] for i in keep)


def is_full_dag(matrix: Matrix) -> bool:
    """True if every vertex but the output has an out-edge and every one but the input an in-edge.

    For an upper-triangular matrix this is the same as "pruning removes nothing".
    """
    n = len(matrix)
    if any(not any(matrix[v]) for v in range(n - 1)):
        return False
    return all(any(matrix[u][v] for u in range(n)) for v in range(1, n))


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def hash_from_neighbours(
    preds: Sequence[Sequence[int]], succs: Sequence[Sequence[int]], labels: Sequence[int]
) -> str:
    """The NAS-Bench-101 hash from in-/out-neighbour lists (the fast inner loop).

    Args:
        preds: ``preds[v]`` lists the vertices with an edge into ``v``.
        succs: ``succs[v]`` lists the vertices ``v`` has an edge to.
        labels: one Python ``int`` label per vertex (input -1, output -2, ops 0, 1, 2).

    Returns:
        The 32-character hex MD5 fingerprint.
    """
    vertices = range(len(labels))
    neighbours = list(zip(preds, succs))
    # Seed digest per vertex: MD5 of the text of the Python tuple (out-degree, in-degree,
    # label), e.g. "(2, 0, -1)". The exact text matters: it is what the official hash used.
    digests = [_md5(str((len(succs[v]), len(preds[v]), int(labels[v])))) for v in vertices]
    # One refinement round per vertex (at least the diameter, so each vertex sees the graph):
    # new digest = MD5(sorted in-neighbour digests | sorted out-neighbour digests | own digest).
    for _ in vertices:
        digests = [
            _md5(
                "".join(sorted([digests[u] for u in into]))
                + "|"
                + "".join(sorted([digests[w] for w in out_of]))
                + "|"
                + digests[v]
            )
            for v, (into, out_of) in enumerate(neighbours)
        ]
    return _md5(str(sorted(digests)))


def hash_module(matrix: Matrix, labels: Sequence[int]) -> str:
    """The official NAS-Bench-101 hash of a labelled graph (``graph_util.hash_module``).

    Apply it to the *pruned* graph, with labels input=-1, output=-2 and each op's index in
    ``("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")``; that is what the official
    ``ModelSpec.hash_spec`` does and what the released data set is keyed by.

    Args:
        matrix: square 0/1 adjacency matrix.
        labels: one ``int`` per vertex.

    Returns:
        The 32-character hex MD5 fingerprint.

    Example:
        >>> len(hash_module(((0, 1), (0, 0)), (-1, -2)))
        32
    """
    n = len(matrix)
    preds = [[u for u in range(n) if matrix[u][v]] for v in range(n)]
    succs = [[w for w in range(n) if matrix[v][w]] for v in range(n)]
    return hash_from_neighbours(preds, succs, labels)


def permute(matrix: Matrix, labels: Sequence, order: Sequence[int]) -> tuple[Matrix, tuple]:
    """Relabel vertices: new vertex ``i`` is old vertex ``order[i]``.

    Example:
        >>> permute(((0, 1), (0, 0)), ("a", "b"), (1, 0))
        (((0, 0), (1, 0)), ('b', 'a'))
    """
    new_matrix = tuple(tuple(matrix[order[i]][order[j]] for j in range(len(order))) for i in range(len(order)))
    return new_matrix, tuple(labels[old] for old in order)


def _interior_orders(n: int):
    for middle in itertools.permutations(range(1, n - 1)):
        yield (0, *middle, n - 1)


def brute_force_form(matrix: Matrix, labels: Sequence) -> tuple[Matrix, tuple]:
    """An exact canonical form: the smallest relabelling over all interior permutations.

    Input and output stay in place (their labels are unique, so no isomorphism moves them).
    Two graphs are isomorphic exactly when their forms are equal. Cost: (n-2)! relabellings.
    """
    return min(permute(matrix, labels, order) for order in _interior_orders(len(matrix)))


def is_isomorphic(graph_a: tuple[Matrix, Sequence], graph_b: tuple[Matrix, Sequence]) -> bool:
    """Exhaustive labelled-graph isomorphism test (input and output mapped to themselves).

    Args:
        graph_a: ``(matrix, labels)``.
        graph_b: ``(matrix, labels)``.

    Returns:
        True if some permutation of ``graph_a``'s interior vertices gives ``graph_b``.

    Example:
        >>> m1 = ((0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1), (0, 0, 0, 0))
        >>> is_isomorphic((m1, ("i", "a", "b", "o")), (m1, ("i", "b", "a", "o")))
        False
    """
    (matrix_a, labels_a), (matrix_b, labels_b) = graph_a, graph_b
    if len(matrix_a) != len(matrix_b):
        return False
    target = (tuple(tuple(row) for row in matrix_b), tuple(labels_b))
    return any(
        permute(matrix_a, labels_a, order) == target for order in _interior_orders(len(matrix_a))
    )
