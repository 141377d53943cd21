"""Objective and Constraint: validation, orientation, satisfaction."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nasbench_kit.errors import ArgumentError, UnknownNameError
from nasbench_kit.objectives import Constraint, Objective, check_metrics


def test_objective_orientation():
    acc, lat = Objective("valid_acc"), Objective("latency_ms_cpu1t", maximize=False)
    assert acc.maximize and acc.sign == -1.0 and lat.sign == 1.0
    np.testing.assert_array_equal(acc.to_minimize([90.0, 80.0]), [-90.0, -80.0])
    assert acc.better(91.0, 90.0) and not acc.better(90.0, 90.0) and lat.better(1.0, 2.0)
    assert not acc.better(float("nan"), 1.0)
    assert str(acc) == "maximize valid_acc" and str(lat) == "minimize latency_ms_cpu1t"


def test_values_are_frozen_and_hashable():
    o = Objective("valid_acc")
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.metric = "test_acc"  # type: ignore[misc]
    assert len({o, Objective("valid_acc"), Constraint("params", at_most=1e6)}) == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Objective(""), "non-empty metric name"),
        (lambda: Objective(" valid_acc"), "non-empty metric name"),
        (lambda: Objective(3), "non-empty metric name"),  # type: ignore[arg-type]
        (lambda: Objective("valid_acc", maximize="yes"), "True or False"),  # type: ignore[arg-type]
        (lambda: Constraint("params"), "needs at_most=... and/or at_least="),
        (lambda: Constraint("params", at_most="5"), "must be a number or None"),  # type: ignore[arg-type]
        (lambda: Constraint("params", at_most=True), "must be a number or None"),
        (lambda: Constraint("params", at_most=math.nan), "must be finite"),
        (lambda: Constraint("params", at_least=5, at_most=1), "at_least=5.0 is above at_most=1.0"),
    ],
)
def test_invalid_arguments(make, message):
    with pytest.raises(ArgumentError, match=message):
        make()


def test_constraint_satisfaction_and_violation():
    c = Constraint("latency_ms_cpu1t", at_most=5.0)
    assert c.satisfied(5.0) and not c.satisfied(5.01) and not c.satisfied(float("nan"))
    assert c.violation(7.0) == 2.0 and c.violation(3.0) == 0.0 and c.violation(float("nan")) == math.inf
    band = Constraint("params", at_least=10, at_most=20)
    assert band.satisfied_many([5, 10, 15, 20, 25]).tolist() == [False, True, True, True, False]
    assert band.violation(5) == 5.0 and str(band) == "10.0 <= params <= 20.0"
    assert str(Constraint("flops", at_least=1)) == "1.0 <= flops"


@given(value=st.floats(-1e6, 1e6), low=st.floats(-1e3, 1e3), width=st.floats(0, 1e3))
def test_satisfied_iff_no_violation(value, low, width):
    c = Constraint("m", at_least=low, at_most=low + width)
    assert c.satisfied(value) == (c.violation(value) == 0.0)


def test_check_metrics_names_what_exists():
    check_metrics([Objective("valid_acc"), Constraint("params", at_most=1)], ["valid_acc", "params"])
    with pytest.raises(UnknownNameError, match=r"Objective metric 'acc' is not available; metrics: \['valid_acc'\]"):
        check_metrics([Objective("acc")], ["valid_acc"])
