"""Enumerate the whole NAS-Bench-101 space and count unique cells by the official hash.

Follows the official ``generate_graphs.py``: for V = 2..7 vertices, every upper-triangular
matrix with at most 9 edges and no dangling vertex, every labelling of the V-2 interior
vertices with the 3 ops, hashed with ``graph_util.hash_module`` (our re-implementation);
the number of distinct hashes must be 423,624.

Matrices are screened with numpy (edge count and dangling vertices for all bitmasks at
once); the ~1.2 M hashes are computed in worker processes, each returning its set of hashes.

Usage::

    .venv/bin/python bench/enumerate_nb101.py [--workers 2] [--max-vertices 7]
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from nasbench_kit.spaces import _graph
from nasbench_kit.spaces.nb101 import MAX_EDGES, MAX_VERTICES, NUM_UNIQUE, OPS


def full_dag_masks(n: int, max_edges: int = MAX_EDGES) -> np.ndarray:
    """Bitmasks (official bit order: bit ``i + j(j-1)/2`` is edge ``i -> j``) of full DAGs."""
    pairs = [(i, j) for j in range(1, n) for i in range(j)]
    masks = np.arange(1 << len(pairs), dtype=np.uint32)
    masks = masks[np.bitwise_count(masks) <= max_edges]
    edges = (masks[:, None] >> np.arange(len(pairs), dtype=np.uint32)) & 1  # (N, pairs)
    src = np.array([i for i, _ in pairs])
    dst = np.array([j for _, j in pairs])
    out_deg = np.zeros((len(masks), n), dtype=np.int64)
    in_deg = np.zeros((len(masks), n), dtype=np.int64)
    for k in range(len(pairs)):
        out_deg[:, src[k]] += edges[:, k]
        in_deg[:, dst[k]] += edges[:, k]
    full = np.all(out_deg[:, : n - 1] > 0, axis=1) & np.all(in_deg[:, 1:] > 0, axis=1)
    return masks[full]


def hash_chunk(job: tuple[int, list[int]]) -> tuple[int, int, set[str]]:
    """Hash every labelling of the given matrices; return (V, labelled graphs, hashes)."""
    n, masks = job
    pairs = [(i, j) for j in range(1, n) for i in range(j)]
    hashes: set[str] = set()
    total = 0
    labellings = [(-1, *picks, -2) for picks in itertools.product(range(len(OPS)), repeat=n - 2)]
    for bits in masks:
        preds = [[] for _ in range(n)]
        succs = [[] for _ in range(n)]
        for k, (i, j) in enumerate(pairs):
            if bits >> k & 1:
                succs[i].append(j)
                preds[j].append(i)
        for labels in labellings:
            hashes.add(_graph.hash_from_neighbours(preds, succs, labels))
        total += len(labellings)
    return n, total, hashes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--max-vertices", type=int, default=MAX_VERTICES)
    parser.add_argument("--chunk", type=int, default=200, help="matrices per task")
    args = parser.parse_args()

    start = time.perf_counter()
    jobs = []
    for n in range(2, args.max_vertices + 1):
        masks = [int(m) for m in full_dag_masks(n)]
        jobs += [(n, masks[k:k + args.chunk]) for k in range(0, len(masks), args.chunk)]
    screen_s = time.perf_counter() - start

    per_vertices: dict[int, set[str]] = {}
    labelled: dict[int, int] = {}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for n, total, hashes in pool.map(hash_chunk, jobs):
            per_vertices.setdefault(n, set()).update(hashes)
            labelled[n] = labelled.get(n, 0) + total
    seen: set[str] = set()
    for n in sorted(per_vertices):
        seen |= per_vertices[n]
        print(f"up to {n} vertices: {len(seen):,} unique cells ({sum(labelled[m] for m in labelled if m <= n):,} labelled graphs)")
    elapsed_s = time.perf_counter() - start
    print(f"unique cells: {len(seen):,} (expected {NUM_UNIQUE:,} for 7 vertices)")
    print(f"matrix screening: {screen_s:.2f} s; total wall time: {elapsed_s:.1f} s with {args.workers} worker(s)")


if __name__ == "__main__":
    main()
