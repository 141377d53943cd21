"""DARTS evaluation network and operations: official parameter count, shapes, structure, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nasbench_kit.errors import OutOfSpaceError, UnknownNameError
from nasbench_kit.models import build_model, count_params
from nasbench_kit.models._ops_darts import (DilConv, FactorizedReduce, SepConv, Zero, drop_path, make_darts_op,
                                            make_search_op, search_candidates)
from nasbench_kit.models.darts import DartsNetworkCIFAR, build_darts
from nasbench_kit.spaces.darts import DARTS_V2, PRIMITIVES, DartsGenotype, DartsSpace

# quark0/darts: DARTS_V2 at C=36, layers=20 on CIFAR-10, auxiliary head excluded
# (utils.count_parameters_in_MB skips parameters named "auxiliary"); 3.3M in the paper's Table 1.
OFFICIAL_DARTS_V2_PARAMS = 3_349_342


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def official_net(one_torch_thread) -> DartsNetworkCIFAR:
    return build_darts(DARTS_V2, num_classes=10, auxiliary=True)


def test_darts_v2_has_the_official_parameter_count(official_net):
    plain = build_darts(DARTS_V2)
    assert count_params(plain) == OFFICIAL_DARTS_V2_PARAMS
    assert 3.25e6 <= count_params(plain) <= 3.35e6 and round(count_params(plain) / 1e6, 1) == 3.3
    # with the auxiliary head, the official way of counting (names without "auxiliary") gives the same
    without_head = sum(p.numel() for name, p in official_net.named_parameters() if "auxiliary" not in name)
    assert without_head == OFFICIAL_DARTS_V2_PARAMS < count_params(official_net)
    head = count_params(official_net) - OFFICIAL_DARTS_V2_PARAMS
    c_aux = 4 * 4 * 36  # output of cell 2 * 20 // 3 = 13, after the second reduction
    assert head == c_aux * 128 + 2 * 128 + 128 * 768 * 4 + 2 * 768 + 768 * 10 + 10
    assert count_params(build_model(DARTS_V2, num_classes=10, C=36, layers=20)) == OFFICIAL_DARTS_V2_PARAMS


def test_official_size_forward_on_cifar_images(official_net):
    torch.manual_seed(0)
    official_net.train()
    logits = official_net(torch.randn(2, 3, 32, 32))
    assert logits.shape == (2, 10)
    assert official_net.logits_aux is not None and official_net.logits_aux.shape == (2, 10)
    official_net.eval()
    with torch.no_grad():
        assert official_net(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert official_net.logits_aux is None  # the auxiliary head runs in training only


def _cell_outputs(net: nn.Module, x: torch.Tensor) -> list[tuple[int, ...]]:
    shapes: list[tuple[int, ...]] = []
    hooks = [cell.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape))) for cell in net.cells]
    try:
        net(x)
    finally:
        for hook in hooks:
            hook.remove()
    return shapes


@pytest.mark.parametrize("train", [True, False])
def test_small_network_on_8x8_digits_and_reductions_halve(train):
    net = build_darts(DARTS_V2, num_classes=10, C=8, layers=5, drop_path_prob=0.2)
    net.train(train)
    x = torch.randn(2, 1, 8, 8).repeat(1, 3, 1, 1)  # grayscale digits repeated to 3 channels
    assert net(x).shape == (2, 10)
    assert net.reductions == (1, 3)
    assert [cell.reduction for cell in net.cells] == [False, True, False, True, False]
    # each cell outputs 4 nodes of C, 2C or 4C channels; reductions halve 8 -> 4 -> 2
    assert _cell_outputs(net, x) == [(2, 32, 8, 8), (2, 64, 4, 4), (2, 64, 4, 4), (2, 128, 2, 2), (2, 128, 2, 2)]


@pytest.mark.parametrize("layers", [1, 2, 3, 8])
def test_any_depth_builds_and_runs(layers):
    arch = DartsSpace().sample(np.random.default_rng(layers))
    net = build_model(arch, num_classes=3, C=4, layers=layers)
    assert net(torch.randn(2, 3, 8, 8)).shape == (2, 3)
    sizes = [shape[2] for shape in _cell_outputs(net, torch.randn(1, 3, 8, 8))]
    assert sizes[-1] == 8 // 2 ** len(net.reductions)


def test_reduction_cell_uses_stride_two_on_the_cell_inputs_only():
    net = build_darts(DARTS_V2, C=8, layers=5)
    reduce_cell, normal_cell = net.cells[1], net.cells[2]
    # DARTS_V2 reduce: max_pool(0), max_pool(1), skip(2), max_pool(1), ...
    assert isinstance(reduce_cell._ops[0], nn.MaxPool2d) and reduce_cell._ops[0].stride == 2
    assert isinstance(reduce_cell._ops[2], nn.Identity)  # skip from node 2: stride 1
    assert isinstance(normal_cell.preprocess0, FactorizedReduce)  # its s0 comes from before the reduction
    assert isinstance(normal_cell._ops[0], SepConv) and normal_cell._ops[0].op[1].stride == (1, 1)
    assert isinstance(normal_cell._ops[7], DilConv) and normal_cell._ops[7].op[1].dilation == (2, 2)
    skip_reduce = DartsGenotype(normal=DARTS_V2.normal, reduce=[("skip_connect", 0), ("skip_connect", 1)] * 4)
    assert isinstance(build_darts(skip_reduce, C=8, layers=5).cells[1]._ops[0], FactorizedReduce)
    # official module names, so official state dicts load
    keys = set(build_darts(DARTS_V2, C=8, layers=5, auxiliary=True).state_dict())
    for key in ("stem.0.weight", "cells.0.preprocess0.op.1.weight", "cells.2.preprocess0.conv_1.weight",
                "cells.0._ops.0.op.1.weight", "auxiliary_head.features.2.weight", "classifier.weight"):
        assert key in keys


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("name", PRIMITIVES)
def test_every_primitive_keeps_shape_at_stride_1_and_halves_at_stride_2(name, affine):
    x = torch.randn(2, 6, 8, 8)
    assert make_darts_op(name, 6, 1, affine)(x).shape == (2, 6, 8, 8)
    assert make_darts_op(name, 6, 2, affine)(x).shape == (2, 6, 4, 4)
    assert make_search_op(name, 6, 2)(x).shape == (2, 6, 4, 4)
    bns = [m for m in make_darts_op(name, 6, 2, affine).modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(bn.affine == affine for bn in bns)
    assert len(bns) == {"none": 0, "max_pool_3x3": 0, "avg_pool_3x3": 0, "skip_connect": 1}.get(name, 2 if "sep" in name else 1)
    # the search setting learns no BatchNorm scale or shift, and follows pools by a BatchNorm
    search_bns = [m for m in make_search_op(name, 6, 1).modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(not bn.affine for bn in search_bns) and ("pool" not in name or len(search_bns) == 1)


def test_primitives_compute_what_the_official_ops_compute():
    x = torch.randn(2, 4, 8, 8)
    assert torch.equal(make_darts_op("skip_connect", 4, 1, True)(x), x)
    zero = make_darts_op("none", 4, 2, True)
    assert isinstance(zero, Zero) and torch.equal(zero(x), torch.zeros(2, 4, 4, 4))
    assert torch.equal(make_darts_op("max_pool_3x3", 4, 1, True)(x), nn.functional.max_pool2d(x, 3, 1, 1))
    avg = make_darts_op("avg_pool_3x3", 4, 1, True)(torch.ones(1, 1, 4, 4))
    assert torch.allclose(avg, torch.ones(1, 1, 4, 4))  # padding is not counted in the average
    C = 16
    bn = 2 * C
    expected = {"none": 0, "max_pool_3x3": 0, "avg_pool_3x3": 0, "skip_connect": 0,
                "sep_conv_3x3": 2 * (9 * C + C * C + bn), "sep_conv_5x5": 2 * (25 * C + C * C + bn),
                "dil_conv_3x3": 9 * C + C * C + bn, "dil_conv_5x5": 25 * C + C * C + bn}
    for name, count in expected.items():
        assert count_params(make_darts_op(name, C, 1, True)) == count, name
    assert count_params(make_darts_op("skip_connect", C, 2, True)) == 2 * C * (C // 2) + bn  # FactorizedReduce


def test_factorized_reduce_reads_the_input_shifted_by_one_pixel_in_its_second_half():
    reduce = FactorizedReduce(1, 2).eval()
    with torch.no_grad():
        reduce.conv_1.weight.fill_(1.0)
        reduce.conv_2.weight.fill_(1.0)
        x = torch.zeros(1, 1, 4, 4)
        x[0, 0, 1, 1] = 1.0  # seen only by conv_2 (x[1:, 1:] starts at pixel (1, 1))
        out = reduce(x)
    bn = reduce.bn
    zero = (0 - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps)
    assert out.shape == (1, 2, 2, 2)
    assert torch.allclose(out[0, 0], zero[0].expand(2, 2))
    assert out[0, 1, 0, 0] > zero[1] and torch.allclose(out[0, 1].flatten()[1:], zero[1].expand(3))


def test_search_candidates_follow_the_official_mixed_op():
    ops = search_candidates(8, 2)
    assert len(ops) == len(PRIMITIVES) == 8
    for name, op in zip(PRIMITIVES, ops):
        if "pool" in name:
            assert isinstance(op, nn.Sequential) and isinstance(op[1], nn.BatchNorm2d) and not op[1].affine
    assert isinstance(ops[PRIMITIVES.index("skip_connect")], FactorizedReduce)
    assert isinstance(search_candidates(8, 1)[PRIMITIVES.index("skip_connect")], nn.Identity)
    assert count_params(ops) == sum(count_params(make_darts_op(n, 8, 2, False)) for n in PRIMITIVES)


def test_drop_path_drops_whole_samples_and_rescales():
    torch.manual_seed(0)
    x = torch.ones(400, 2, 3, 3)
    out = drop_path(x, 0.25)
    per_sample = out.flatten(1)
    assert set(torch.unique(per_sample).tolist()) <= {0.0, float(np.float32(1 / 0.75))}
    assert torch.all(per_sample.min(1).values == per_sample.max(1).values)  # one decision per sample
    assert 0.15 < (per_sample[:, 0] == 0).float().mean().item() < 0.35
    assert drop_path(x, 0.0) is x
    net = build_darts(DARTS_V2, C=4, layers=3, drop_path_prob=0.5).eval()
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        assert torch.equal(net(x), net(x))  # no drop-path at evaluation


def test_bad_genotype_sizes_and_inputs_are_clear_errors():
    with pytest.raises(OutOfSpaceError, match="expected a DartsGenotype, got str"):
        build_darts(str(DARTS_V2))
    with pytest.raises(UnknownNameError, match="DartsGenotype"):
        build_model(object())
    for bad in ({"C": 0}, {"layers": -1}, {"C": 8.0}, {"num_classes": True}):
        with pytest.raises(OutOfSpaceError, match="must be a positive int"):
            build_darts(DARTS_V2, **{"C": 4, **bad})
    with pytest.raises(OutOfSpaceError, match="drop_path_prob"):
        build_darts(DARTS_V2, C=4, layers=3, drop_path_prob=1.5)
    net = build_darts(DARTS_V2, C=4, layers=5)
    with pytest.raises(OutOfSpaceError, match="divisible by 4"):
        net(torch.zeros(1, 3, 10, 10))
    with pytest.raises(OutOfSpaceError, match=r"\(batch, 3, H, W\)"):
        net(torch.zeros(1, 1, 8, 8))
    with pytest.raises(OutOfSpaceError, match="auxiliary head reads an 8x8"):
        build_darts(DARTS_V2, C=4, layers=5, auxiliary=True).train()(torch.zeros(2, 3, 8, 8))
    with pytest.raises(OutOfSpaceError, match="not one of the DARTS primitives"):
        make_darts_op("sep_conv_7x7", 4, 1, True)
    with pytest.raises(OutOfSpaceError, match="stride must be 1 or 2"):
        make_darts_op("sep_conv_3x3", 4, 3, True)
    with pytest.raises(OutOfSpaceError, match="even number of output channels"):
        make_darts_op("skip_connect", 5, 2, True)
