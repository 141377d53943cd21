"""MacroSpace / MacroArch: contract, sizes, enumeration order, variation, encodings, parsing."""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import InfiniteSpaceError, OutOfSpaceError, UnknownNameError
from nasbench_kit.spaces import MacroArch, MacroSpace
from nasbench_kit.testing import check_search_space

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- independent helpers (public attributes only, not the space's internals) -----------
def decisions(space: MacroSpace, arch: MacroArch) -> list[tuple[str, int, int, int]]:
    """``(kind, stage, slot, choice index)`` of every decision, in the documented order."""
    out = []
    for s in range(space.n_stages):
        out.append(("depth", s, -1, space.depths.index(arch.depths[s])))
        for b in range(space.n_slots):
            out.append(("expand", s, b, space.expand_ratios.index(arch.expand_ratios[s][b])))
            out.append(("kernel", s, b, space.kernel_sizes.index(arch.kernel_sizes[s][b])))
    return out


def is_active(space: MacroSpace, arch: MacroArch, kind: str, stage: int, slot: int) -> bool:
    return kind == "depth" or slot < arch.depths[stage]


def differing(space, a, b):
    return [(da[0], da[1], da[2]) for da, db in zip(decisions(space, a), decisions(space, b)) if da != db]


@st.composite
def spaces(draw, max_stages: int = 3) -> MacroSpace:
    n = draw(st.integers(1, max_stages))
    return MacroSpace(
        depths=draw(st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True)),
        expand_ratios=draw(st.lists(st.sampled_from([1, 2, 3, 4, 6]), min_size=1, max_size=3, unique=True)),
        kernel_sizes=draw(st.lists(st.sampled_from([1, 3, 5, 7]), min_size=1, max_size=3, unique=True)),
        widths=draw(st.lists(st.sampled_from([8, 16, 24]), min_size=n, max_size=n)),
        strides=draw(st.lists(st.sampled_from([1, 2]), min_size=n, max_size=n)),
        per_block=draw(st.booleans()),
    )


@st.composite
def archs(draw, space: MacroSpace) -> MacroArch:
    """Any member, drawn decision by decision (so hypothesis shrinks towards first choices)."""
    depths, expand, kernel = [], [], []
    for _ in range(space.n_stages):
        depths.append(draw(st.sampled_from(space.depths)))
        expand.append(tuple(draw(st.sampled_from(space.expand_ratios)) for _ in range(space.n_slots)))
        kernel.append(tuple(draw(st.sampled_from(space.kernel_sizes)) for _ in range(space.n_slots)))
    return MacroArch(tuple(depths), tuple(expand), tuple(kernel))


@st.composite
def space_and_arch(draw):
    space = draw(st.one_of(st.just(MacroSpace()), st.just(MacroSpace(per_block=False)), spaces()))
    return space, draw(archs(space))


DEFAULT = MacroSpace()


# --- contract ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "space",
    [
        DEFAULT,
        MacroSpace(per_block=False),
        MacroSpace(depths=(1, 2), expand_ratios=(6,), kernel_sizes=(3,), widths=(8,), strides=(1,)),
    ],
    ids=["ofa", "mnas", "tiny"],
)
def test_contract(space):
    assert check_search_space(space, n_samples=20)[-1] == "enumeration"


@given(spaces())
@settings(max_examples=15, deadline=None)
def test_contract_on_random_spaces(space):
    if space.size > 1:  # mutate/neighbors need a second architecture
        check_search_space(space, n_samples=6)


# --- sizes and enumeration ------------------------------------------------------------------
def test_default_sizes_follow_ofa():
    # 5 stages x (depth in 3 values, 4 block slots x 3 expansions x 3 kernels)
    assert DEFAULT.size == (3 * 9**4) ** 5
    # distinct networks: for each stage, sum over depth d of 9**d; OFA quotes "> 10^19".
    assert DEFAULT.unique_size == (9**2 + 9**3 + 9**4) ** 5
    assert 10**19 < DEFAULT.unique_size < 10**20
    assert MacroSpace(per_block=False).size == MacroSpace(per_block=False).unique_size == 27**5


def test_len_of_default_space_overflows_with_a_clear_error():
    assert DEFAULT.size > sys.maxsize and not DEFAULT.is_finite
    with pytest.raises(InfiniteSpaceError, match=r"2,954,312,706,550,833,698,643 architectures.*space\.size"):
        len(DEFAULT)
    first = next(iter(DEFAULT))  # enumeration is lazy and works anyway
    assert all(i == 0 for *_, i in decisions(DEFAULT, first))
    mnas = MacroSpace(per_block=False)
    assert mnas.is_finite and len(mnas) == 27**5


