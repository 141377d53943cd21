"""Pareto dominance: non-dominated masks, non-dominated sorting ranks, exact hypervolume.

Points are rows of an ``(n_points, n_objectives)`` array. By default every objective is
minimized; pass ``maximize=[True, False, ...]`` (one flag per column) to maximize some.
A point *dominates* another if it is at least as good in every objective and strictly
better in one; equal points do not dominate each other. Rows containing NaN are never
on a front (they have no complete value).

>>> import numpy as np
>>> pts = np.array([[1.0, 4.0], [2.0, 2.0], [3.0, 3.0], [4.0, 1.0]])
>>> non_dominated_mask(pts).tolist()
[True, True, False, True]
>>> non_dominated_ranks(pts).tolist()
[0, 0, 1, 0]
>>> hypervolume(pts, reference=[5.0, 5.0])
11.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import ArgumentError

__all__ = ["non_dominated_mask", "non_dominated_ranks", "hypervolume", "hypervolume_2d"]


def _oriented(points: object, maximize: Sequence[bool] | None) -> np.ndarray:
    """Float64 copy of ``points`` with maximized columns negated (so all are minimized)."""
    try:
        arr = np.array(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentError(f"points must be a numeric (n_points, n_objectives) array, got {points!r:.80}") from None
    if arr.ndim == 1 and arr.size == 0:
        arr = arr.reshape(0, 1 if maximize is None else max(len(maximize), 1))
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ArgumentError(f"points must be a 2-D array (n_points, n_objectives), got shape {arr.shape}")
    if maximize is not None:
        flags = list(maximize)
        if len(flags) != arr.shape[1] or not all(isinstance(f, (bool, np.bool_)) for f in flags):
            raise ArgumentError(
                f"maximize must hold one bool per objective ({arr.shape[1]}), got {maximize!r}"
            )
        arr[:, np.asarray(flags, dtype=bool)] *= -1.0
    return arr


def _mask_minimize(p: np.ndarray) -> np.ndarray:
    """Non-dominated mask of finite points, all objectives minimized."""
    n, m = p.shape
    mask = np.zeros(n, dtype=bool)
    if n == 0:
        return mask
    if m == 1:
        return p[:, 0] == p[:, 0].min()
    order = np.lexsort(p.T[::-1])  # lexicographic: column 0 first
    s = p[order]
    if m == 2:
        x, y = s[:, 0], s[:, 1]
        new_x = np.r_[True, x[1:] != x[:-1]]
        group_start = np.maximum.accumulate(np.where(new_x, np.arange(n), 0))
        prefix_min = np.minimum.accumulate(y)
        # Best y among points with strictly smaller x (inf for the first x value).
        before = np.where(group_start > 0, prefix_min[np.maximum(group_start - 1, 0)], np.inf)
        dominated = (before <= y) | (y > y[group_start])  # y[group_start]: best y at equal x
        mask[order] = ~dominated
        return mask
    # A dominating point sorts lexicographically before the point it dominates, and
    # dominance is transitive, so each point only needs checking against the front so far.
    front = np.empty((0, m))
    keep = np.zeros(n, dtype=bool)
    for i in range(n):
        q = s[i]
        if front.shape[0] and np.any(np.all(front <= q, axis=1) & np.any(front < q, axis=1)):
            continue
        keep[i] = True
        front = np.vstack([front, q])
    mask[order] = keep
    return mask


def non_dominated_mask(points: object, *, maximize: Sequence[bool] | None = None) -> np.ndarray:
    """Boolean mask of the points no other point dominates.

    Args:
        points: ``(n_points, n_objectives)`` numbers.
        maximize: one flag per objective (default: minimize all).

    Returns:
        Bool array of length ``n_points``; rows with NaN are False. Exact duplicates of a
        front point are all True.

    Raises:
        ArgumentError: if ``points`` is not 2-D numeric or ``maximize`` has the wrong length.

    Example:
        >>> non_dominated_mask([[90.0, 3.0], [92.0, 5.0], [89.0, 4.0]], maximize=[True, False]).tolist()
        [True, True, False]
    """
    p = _oriented(points, maximize)
    out = np.zeros(p.shape[0], dtype=bool)
    rows = np.flatnonzero(~np.isnan(p).any(axis=1))
    out[rows] = _mask_minimize(p[rows])
    return out


def non_dominated_ranks(points: object, *, maximize: Sequence[bool] | None = None) -> np.ndarray:
    """Non-dominated sorting: rank 0 is the front, rank 1 the front of the rest, ...

    Returns:
        Int64 array of length ``n_points``; rows with NaN get rank -1.

    Example:
        >>> non_dominated_ranks([[1, 1], [2, 2], [3, 3], [float("nan"), 0]]).tolist()
        [0, 1, 2, -1]
    """
    p = _oriented(points, maximize)
    ranks = np.full(p.shape[0], -1, dtype=np.int64)
    remaining = np.flatnonzero(~np.isnan(p).any(axis=1))
    rank = 0
    while remaining.size:
        front = _mask_minimize(p[remaining])
        ranks[remaining[front]] = rank
        remaining = remaining[~front]
        rank += 1
    return ranks


def hypervolume_2d(points: np.ndarray, reference: np.ndarray) -> float:
    """Exact 2-D hypervolume of minimized ``points`` (n, 2) w.r.t. ``reference`` (2,).

    Points not strictly better than the reference in both objectives add nothing.
    """
    p = points[np.all(points < reference, axis=1)]
    if p.shape[0] == 0:
        return 0.0
    p = p[_mask_minimize(p)]
    p = p[np.lexsort((p[:, 1], p[:, 0]))]  # x ascending; y then descends along the front
    widths = np.diff(np.r_[p[:, 0], reference[0]])
    return float(np.sum(widths * (reference[1] - p[:, 1])))


def _hv(p: np.ndarray, reference: np.ndarray) -> float:
    m = p.shape[1]
    if p.shape[0] == 0:
        return 0.0
    if m == 1:
        return float(reference[0] - p[:, 0].min())
    if m == 2:
        return hypervolume_2d(p, reference)
    # Dimension sweep: slabs between consecutive values of the last objective; each slab's
    # cross-section is the (m-1)-D hypervolume of the points at or below it.
    p = p[np.argsort(p[:, -1], kind="stable")]
    z = np.r_[p[:, -1], reference[-1]]
    total = 0.0
    for i in range(p.shape[0]):
        depth = z[i + 1] - z[i]
        if depth > 0:
            total += depth * _hv(p[: i + 1, :-1], reference[:-1])
    return total


def hypervolume(points: object, reference: Sequence[float], *, maximize: Sequence[bool] | None = None) -> float:
    """Exact hypervolume dominated by ``points`` and bounded by ``reference``.

    The reference point is given in the metrics' own units and orientation (e.g. for
    ``maximize=[True, False]`` on (accuracy, latency): ``[0.0, 10.0]``). Points not strictly
    better than the reference in every objective contribute nothing. 2-D is an
    ``O(n log n)`` sweep; more objectives use a recursive dimension sweep (fine for
    fronts of up to a few hundred points).

    Raises:
        ArgumentError: shapes that do not match, or a non-finite reference.

    Example:
        >>> hypervolume([[90.0, 2.0], [80.0, 1.0]], reference=[0.0, 10.0], maximize=[True, False])
        800.0
    """
    p = _oriented(points, maximize)
    ref = _oriented(np.asarray(reference, dtype=np.float64).reshape(1, -1), maximize)[0]
    if ref.shape[0] != p.shape[1]:
        raise ArgumentError(f"reference has {ref.shape[0]} values but points have {p.shape[1]} objectives")
    if not np.all(np.isfinite(ref)):
        raise ArgumentError(f"reference must be finite, got {list(reference)!r}")
    p = p[~np.isnan(p).any(axis=1)]
    p = p[np.all(p < ref, axis=1)]
    if p.shape[0] == 0:
        return 0.0
    p = p[_mask_minimize(p)]
    return float(_hv(p, ref))
