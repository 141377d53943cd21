"""The fast avg_pool_3x3 (fixed depthwise conv / count map) equals nn.AvgPool2d(3, 1, 1, count_include_pad=False)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.models._ops201 import AvgPool3x3, use_fast_avg_pool
from nasbench_kit.models.nb201 import build_nb201
from nasbench_kit.spaces import Cell201

REFERENCE = torch.nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)


@settings(max_examples=30, deadline=None)
@given(
    batch=st.integers(1, 4), channels=st.integers(1, 9), height=st.integers(1, 13),
    width=st.integers(1, 13), seed=st.integers(0, 2**31 - 1), channels_last=st.booleans(),
)
def test_forward_and_gradient_equal_reference(batch, channels, height, width, seed, channels_last):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, channels, height, width, generator=g)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    x.requires_grad_(True)
    x_ref = x.detach().clone().requires_grad_(True)
    fast = AvgPool3x3(fast=True)
    out, ref = fast(x), REFERENCE(x_ref)
    assert out.shape == ref.shape
    assert (out - ref).abs().max().item() <= 1e-6
    w = torch.randn(ref.shape, generator=g)
    (out * w).sum().backward()
    (ref * w).sum().backward()
    assert (x.grad - x_ref.grad).abs().max().item() <= 1e-6


def test_default_is_reference_and_switch_changes_only_the_path():
    cell = Cell201(("avg_pool_3x3",) * 6)
    net = build_nb201(cell, 10, C=4, N=2)
    pools = [m for m in net.modules() if isinstance(m, AvgPool3x3)]
    assert len(pools) == 6 * 3 * 2 and not any(p.fast for p in pools)
    keys = list(net.state_dict())
    params = sum(p.numel() for p in net.parameters())
    net.eval()
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        slow = net(x)
        assert use_fast_avg_pool(net) is net and all(p.fast for p in pools)
        fast = net(x)
    assert (fast - slow).abs().max().item() < 1e-5
    assert list(net.state_dict()) == keys and sum(p.numel() for p in net.parameters()) == params
    use_fast_avg_pool(net, False)
    assert not any(p.fast for p in pools)


@pytest.mark.parametrize("shape", [(128, 8, 12, 12), (1, 16, 32, 32), (3, 64, 8, 8)])
def test_benchmark_shapes(shape):
    x = torch.randn(*shape)
    assert (AvgPool3x3(fast=True)(x) - REFERENCE(x)).abs().max().item() <= 1e-6
