"""Pareto masks, ranks and hypervolume against brute-force references."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nasbench_kit.errors import ArgumentError
from nasbench_kit.pareto import hypervolume, non_dominated_mask, non_dominated_ranks


def brute_mask(p: np.ndarray) -> np.ndarray:
    """O(n^2) definition: no other point is <= everywhere and < somewhere (minimization)."""
    n = len(p)
    out = np.ones(n, dtype=bool)
    for i in range(n):
        for j in range(n):
            if np.all(p[j] <= p[i]) and np.any(p[j] < p[i]):
                out[i] = False
                break
    return out


def brute_ranks(p: np.ndarray) -> np.ndarray:
    ranks = np.full(len(p), -1)
    left = list(range(len(p)))
    rank = 0
    while left:
        mask = brute_mask(p[left])
        for k, i in enumerate(left):
            if mask[k]:
                ranks[i] = rank
        left = [i for k, i in enumerate(left) if not mask[k]]
        rank += 1
    return ranks


def grid_hypervolume(p: np.ndarray, ref: int) -> int:
    """Exact volume for integer points in [0, ref): count the unit cells some point dominates."""
    m = p.shape[1]
    count = 0
    for cell in itertools.product(range(ref), repeat=m):
        if np.any(np.all(p <= np.array(cell), axis=1)):
            count += 1
    return count


int_points = st.integers(1, 4).flatmap(
    lambda m: hnp.arrays(np.int64, st.tuples(st.integers(0, 25), st.just(m)), elements=st.integers(0, 5))
)


@settings(max_examples=150, deadline=None)
@given(points=int_points)
def test_mask_and_ranks_match_brute_force(points):
    p = points.astype(float)  # small integer grid: many ties and duplicates
    np.testing.assert_array_equal(non_dominated_mask(p), brute_mask(p))
    np.testing.assert_array_equal(non_dominated_ranks(p), brute_ranks(p))


@settings(max_examples=100, deadline=None)
@given(points=int_points, data=st.data())
def test_maximize_flags_flip_columns(points, data):
    flags = data.draw(st.lists(st.booleans(), min_size=points.shape[1], max_size=points.shape[1]))
    flipped = np.where(flags, -points, points).astype(float)
    np.testing.assert_array_equal(non_dominated_mask(points, maximize=flags), brute_mask(flipped))


@settings(max_examples=60, deadline=None)
@given(points=st.integers(2, 3).flatmap(
    lambda m: hnp.arrays(np.int64, st.tuples(st.integers(0, 12), st.just(m)), elements=st.integers(0, 5))))
def test_hypervolume_matches_grid_count(points):
    ref = 6
    assert hypervolume(points, [ref] * points.shape[1]) == pytest.approx(grid_hypervolume(points, ref))


def test_hypervolume_4d_matches_grid_count():
    rng = np.random.default_rng(0)
    points = rng.integers(0, 4, (10, 4))
    assert hypervolume(points, [4, 4, 4, 4]) == grid_hypervolume(points, 4)


def test_hypervolume_with_maximized_objective_and_points_beyond_the_reference():
    # maximize accuracy (ref 0), minimize latency (ref 10): boxes 90x8 and 80x9 overlap in 80x8.
    assert hypervolume([[90.0, 2.0], [80.0, 1.0]], [0.0, 10.0], maximize=[True, False]) == 90 * 8 + 80 * 1
    assert hypervolume([[1.0, 20.0]], [5.0, 10.0]) == 0.0  # worse than the reference: nothing
    assert hypervolume(np.empty((0, 2)), [1.0, 1.0]) == 0.0
    assert hypervolume([[1.0], [3.0]], [5.0]) == 4.0


def test_nan_rows_are_never_on_a_front():
    p = np.array([[1.0, np.nan], [2.0, 2.0], [0.0, 5.0]])
    assert non_dominated_mask(p).tolist() == [False, True, True]
    assert non_dominated_ranks(p).tolist() == [-1, 0, 0]
    assert hypervolume(p, [10.0, 10.0]) == pytest.approx(8 * 8 + 2 * 5)


def test_large_2d_front_is_fast_enough_and_correct():
    rng = np.random.default_rng(1)
    p = rng.random((15_625, 2))
    mask = non_dominated_mask(p)
    front = p[mask]
    assert not any((np.all(front <= q, axis=1) & np.any(front < q, axis=1)).any() for q in front)
    assert all((np.all(front <= q, axis=1) & np.any(front < q, axis=1)).any() for q in p[~mask][:500])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: non_dominated_mask(np.zeros((3, 2, 1))), "2-D array"),
        (lambda: non_dominated_mask([[1, 2]], maximize=[True]), "one bool per objective"),
        (lambda: non_dominated_mask([[1, 2]], maximize=[1, 0]), "one bool per objective"),
        (lambda: non_dominated_mask([["a", "b"]]), "numeric"),
        (lambda: hypervolume([[1, 2]], [3.0]), "reference has 1 values but points have 2"),
        (lambda: hypervolume([[1, 2]], [3.0, np.inf]), "reference must be finite"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ArgumentError, match=message):
        call()