@given(spaces(max_stages=2))
@settings(max_examples=25, deadline=None)
def test_enumeration_is_complete_ordered_and_counts_unique(space):
    if space.size > 3000:
        return
    listed = list(space)
    assert len(listed) == len(space) == space.size
    keys = [tuple(i for *_, i in decisions(space, a)) for a in listed]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)  # lexicographic, last varies fastest
    canon = {space.canonical(a) for a in listed}
    assert len(canon) == space.unique_size
    unique = list(space.iter_unique())
    assert len(unique) == space.unique_size and {space.canonical(a) for a in unique} == canon
    assert all(space.canonicalize(a) == a for a in unique)


def test_sample_is_seeded_and_uniform_per_decision():
    rng = np.random.default_rng(0)
    samples = [DEFAULT.sample(rng) for _ in range(3000)]
    depths = np.array([a.depths for a in samples])
    for d in DEFAULT.depths:
        assert abs((depths == d).mean() - 1 / 3) < 0.02
    assert DEFAULT.sample(np.random.default_rng(5)) == DEFAULT.sample(np.random.default_rng(5))


# --- identity: strings, repr, canonical -------------------------------------------------------
@given(space_and_arch())
@FAST
def test_string_round_trip_and_canonical_representative(pair):
    space, arch = pair
    assert space.parse(str(arch)) == arch
    assert eval(repr(arch), {"MacroArch": MacroArch}) == arch
    rep = space.canonicalize(arch)
    assert space.parse(space.canonical(arch)) == rep
    assert space.canonical(rep) == space.canonical(arch)
    assert [d for d in differing(space, arch, rep) if is_active(space, arch, *d)] == []


@given(space_and_arch(), st.data())
@FAST
def test_canonical_and_encodings_ignore_inactive_slots(pair, data):
    space, arch = pair
    expand = [list(es) for es in arch.expand_ratios]
    kernel = [list(ks) for ks in arch.kernel_sizes]
    for s, d in enumerate(arch.depths):
        for b in range(d, space.n_slots):  # inactive slots only exist per block
            expand[s][b] = data.draw(st.sampled_from(space.expand_ratios))
            kernel[s][b] = data.draw(st.sampled_from(space.kernel_sizes))
    twin = MacroArch(arch.depths, tuple(map(tuple, expand)), tuple(map(tuple, kernel)))
    assert space.canonical(twin) == space.canonical(arch)
    for kind in ("onehot", "adjacency", "path"):
        assert np.array_equal(space.encode(twin, kind), space.encode(arch, kind))


def test_canonical_drops_inactive_blocks_but_str_keeps_them():
    space = MacroSpace(widths=(24, 40), strides=(2, 2))
    a = space.parse("d2-e4k3,e6k5,e3k7,e3k7|d4-e3k3,e3k3,e3k3,e3k3")
    b = space.parse("d2-e4k3,e6k5,e6k5,e4k3|d4-e3k3,e3k3,e3k3,e3k3")
    assert a != b and str(a) != str(b)
    assert space.canonical(a) == space.canonical(b) == "d2-e4k3,e6k5|d4-e3k3,e3k3,e3k3,e3k3"
    assert space.parse("d2-e4k3,e6k5|d4-e3k3,e3k3,e3k3,e3k3") == space.canonicalize(a)


# --- variation ---------------------------------------------------------------------------------
@given(space_and_arch(), st.integers(0, 2**32 - 1))
@FAST
def test_mutate_changes_exactly_one_active_decision(pair, seed):
    space, arch = pair
    if space.size == 1:
        return
    child = space.mutate(arch, np.random.default_rng(seed))
    changed = differing(space, arch, child)
    assert len(changed) == 1 and is_active(space, arch, *changed[0])
    assert space.canonical(child) != space.canonical(arch)
    assert child in space.neighbors(arch)


