"""build_macro: parameter counts (analytic, reference, torch), shapes, residuals, monotonicity."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import OutOfSpaceError
from nasbench_kit.models import build_model, count_params
from nasbench_kit.models.counts_macro import macro_param_count, macro_plan, make_divisible
from nasbench_kit.models.macro import InvertedResidual, build_macro
from nasbench_kit.spaces import MacroArch, MacroSpace

DEFAULT = MacroSpace()
SMALLEST = DEFAULT.parse("|".join(["d2-e3k3,e3k3"] * 5))
LARGEST = DEFAULT.parse("|".join(["d4-e6k7,e6k7,e6k7,e6k7"] * 5))

# MobileNetV2 (Sandler et al. 2018) as a per-stage MacroSpace: t=6, k=3, the paper's widths,
# depths and strides after the first t=1 block.
MBV2_SPACE = MacroSpace(
    depths=(1, 2, 3, 4), expand_ratios=(6,), kernel_sizes=(3,), widths=(24, 32, 64, 96, 160, 320),
    strides=(2, 2, 2, 1, 2, 1), per_block=False, stem_width=32, first_width=16, head_width=1280,
)
MBV2 = MBV2_SPACE.parse("d2-e6k3|d3-e6k3|d4-e6k3|d3-e6k3|d3-e6k3|d1-e6k3")


def test_mobilenet_v2_has_the_published_parameter_count():
    # torchvision's mobilenet_v2 (ImageNet, 1000 classes) lists 3,504,872 parameters.
    assert macro_param_count(MBV2, 1000, space=MBV2_SPACE) == 3_504_872
    assert count_params(build_macro(MBV2, 1000, space=MBV2_SPACE)) == 3_504_872


def test_param_count_of_a_tiny_network_by_hand():
    space = MacroSpace(depths=(1, 2), expand_ratios=(1, 2), kernel_sizes=(3, 5), widths=(8,), strides=(1,),
                       stem_width=8, first_width=8, head_width=16)
    arch = space.parse("d2-e2k5,e1k3")
    stem = 1 * 8 * 9 + 2 * 8  # 1 input channel, 3x3 conv, BN
    first = (8 * 9 + 2 * 8) + (8 * 8 + 2 * 8)  # e=1: depthwise 3x3 + project
    block_e2k5 = (8 * 16 + 2 * 16) + (16 * 25 + 2 * 16) + (16 * 8 + 2 * 8)
    block_e1k3 = (8 * 9 + 2 * 8) + (8 * 8 + 2 * 8)
    head = 8 * 16 + 2 * 16
    classifier = 16 * 3 + 3
    expected = stem + first + block_e2k5 + block_e1k3 + head + classifier
    assert macro_param_count(arch, 3, input_channels=1, space=space) == expected
    assert count_params(build_macro(arch, 3, input_channels=1, space=space)) == expected


@st.composite
def space_arch_size(draw):
    space = draw(st.sampled_from([DEFAULT, MacroSpace(per_block=False), MBV2_SPACE]))
    arch = space.sample(np.random.default_rng(draw(st.integers(0, 2**32 - 1))))
    return space, arch, draw(st.sampled_from([0.35, 0.5, 1.0, 1.3])), draw(st.sampled_from([1, 10, 100]))


@given(space_arch_size())
@settings(max_examples=12, deadline=None)
def test_torch_module_matches_the_analytic_count(args):
    space, arch, width_mult, num_classes = args
    net = build_macro(arch, num_classes, width_mult=width_mult, space=space)
    assert count_params(net) == macro_param_count(arch, num_classes, width_mult=width_mult, space=space)


@pytest.mark.parametrize("side", [12, 32])
def test_forward_shapes_on_small_images(side):
    arch = DEFAULT.sample(np.random.default_rng(side))
    net = build_macro(arch, num_classes=7, width_mult=0.5)
    assert net(torch.randn(2, 3, side, side)).shape == (2, 7)
    gray = build_macro(arch, num_classes=3, input_channels=1, width_mult=0.5)
    assert gray(torch.randn(2, 1, side, side)).shape == (2, 3)


def test_forward_on_imagenet_resolution():
    net = build_macro(SMALLEST, num_classes=1000).eval()
    with torch.no_grad():
        assert net(torch.randn(1, 3, 224, 224)).shape == (1, 1000)
    # 224 / 32 = 7x7 feature map before pooling with the default strides
    with torch.no_grad():
        features = net.head(net.blocks(net.stem(torch.randn(1, 3, 224, 224))))
    assert features.shape == (1, make_divisible(DEFAULT.head_width), 7, 7)


def test_blocks_follow_the_arch_and_residuals_are_wired():
    arch = DEFAULT.parse("d3-e4k5,e6k7,e3k3,e3k3|d2-e3k3,e3k3|d4-e6k3,e3k5,e4k7,e6k3|d2-e3k3,e3k3|d2-e6k7,e3k3")
    net = build_macro(arch).eval()
    blocks = [m for m in net.blocks if isinstance(m, InvertedResidual)]
    assert len(blocks) == 1 + sum(arch.depths)
    searchable = blocks[1:]
    expected = [
        (e, k) for d, es, ks in zip(arch.depths, arch.expand_ratios, arch.kernel_sizes) for e, k in zip(es[:d], ks[:d])
    ]
    depthwise = [next(c for c in b.body if isinstance(c, torch.nn.Conv2d) and c.groups > 1) for b in searchable]
    assert [c.kernel_size[0] for c in depthwise] == [k for _, k in expected]
    assert [c.out_channels // b.spec.in_channels for c, b in zip(depthwise, searchable)] == [e for e, _ in expected]
    # residual: stride 1 and equal channels (the fixed first block, every non-first block of a stage)
    starts = np.cumsum((0,) + arch.depths[:-1]) + 1
    assert [b.spec.residual for b in blocks] == [True] + [i + 1 not in starts for i in range(sum(arch.depths))]
    x = torch.randn(1, 40, 8, 8)
    for block in searchable:
        if block.spec.residual and block.spec.in_channels == 40:
            last_bn = block.body[-1]
            torch.nn.init.zeros_(last_bn.weight)
            torch.nn.init.zeros_(last_bn.bias)
            with torch.no_grad():
                assert torch.equal(block(x), x)  # the body is silenced: only the skip remains
            break
    else:
        pytest.fail("no residual block with 40 channels found")


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=40, deadline=None)
def test_deeper_or_wider_choices_have_more_parameters(seed):
    arch = DEFAULT.sample(np.random.default_rng(seed))
    base = macro_param_count(arch)
    grew = 0
    for other in DEFAULT.neighbors(arch):
        bigger = (
            any(b > a for a, b in zip(arch.depths, other.depths))
            or any(b > a for x, y in zip(arch.expand_ratios, other.expand_ratios) for a, b in zip(x, y))
            or any(b > a for x, y in zip(arch.kernel_sizes, other.kernel_sizes) for a, b in zip(x, y))
        )
        assert (macro_param_count(other) > base) == bigger
        grew += bigger
    assert grew > 0 or arch == LARGEST


def test_width_multiplier_grows_the_torch_model():
    counts = [count_params(build_macro(SMALLEST, width_mult=w)) for w in (0.5, 0.75, 1.0, 1.5)]
    assert counts == sorted(counts) and len(set(counts)) == 4
    assert macro_param_count(SMALLEST) < macro_param_count(LARGEST)


def test_model_trains_one_step():
    torch.manual_seed(0)
    net = build_macro(SMALLEST, num_classes=4, width_mult=0.35)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    x, y = torch.randn(8, 3, 16, 16), torch.randint(0, 4, (8,))
    loss = torch.nn.functional.cross_entropy(net(x), y)
    loss.backward()
    assert all(p.grad is not None for p in net.parameters())
    opt.step()
    assert torch.isfinite(loss)


def test_build_model_dispatches_to_build_macro():
    net = build_model(SMALLEST, num_classes=5, width_mult=0.5)
    assert count_params(net) == macro_param_count(SMALLEST, 5, width_mult=0.5)


def test_plan_channels_scale_with_width_mult():
    plan = macro_plan(SMALLEST, width_mult=0.5)
    assert plan.stem_channels == 8 and plan.blocks[-1].out_channels == 80
    assert plan.head_channels == 1280  # MobileNetV2 keeps the head when thinning


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"width_mult": 0}, "width_mult must be a positive number"),
        ({"width_mult": "1"}, "width_mult must be a positive number"),
        ({"num_classes": 0}, "num_classes must be a positive int"),
        ({"input_channels": 2.0}, "input_channels must be a positive int"),
    ],
)
def test_bad_sizes_are_rejected_before_building(kwargs, message):
    with pytest.raises(OutOfSpaceError, match=message):
        build_macro(SMALLEST, **kwargs)


def test_arch_outside_the_space_is_rejected():
    with pytest.raises(OutOfSpaceError, match="stage 0: depth 1 is not one of"):
        build_macro(MacroArch((1,) + SMALLEST.depths[1:], SMALLEST.expand_ratios, SMALLEST.kernel_sizes))
    with pytest.raises(OutOfSpaceError, match="this space has 5"):
        build_macro(MBV2)  # an arch of another space, without its space
