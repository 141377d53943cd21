"""Latency measurement and the lookup-table predictor on tiny models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nasbench_kit.errors import OutOfSpaceError
from nasbench_kit.spaces import Cell201
from nasbench_kit.training.latency import (
    LatencyResult,
    OpLatencyTable,
    measure_latencies,
    measure_latency,
    nb201_costs,
)


def test_measure_latency_fields():
    threads = torch.get_num_threads()
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU())
    model.train()
    r = measure_latency(model, (1, 3, 16, 16), warmup=2, repeats=9, threads=1)
    assert r.samples_ms.shape == (9,) and np.all(r.samples_ms > 0)
    assert r.median_ms == pytest.approx(float(np.median(r.samples_ms)))
    assert r.cv >= 0 and r.robust_cv >= 0
    assert not model.training  # timed in eval mode
    assert torch.get_num_threads() == threads


def test_round_robin_keeps_order():
    small = torch.nn.Conv2d(3, 2, 1)
    big = torch.nn.Sequential(*[torch.nn.Conv2d(64, 64, 3, padding=1) for _ in range(4)])
    lin = torch.nn.Conv2d(3, 64, 1)
    results = measure_latencies([small, torch.nn.Sequential(lin, big)], (1, 3, 32, 32), warmup=1, repeats=5)
    assert len(results) == 2
    assert results[0].median_ms < results[1].median_ms


def test_summary_statistics_of_known_samples():
    r = LatencyResult.from_samples([1.0, 2.0, 3.0, 4.0, 100.0])
    assert r.median_ms == 3.0
    s = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    assert r.cv == pytest.approx(s.std(ddof=1) / s.mean())
    assert r.robust_cv == pytest.approx(1.4826 * 1.0 / 3.0)


@pytest.mark.parametrize("kwargs", [dict(warmup=-1), dict(repeats=0), dict(threads=0), dict(repeats=2.5)])
def test_bad_counts_raise(kwargs):
    with pytest.raises(OutOfSpaceError):
        measure_latency(torch.nn.Identity(), (1, 3, 4, 4), **kwargs)


def test_nb201_costs_official_params_and_flops_order():
    conv = nb201_costs(Cell201(("nor_conv_3x3",) * 6))
    skip = nb201_costs(Cell201(("skip_connect",) * 6))
    assert conv.params == 1531546 and skip.params == 73306  # REFERENCE.md
    assert conv.flops > skip.flops > 0
    proxy = nb201_costs(Cell201(("nor_conv_3x3",) * 6), C=8, N=1, input_size=12)
    assert proxy.params < conv.params and proxy.flops < skip.flops


def test_lookup_table_predictor():
    table = OpLatencyTable.build(C=4, N=1, input_size=8, warmup=1, repeats=5)
    assert set(table.op_ms) == {(op, s) for op in ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3") for s in range(3)}
    conv = Cell201(("nor_conv_3x3",) * 6)
    skip = Cell201(("skip_connect",) * 6)
    expected = table.skeleton_ms + sum(6 * table.op_ms[("nor_conv_3x3", s)] + 3 * table.add_ms[s] for s in range(3))
    assert table.predict(conv) == pytest.approx(expected)
    assert table.predict(conv) > table.predict(skip) > table.skeleton_ms
    np.testing.assert_allclose(table.predict_many([conv, skip]), [table.predict(conv), table.predict(skip)])
    with pytest.raises(OutOfSpaceError):
        table.predict("conv")