@given(space_and_arch())
@FAST
def test_neighbors_are_every_single_active_change(pair):
    space, arch = pair
    if space.size == 1:
        return
    found = space.neighbors(arch)
    expected_count = sum(
        (len(space.depths) - 1)
        + min(d, space.n_slots) * (len(space.expand_ratios) - 1 + len(space.kernel_sizes) - 1)
        for d in arch.depths
    )
    assert len(found) == expected_count
    assert len(set(found)) == len(found) and arch not in found
    assert len({space.canonical(n) for n in found} | {space.canonical(arch)}) == len(found) + 1
    for other in found:
        assert space.validate(other) == other
        changed = differing(space, arch, other)
        assert len(changed) == 1 and is_active(space, arch, *changed[0])
    # fixed order: decision order, then choice order
    order = [(differing(space, arch, n)[0], decisions(space, n)) for n in found]
    positions = [[d[:3] for d in decisions(space, arch)].index(c) for c, _ in order]
    assert positions == sorted(positions)


@given(space_and_arch(), st.data(), st.integers(0, 2**32 - 1))
@FAST
def test_crossover_takes_each_decision_from_a_parent(pair, data, seed):
    space, a = pair
    b = data.draw(archs(space))
    child = space.crossover(a, b, np.random.default_rng(seed))
    for dc, da, db in zip(decisions(space, child), decisions(space, a), decisions(space, b)):
        assert dc in (da, db)
    assert space.crossover(a, a, np.random.default_rng(seed)) == a


def test_crossover_mixes_both_parents():
    rng = np.random.default_rng(1)
    a = DEFAULT.parse("|".join(["d2-e3k3,e3k3,e3k3,e3k3"] * 5))
    b = DEFAULT.parse("|".join(["d4-e6k7,e6k7,e6k7,e6k7"] * 5))
    child = DEFAULT.crossover(a, b, rng)
    genes = [i for *_, i in decisions(DEFAULT, child)]
    assert 0 in genes and 2 in genes


def test_mutate_of_a_single_architecture_space_fails_clearly():
    space = MacroSpace(depths=(1,), expand_ratios=(6,), kernel_sizes=(3,), widths=(8,), strides=(1,))
    with pytest.raises(OutOfSpaceError, match="single architecture"):
        space.mutate(next(iter(space)), np.random.default_rng(0))


# --- encodings -------------------------------------------------------------------------------------
def test_encoding_lengths_of_default_space():
    positions = 5 * 4
    assert DEFAULT.encoding_length("onehot") == 5 * (3 + 4 * (3 + 3))
    assert DEFAULT.encoding_length("adjacency") == (positions + 2) * (positions + 1) // 2 + positions * 6
    assert DEFAULT.encoding_length("path") == 5 * 9
    with pytest.raises(UnknownNameError, match="onehot"):
        DEFAULT.encoding_length("graph")


@given(space_and_arch(), st.data())
@FAST
def test_onehot_identifies_the_network(pair, data):
    space, a = pair
    b = data.draw(archs(space))
    ea, eb = space.encode(a, "onehot"), space.encode(b, "onehot")
    assert set(np.unique(ea)) <= {0.0, 1.0}
    assert np.array_equal(ea, eb) == (space.canonical(a) == space.canonical(b))


@given(space_and_arch())
@FAST
def test_adjacency_is_the_chain_of_built_blocks(pair):
    space, arch = pair
    vec = space.encode(arch, "adjacency")
    n_pos = space.n_stages * space.max_depth
    n_nodes = n_pos + 2
    n_tri = n_nodes * (n_nodes - 1) // 2
    matrix = np.zeros((n_nodes, n_nodes))
    matrix[np.triu_indices(n_nodes, 1)] = vec[:n_tri]
    built = [0] + [1 + s * space.max_depth + j for s, d in enumerate(arch.depths) for j in range(d)] + [n_nodes - 1]
    expected = np.zeros_like(matrix)
    for u, v in zip(built, built[1:]):
        expected[u, v] = 1
    assert np.array_equal(matrix, expected)
    ops = vec[n_tri:].reshape(n_pos, -1)
    n_e = len(space.expand_ratios)
    for s, d in enumerate(arch.depths):
        for j in range(space.max_depth):
            row = ops[s * space.max_depth + j]
            if j >= d:
                assert not row.any()
                continue
            slot = j if space.per_block else 0
            assert np.flatnonzero(row).tolist() == [
                space.expand_ratios.index(arch.expand_ratios[s][slot]),
                n_e + space.kernel_sizes.index(arch.kernel_sizes[s][slot]),
            ]


