"""NAS-Bench-101 network: official parameter counts, channel rule, forward pass."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nasbench_kit.errors import OutOfSpaceError
from nasbench_kit.models import build_model, count_params
from nasbench_kit.models.nb101 import build_nb101, count_nb101_params, vertex_channels
from nasbench_kit.spaces import Cell101, NB101Space
from nasbench_kit.spaces.nb101 import CONV1X1, CONV3X3, INPUT, MAXPOOL3X3, OUTPUT

SPACE = NB101Space()
I, O, C3, C1, MP = INPUT, OUTPUT, CONV3X3, CONV1X1, MAXPOOL3X3
SMALL = dict(stem_channels=8, num_stacks=2, num_modules_per_stack=1)

# REFERENCE.md: two official cells and their trainable_parameters in the released data.
REFERENCE = [
    (
        Cell101([[0, 1, 0, 1, 0, 0, 0], [0, 0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1],
                 [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
                [I, C3, C1, C1, C3, C1, O]),
        6_315_018,
    ),
    (
        Cell101([[0, 1, 1, 0, 0, 1, 1], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0],
                 [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
                [I, MP, MP, C1, C1, C1, O]),
        6_616_458,
    ),
]


@pytest.mark.parametrize(("cell", "params"), REFERENCE)
def test_official_trainable_parameter_counts(cell, params):
    assert count_nb101_params(cell) == params
    assert count_params(build_model(cell, num_classes=10)) == params  # dispatches to build_nb101


def test_analytic_count_matches_the_built_network_on_random_cells():
    rng = np.random.default_rng(0)
    cells = [SPACE.sample(rng) for _ in range(12)] + [SPACE.parse("0100|input,output")]
    for cell in cells:
        for sizes in (SMALL, dict(stem_channels=10, num_stacks=3, num_modules_per_stack=1)):
            assert count_params(build_nb101(cell, 7, **sizes)) == count_nb101_params(cell, 7, **sizes)


def test_pruned_vertices_add_no_parameters():
    # Same live graph plus a maxpool->conv pair hanging off the input only (pruned).
    small = SPACE.parse("0100|input,output")
    padded = Cell101([[0, 1, 0, 1], [0, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0]], [I, MP, C3, O])
    assert SPACE.prune(padded) == small
    assert count_nb101_params(padded) == count_nb101_params(small) == count_params(build_nb101(padded))


def test_vertex_channels_split_the_output_and_never_grow():
    rng = np.random.default_rng(1)
    for _ in range(200):
        pruned = SPACE.prune(SPACE.sample(rng))
        m, n = pruned.matrix, pruned.num_vertices
        for out_channels in (128, 130, 7):
            ch = vertex_channels(64, out_channels, m)
            assert ch[0] == 64 and ch[-1] == out_channels
            if n == 2:
                continue
            feeding = [ch[v] for v in range(1, n - 1) if m[v][n - 1]]
            assert sum(feeding) == out_channels and max(feeding) - min(feeding) <= 1
            for v in range(1, n - 1):
                assert ch[v] > 0
                for w in range(v + 1, n - 1):
                    if m[v][w]:
                        assert ch[v] >= ch[w]


def test_vertex_channels_uneven_split_gives_the_first_vertices_the_extra_channel():
    three_way = [[0, 1, 1, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    assert vertex_channels(128, 128, three_way) == [128, 43, 43, 42, 128]


def test_forward_with_truncation_and_odd_input_size():
    # Vertex 1 (43 channels) feeds vertex 3 (42 channels): its first 42 channels are used.
    cell = Cell101([[0, 1, 1, 0, 0], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]],
                   [I, C3, MP, C1, O])
    assert vertex_channels(128, 128, cell.matrix) == [128, 43, 43, 42, 128]
    net = build_nb101(cell, num_classes=5, stem_channels=16, num_stacks=3, num_modules_per_stack=1)
    with torch.no_grad():
        logits = net(torch.randn(2, 3, 33, 33))
    assert logits.shape == (2, 5) and torch.isfinite(logits).all()


def test_forward_on_sampled_cells_and_input_only_cell():
    rng = np.random.default_rng(2)
    cells = [SPACE.sample(rng) for _ in range(4)] + [SPACE.parse("0100|input,output")]
    for cell in cells:
        net = build_nb101(cell, **SMALL).eval()
        with torch.no_grad():
            assert net(torch.randn(3, 3, 32, 32)).shape == (3, 10)


def test_output_adds_the_projected_input_when_wired_directly():
    direct = SPACE.parse("0111001100010000|input,conv3x3-bn-relu,conv1x1-bn-relu,output")
    without = Cell101([[0, 1, 1, 0], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]], [I, C3, C1, O])
    # the only difference is the input->output edge: one extra 1x1 projection per cell
    extra = count_nb101_params(direct, **SMALL) - count_nb101_params(without, **SMALL)
    assert extra == count_params(build_nb101(direct, **SMALL)) - count_params(build_nb101(without, **SMALL))
    # stack 0: 8->8 conv + BN; stack 1: 8->16 conv + BN
    assert extra == (8 * 8 + 16) + (8 * 16 + 32)


def test_batch_norm_settings_match_the_official_ones():
    net = build_nb101(SPACE.parse("0100|input,output"), **SMALL)
    bns = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and all(m.affine and m.eps == 1e-5 and m.momentum == pytest.approx(0.003) for m in bns)
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert all(m.bias is None for m in convs)


def test_invalid_cells_and_sizes_are_clear_errors():
    with pytest.raises(OutOfSpaceError, match="no path"):
        build_nb101(Cell101([[0, 0], [0, 0]], [I, O]))
    with pytest.raises(OutOfSpaceError, match="expected a Cell101"):
        count_nb101_params("0100|input,output")
    with pytest.raises(OutOfSpaceError, match="stem_channels must be a positive int"):
        build_nb101(SPACE.parse("0100|input,output"), stem_channels=0)
