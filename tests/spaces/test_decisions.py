"""The optional categorical-decisions protocol (``DecisionSpace``) of the built-in spaces."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import OutOfSpaceError
from nasbench_kit.spaces import Cell101, DecisionSpace, MacroSpace, NB101Space, NB201Space

SPACES = {
    "nb201": NB201Space(),
    "nb101": NB101Space(),
    "macro": MacroSpace(),
    "macro-per-stage": MacroSpace(per_block=False),
}


@pytest.fixture(params=list(SPACES), ids=list(SPACES))
def space(request):
    return SPACES[request.param]


def test_built_in_spaces_implement_the_protocol(space):
    assert isinstance(space, DecisionSpace)
    sizes = space.decisions()
    assert all(isinstance(n, int) and n >= 1 for n in sizes)


def test_decision_counts_match_the_onehot_layout():
    assert NB201Space().decisions() == (5,) * 6
    assert NB101Space().decisions() == (2,) * 21 + (3,) * 5
    macro = MacroSpace()
    assert sum(macro.decisions()) == macro.encoding_length("onehot")  # 135: one block per decision


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_round_trip_keeps_the_function(seed):
    rng = np.random.default_rng(seed)
    for space in SPACES.values():
        arch = space.sample(rng)
        choices = space.to_decisions(arch)
        assert len(choices) == len(space.decisions())
        assert all(0 <= c < n for c, n in zip(choices, space.decisions()))
        back = space.from_decisions(choices)
        assert back == arch  # sampled cells have every slot / 7 vertices
        assert space.canonical(back) == space.canonical(arch)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_every_in_range_tuple_is_a_member_or_rejected(seed):
    rng = np.random.default_rng(seed)
    for space in SPACES.values():
        choices = [int(rng.integers(n)) for n in space.decisions()]
        try:
            arch = space.from_decisions(choices)
        except OutOfSpaceError:
            assert isinstance(space, NB101Space)  # only NB-101 has invalid graphs
            continue
        assert space.validate(arch) == arch
        assert space.from_decisions(space.to_decisions(arch)) == arch


def test_decision_order_is_documented():
    space = NB201Space()
    cell = space.from_decisions((3, 3, 4, 1, 3, 1))
    assert cell.ops[2] == "avg_pool_3x3" and space.to_decisions(cell) == (3, 3, 4, 1, 3, 1)
    # NB-101: bit 0 is edge 0 -> 1, bit 5 is edge 0 -> 6 (input -> output), then the ops.
    nb101 = NB101Space()
    bits = [0] * 21
    bits[5] = 1
    cell = nb101.from_decisions(bits + [2, 0, 0, 0, 0])
    assert cell.matrix[0][6] == 1 and cell.ops[1] == "maxpool3x3"
    assert np.array_equal(nb101.encode(cell)[:21], bits)


def test_out_of_range_choices_are_rejected(space):
    sizes = space.decisions()
    with pytest.raises(OutOfSpaceError):
        space.from_decisions([0] * (len(sizes) + 1))
    with pytest.raises(OutOfSpaceError):
        space.from_decisions([n for n in sizes])  # every choice one past its last
    with pytest.raises(OutOfSpaceError):
        space.from_decisions(["a"] * len(sizes))
    with pytest.raises(OutOfSpaceError):
        space.from_decisions([0.0] * len(sizes))


def test_nb101_rejects_graphs_without_a_path():
    with pytest.raises(OutOfSpaceError, match="no path"):
        NB101Space().from_decisions([0] * 21 + [0] * 5)


def test_nb101_small_cells_are_padded():
    small = Cell101([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "maxpool3x3", "output"])
    space = NB101Space()
    back = space.from_decisions(space.to_decisions(small))
    assert back.num_vertices == 7
    assert space.canonical(back) == space.canonical(small)