@given(space_and_arch())
@FAST
def test_path_counts_ops_along_the_chain(pair):
    space, arch = pair
    counts = space.encode(arch, "path").reshape(space.n_stages, len(space.expand_ratios), len(space.kernel_sizes))
    for s, d in enumerate(arch.depths):
        assert counts[s].sum() == d
        for j in range(d):
            slot = j if space.per_block else 0
            e = space.expand_ratios.index(arch.expand_ratios[s][slot])
            k = space.kernel_sizes.index(arch.kernel_sizes[s][slot])
            assert counts[s, e, k] >= 1


def test_encode_many_matches_encode_and_rejects_non_members():
    rng = np.random.default_rng(3)
    batch = [DEFAULT.sample(rng) for _ in range(40)]
    for kind in ("onehot", "adjacency", "path"):
        many = DEFAULT.encode_many(batch, kind)
        assert many.dtype == np.float32 and many.shape == (40, DEFAULT.encoding_length(kind))
        assert np.array_equal(many, np.stack([DEFAULT.encode(a, kind) for a in batch]))
        assert DEFAULT.encode_many([], kind).shape == (0, DEFAULT.encoding_length(kind))
    bad = MacroArch(batch[0].depths[:-1] + (9,), batch[0].expand_ratios, batch[0].kernel_sizes)
    with pytest.raises(OutOfSpaceError, match="stage 4: depth 9 is not one of"):
        DEFAULT.encode_many(batch + [bad])
    with pytest.raises(UnknownNameError):
        DEFAULT.encode(batch[0], "paths")


# --- validation and parsing messages ------------------------------------------------------------
def _default_arch(**stage0) -> MacroArch:
    arch = DEFAULT.parse("|".join(["d2-e3k3,e3k3"] * 5))
    depths = (stage0.get("depth", 2),) + arch.depths[1:]
    expand = (stage0.get("expand", (3, 3, 3, 3)),) + arch.expand_ratios[1:]
    kernel = (stage0.get("kernel", (3, 3, 3, 3)),) + arch.kernel_sizes[1:]
    return MacroArch(depths, expand, kernel)


@pytest.mark.parametrize(
    ("arch", "message"),
    [
        (_default_arch(depth=5), "stage 0: depth 5 is not one of (2, 3, 4)"),
        (_default_arch(expand=(3, 3, 3, 5)), "stage 0 block 3: expand_ratio 5 is not one of (3, 4, 6)"),
        (_default_arch(kernel=(3, 9, 3, 3)), "stage 0 block 1: kernel_size 9 is not one of (3, 5, 7)"),
        (_default_arch(expand=(3, 3), kernel=(3, 3)), "stage 0: 2 (expand, kernel) entries, expected 4"),
        (MacroArch((2,), ((3, 3, 3, 3),), ((3, 3, 3, 3),)), "the architecture has 1 stages; this space has 5"),
        ("d2-e3k3", "expected a MacroArch, got str"),
        (None, "expected a MacroArch, got NoneType"),
    ],
)
def test_validate_names_the_decision_and_the_allowed_values(arch, message):
    with pytest.raises(OutOfSpaceError) as info:
        DEFAULT.validate(arch)
    assert message in str(info.value)


def test_validate_per_stage_space_names_the_stage_only():
    space = MacroSpace(per_block=False)
    arch = space.parse("d2-e3k3|d2-e3k3|d2-e3k3|d2-e3k3|d2-e3k3")
    bad = MacroArch(arch.depths, arch.expand_ratios, arch.kernel_sizes[:1] + ((9,),) + arch.kernel_sizes[2:])
    with pytest.raises(OutOfSpaceError, match=r"^stage 1: kernel_size 9 is not one of \(3, 5, 7\)$"):
        space.validate(bad)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("d2-e3k3,e3k3|d2-e3k3,e3k3", "has 2 stages ('|'-separated); this space has 5"),
        ("x" + "|d2-e3k3,e3k3" * 4, "stage 0 'x' of"),
        ("d2-e3k3,e3x3" + "|d2-e3k3,e3k3" * 4, "stage 0 block 1 'e3x3'"),
        ("d3-e3k3,e3k3" + "|d2-e3k3,e3k3" * 4, "stage 0: 2 blocks in"),
        ("d2-e3k3,e3k3,e3k3,e3k3,e3k3" + "|d2-e3k3,e3k3" * 4, "expected 2 to 4"),
        ("d2-e3k3,e3k3" * 1 + "|d2-e3k3,e3k3" * 3 + "|d2-e5k3,e3k3", "stage 4 block 0: expand_ratio 5 is not one of"),
        ("d7-e3k3,e3k3" + "|d2-e3k3,e3k3" * 4, "stage 0: depth 7 is not one of (2, 3, 4)"),
        (b"d2-e3k3", "must be a str"),
    ],
)
def test_parse_errors_say_what_is_wrong(text, message):
    with pytest.raises(OutOfSpaceError) as info:
        DEFAULT.parse(text)
    assert message in str(info.value)


