"""Plot data over the whole space: ``analysis.space_points`` and ``analysis.feasible_count``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.analysis import feasible_count, space_points
from nasbench_kit.errors import ArgumentError, UnknownNameError
from nasbench_kit.objectives import Constraint

LATENCY = "latency_ms_cpu1t"


@pytest.fixture(scope="module")
def points(synth_bench):
    return space_points(synth_bench, LATENCY, "valid_acc")


def test_space_points_has_every_cell_in_enumeration_order(synth_bench, points):
    space = synth_bench.space
    assert list(points.columns) == ["arch_index", "arch", LATENCY, "valid_acc"]
    assert len(points) == len(space) == 15_625
    assert points["arch_index"].tolist() == list(range(len(space)))
    for i in (0, 1, 777, 15_624):
        assert points.loc[i, "arch"] == str(space.cell_at(i))
        assert points.loc[i, LATENCY] == synth_bench.metric_array(LATENCY)[i]


def test_space_points_reads_the_values_a_query_gives(synth_bench, points):
    for i in (3, 4242, 15_000):
        arch = synth_bench.space.parse(points.loc[i, "arch"])
        assert points.loc[i, "valid_acc"] == pytest.approx(synth_bench.query(arch).final.valid_acc)
        assert points.loc[i, LATENCY] == pytest.approx(synth_bench.query_many([arch], metric=LATENCY)[0])


def test_space_points_refuses_unknown_metrics(synth_bench):
    with pytest.raises(UnknownNameError, match="latency_gpu"):
        space_points(synth_bench, "latency_gpu", "valid_acc")


def test_feasible_count_matches_a_count_over_the_cloud(synth_bench, points):
    limit = float(np.median(points[LATENCY]))
    params = synth_bench.metric_array("params")
    params_limit = float(np.quantile(params, 0.3))
    expected = int(((points[LATENCY] <= limit) & (params >= params_limit)).sum())
    both = [Constraint(LATENCY, at_most=limit), Constraint("params", at_least=params_limit)]
    assert feasible_count(synth_bench, both) == expected
    assert feasible_count(synth_bench, both[:1]) == int((points[LATENCY] <= limit).sum())


def test_feasible_count_edges(synth_bench, points):
    low = float(points[LATENCY].min())
    assert feasible_count(synth_bench, []) == 15_625
    assert feasible_count(synth_bench, [Constraint(LATENCY, at_most=low - 1e-9)]) == 0
    assert feasible_count(synth_bench, [Constraint(LATENCY, at_most=low)]) == int((points[LATENCY] == low).sum()) >= 1


@settings(max_examples=25, deadline=None)
@given(a=st.floats(0.0, 6.0), b=st.floats(0.0, 6.0))
def test_feasible_count_is_monotone_in_the_bound(synth_bench, a, b):
    a, b = sorted((a, b))
    count_a = feasible_count(synth_bench, [Constraint(LATENCY, at_most=a)])
    count_b = feasible_count(synth_bench, [Constraint(LATENCY, at_most=b)])
    between = feasible_count(synth_bench, [Constraint(LATENCY, at_least=a, at_most=b)])
    assert count_a <= count_b
    assert between >= count_b - count_a  # cells in (a, b] plus those exactly at a


def test_feasible_count_refuses_bad_constraints(synth_bench):
    with pytest.raises(ArgumentError, match="Constraint objects"):
        feasible_count(synth_bench, [("params", 1e5)])
    with pytest.raises(UnknownNameError, match="latency_gpu"):
        feasible_count(synth_bench, [Constraint("latency_gpu", at_most=1.0)])