def test_parse_ignores_surrounding_whitespace_only():
    text = "|".join(["d2-e3k3,e3k3"] * 5)
    assert DEFAULT.parse(f"  {text}\n") == DEFAULT.parse(text)
    with pytest.raises(OutOfSpaceError):
        DEFAULT.parse(text.replace(",", ", "))


@given(st.one_of(st.text(), st.text(alphabet="dek0123456789-,| ", max_size=80)))
@settings(max_examples=300, deadline=None)
def test_parser_fuzz_raises_only_out_of_space(text):
    for space in (DEFAULT, MacroSpace(per_block=False)):
        try:
            arch = space.parse(text)
        except OutOfSpaceError:
            continue
        assert space.validate(arch) == arch


@given(space_and_arch(), st.data())
@settings(max_examples=100, deadline=None)
def test_parser_fuzz_on_corrupted_valid_strings(pair, data):
    space, arch = pair
    text = str(arch)
    pos = data.draw(st.integers(0, len(text)))
    junk = data.draw(st.text(alphabet="dek0123456789-,|x9", min_size=1, max_size=3))
    corrupted = text[:pos] + junk + text[pos + data.draw(st.integers(0, 2)):]
    try:
        parsed = space.parse(corrupted)
    except OutOfSpaceError:
        return
    assert space.validate(parsed) == parsed


# --- construction of archs and spaces -------------------------------------------------------
def test_arch_normalizes_sequences_and_numpy_ints():
    a = MacroArch([2], [[np.int64(3), 4]], [(3, 5)])
    assert a == MacroArch((2,), ((3, 4),), ((3, 5),)) and hash(a) == hash(MacroArch((2,), ((3, 4),), ((3, 5),)))
    assert isinstance(a.depths, tuple) and type(a.expand_ratios[0][0]) is int
    with pytest.raises(OutOfSpaceError, match="must be a sequence of ints"):
        MacroArch((2.0,), ((3,),), ((3,),))
    with pytest.raises(OutOfSpaceError, match="must be a sequence of ints"):
        MacroArch((True,), ((3,),), ((3,),))
    with pytest.raises(OutOfSpaceError, match="one per stage"):
        MacroArch((2, 2), ((3,),), ((3,),))
    with pytest.raises(OutOfSpaceError, match="each block slot needs one of each"):
        MacroArch((2,), ((3, 3),), ((3,),))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kernel_sizes": (3, 4)}, "must be odd"),
        ({"depths": (2, 2)}, "distinct positive ints"),
        ({"expand_ratios": ()}, "distinct positive ints"),
        ({"depths": (0, 1)}, "distinct positive ints"),
        ({"widths": (8, 16), "strides": (1,)}, "equally long"),
        ({"per_block": 1}, "per_block must be True or False"),
        ({"head_width": 0}, "must be positive"),
        ({"kernel_sizes": "357"}, "sequence of ints"),
    ],
)
def test_bad_space_configuration_is_rejected(kwargs, message):
    with pytest.raises(OutOfSpaceError, match=message):
        MacroSpace(**kwargs)


def test_space_is_a_value_with_an_evaluable_repr():
    space = MacroSpace(depths=(1, 2), widths=(8, 16), strides=(1, 2), per_block=False)
    assert eval(repr(space), {"MacroSpace": MacroSpace}) == space
    assert hash(space) == hash(MacroSpace(depths=(1, 2), widths=(8, 16), strides=(1, 2), per_block=False))
    assert space != DEFAULT


def test_neighbors_of_first_arch_in_documented_order():
    space = MacroSpace(depths=(1, 2), expand_ratios=(3, 6), kernel_sizes=(3, 5), widths=(8,), strides=(1,))
    first = next(iter(space))
    assert [str(n) for n in space.neighbors(first)] == ["d2-e3k3,e3k3", "d1-e6k3,e3k3", "d1-e3k5,e3k3"]
    assert [str(a) for a in itertools.islice(space, 3)] == ["d1-e3k3,e3k3", "d1-e3k3,e3k5", "d1-e3k3,e6k3"]
