"""DARTS cell space: genotype strings, variation, canonical form, encodings, decisions."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import InfiniteSpaceError, OutOfSpaceError, UnknownNameError
from nasbench_kit.spaces import DartsGenotype, DartsSpace, DecisionSpace
from nasbench_kit.spaces.darts import DARTS_V1, DARTS_V2, NODES, NUM_GENOTYPES, OPS, PRIMITIVES, swap_inputs
from nasbench_kit.testing import check_search_space

SPACE = DartsSpace()

# The official genotypes, as written in quark0/darts cnn/genotypes.py.
OFFICIAL_V2 = (
    "DARTS_V2 = Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
    "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
    "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), "
    "('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], "
    "reduce_concat=[2, 3, 4, 5])"
)
OFFICIAL_V1 = (
    "DARTS_V1 = Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), "
    "('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2)], "
    "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), "
    "('max_pool_3x3', 0), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('avg_pool_3x3', 0)], "
    "reduce_concat=[2, 3, 4, 5])"
)
PAIR = r"\('(\w+)', (\d)\)"
CELL = r"\[" + ", ".join([PAIR] * 8) + r"\]"
STRING_RE = re.compile(rf"Genotype\(normal={CELL}, normal_concat=\[2, 3, 4, 5\], reduce={CELL}, "
                       rf"reduce_concat=\[2, 3, 4, 5\]\)")


# --- a genotype strategy built independently of the space's own decision layout -------------
def _node(j: int):
    inputs = st.lists(st.integers(0, j - 1), min_size=2, max_size=2, unique=True)
    return st.tuples(inputs, st.sampled_from(OPS), st.sampled_from(OPS)).map(
        lambda t: ((t[1], t[0][0]), (t[2], t[0][1]))
    )


cells = st.tuples(*[_node(j) for j in NODES]).map(lambda nodes: tuple(p for node in nodes for p in node))
genotypes = st.builds(DartsGenotype, normal=cells, reduce=cells)


def assert_member(arch: DartsGenotype) -> None:
    """``arch`` passes the checking constructor (the space builds its results without re-checking)."""
    assert SPACE.validate(arch) is arch
    assert DartsGenotype(normal=arch.normal, reduce=arch.reduce) == arch


def fields_differing(a: DartsGenotype, b: DartsGenotype) -> int:
    """Number of (op or input) fields in which two genotypes differ."""
    return sum(x != y for c in ("normal", "reduce") for p, q in zip(getattr(a, c), getattr(b, c)) for x, y in zip(p, q))


def relabel(pairs: tuple, perm: dict[int, int]) -> tuple | None:
    """The cell with intermediate node j renamed perm[j], or None if a node would read a later one."""
    nodes = {j: pairs[2 * (j - 2): 2 * (j - 2) + 2] for j in NODES}
    label = {0: 0, 1: 1, **perm}
    if any(label[s] >= label[j] for j, node in nodes.items() for _, s in node):
        return None
    moved = {label[j]: tuple((op, label[s]) for op, s in node) for j, node in nodes.items()}
    return tuple(p for j in NODES for p in moved[j])


def valid_relabelings(pairs: tuple) -> list[tuple]:
    out = []
    for perm in itertools.permutations(NODES):
        cell = relabel(pairs, dict(zip(NODES, perm)))
        if cell is not None:
            out.append(cell)
    return out


def isomorphic_cells(a: tuple, b: tuple) -> bool:
    """Brute force: some valid relabeling of a equals b up to the order of each node's pairs."""
    def as_sets(pairs: tuple) -> tuple:
        return tuple(frozenset(pairs[k:k + 2]) for k in range(0, 8, 2))

    return any(as_sets(cell) == as_sets(b) for cell in valid_relabelings(a))


# --- strings -----------------------------------------------------------------------------------
def test_official_darts_v2_text_parses_and_prints_back_exactly():
    arch = SPACE.parse(OFFICIAL_V2)
    assert arch == DARTS_V2
    assert str(arch) == OFFICIAL_V2.split(" = ", 1)[1]
    assert arch.normal[7] == ("dil_conv_3x3", 2) and arch.reduce[0] == ("max_pool_3x3", 0)
    assert arch.normal_concat == arch.reduce_concat == (2, 3, 4, 5)
    assert SPACE.parse(OFFICIAL_V1) == DARTS_V1
    assert str(DARTS_V1) == OFFICIAL_V1.split(" = ", 1)[1]


def test_other_official_spellings_parse():
    body = OFFICIAL_V2.split(" = ", 1)[1]
    # what model_search.py's genotype() prints: concat as range(2, 6)
    logged = body.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(2, 6)").replace(
        "reduce_concat=[2, 3, 4, 5]", "reduce_concat=range(2, 6)")
    assert SPACE.parse(logged) == DARTS_V2
    # the multi-line style of the NASNet genotype: spaces around '=', trailing commas, double quotes
    pretty = ("Genotype(\n  normal = [\n" + "".join(f'    ("{op}", {i}),\n' for op, i in DARTS_V2.normal)
              + "  ],\n  reduce = [\n" + "".join(f"    ('{op}', {i}),\n" for op, i in DARTS_V2.reduce)
              + "  ],\n  reduce_concat = (2, 3, 4, 5),\n  normal_concat = [2, 3, 4, 5,],\n)\n")
    assert SPACE.parse(pretty) == DARTS_V2


@given(genotypes)
def test_string_round_trip_and_official_format(arch):
    text = str(arch)
    match = STRING_RE.fullmatch(text)
    assert match is not None
    groups = match.groups()
    assert [(groups[k], int(groups[k + 1])) for k in range(0, 32, 2)] == list(arch.normal + arch.reduce)
    assert SPACE.parse(text) == arch == DartsGenotype.from_string(f"  {text}\n")
    assert eval(repr(arch), {"DartsGenotype": DartsGenotype}) == arch


def _replace_pair(text: str, index: int, new: str) -> str:
    pairs = list(re.finditer(PAIR, text))
    span = pairs[index].span()
    return text[: span[0]] + new + text[span[1]:]


BODY = str(DARTS_V2)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (_replace_pair(BODY, 0, "('none', 0)"), ["op 'none' of normal pair 0 (node 2)", "supernet primitive"]),
        (_replace_pair(BODY, 9, "('sep_conv_7x7', 1)"), ["op 'sep_conv_7x7' of reduce pair 1 (node 2)", *OPS]),
        (_replace_pair(BODY, 2, "('sep_conv_3x3', 3)"),
         ["input 3 of normal pair 2 (node 3) is not allowed", "earlier nodes 0..2"]),
        (_replace_pair(BODY, 7, "('skip_connect', 0)"), ["both inputs of normal node 5 are node 0", "distinct"]),
        (BODY.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=[4, 5, 6]"),
         ["normal_concat=[4, 5, 6] is not allowed", "[2, 3, 4, 5]"]),
        (BODY.replace("normal=[", "normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "),
         ["normal cell has 10 (op, input) pairs", "exactly 8"]),
        (BODY.replace("reduce=", "reduction="), ["unknown field 'reduction'", "normal_concat"]),
        (BODY.replace(", reduce_concat=[2, 3, 4, 5]", ""), ["lacks the field(s) ['reduce_concat']"]),
        (BODY.replace("normal_concat", "reduce_concat"), ["field 'reduce_concat' given twice"]),
        (BODY.replace("Genotype", "Genome"), ["token 'Genome' at position 0", "'Genotype('"]),
        (BODY.replace("('sep_conv_3x3', 0)", "(sep_conv_3x3, 0)", 1), ["token 'sep_conv_3x3'", "a quoted op name"]),
        (BODY.replace("('sep_conv_3x3', 0)", "('sep_conv_3x3'; 0)", 1), ["unexpected character ';'"]),
        (BODY[:-1], ["end of text"]),
        (BODY + " extra", ["token 'extra'", "the end of the text"]),
        ("", ["end of text", "'Genotype('"]),
    ],
)
def test_parse_errors_name_the_bad_token_and_what_is_allowed(text, fragments):
    with pytest.raises(OutOfSpaceError) as info:
        SPACE.parse(text)
    message = str(info.value)
    assert all(fragment in message for fragment in fragments), message


@pytest.mark.parametrize("junk", [None, 42, b"Genotype()", ["sep_conv_3x3"]])
def test_parse_rejects_non_strings(junk):
    with pytest.raises(OutOfSpaceError, match="must be a str"):
        SPACE.parse(junk)


def _edits_of_valid_strings():
    edit = st.tuples(st.integers(0, 460), st.integers(0, 6), st.text(alphabet="()[],='\"_ 0123456789abnoprs", max_size=5))

    def apply(args):
        text, (pos, cut, insert) = args
        return text[:pos] + insert + text[pos + cut:]

    return st.tuples(genotypes.map(str), edit).map(apply)


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.text(max_size=60), _edits_of_valid_strings()))
def test_fuzz_parse_only_raises_out_of_space(text):
    try:
        arch = SPACE.parse(text)
    except OutOfSpaceError as err:
        assert str(err)
    else:
        assert SPACE.validate(arch) == arch


def test_genotype_constructor_validates_and_is_an_immutable_hashable_value():
    listed = DartsGenotype(normal=[list(p) for p in DARTS_V2.normal], reduce=list(DARTS_V2.reduce))
    assert listed == DARTS_V2 and hash(listed) == hash(DARTS_V2)
    assert isinstance(listed.normal, tuple) and all(isinstance(p, tuple) for p in listed.normal)
    numpy_inputs = DartsGenotype(normal=[(op, np.int64(i)) for op, i in DARTS_V2.normal], reduce=DARTS_V2.reduce)
    assert numpy_inputs == DARTS_V2 and type(numpy_inputs.normal[0][1]) is int
    with pytest.raises(AttributeError):
        DARTS_V2.normal = DARTS_V1.normal  # type: ignore[misc]
    with pytest.raises(OutOfSpaceError, match="input True of normal pair 0"):
        DartsGenotype(normal=[("sep_conv_3x3", True)] + list(DARTS_V2.normal[1:]), reduce=DARTS_V2.reduce)
    with pytest.raises(OutOfSpaceError, match="must be a list of 8"):
        DartsGenotype(normal=str(DARTS_V2), reduce=DARTS_V2.reduce)
    with pytest.raises(OutOfSpaceError, match="reduce pair 3 .* expected an \\(op, input\\) pair"):
        DartsGenotype(normal=DARTS_V2.normal, reduce=DARTS_V2.reduce[:3] + ("skip_connect",) + DARTS_V2.reduce[4:])
    assert {DARTS_V2: 1}[SPACE.parse(OFFICIAL_V2)] == 1


# --- the contract and the size ---------------------------------------------------------------
def test_passes_the_search_space_contract():
    assert check_search_space(SPACE, n_samples=40) == [
        "sample", "string round-trip", "mutate", "neighbors", "crossover", "encodings", "canonical",
        "rejects garbage", "enumeration",
    ]


def test_registered_in_spaces_and_named():
    import nasbench_kit.spaces as spaces

    assert spaces.DartsSpace is DartsSpace and spaces.DartsGenotype is DartsGenotype
    assert "DartsSpace" in spaces.__all__ and "DartsGenotype" in spaces.__all__
    assert SPACE.name == "darts"


def test_ops_exclude_none_and_primitives_keep_the_official_order():
    assert PRIMITIVES == ("none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
                          "dil_conv_3x3", "dil_conv_5x5")
    assert OPS == PRIMITIVES[1:]


def test_size_and_enumeration_refused():
    assert SPACE.size == NUM_GENOTYPES == (2 * 6 * 12 * 20 * 7**8) ** 2
    assert NUM_GENOTYPES // 2**8 == (1 * 3 * 6 * 10 * 7**8) ** 2  # the paper's count, pair order ignored
    assert 1.0e18 < NUM_GENOTYPES / 2**8 < 1.1e18
    assert SPACE.is_finite is False
    with pytest.raises(InfiniteSpaceError, match="too many"):
        len(SPACE)
    with pytest.raises(InfiniteSpaceError, match="too many to enumerate"):
        iter(SPACE)


def test_importing_the_space_does_not_import_torch():
    code = "import sys, nasbench_kit.spaces.darts; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "False"


# --- sampling and variation ----------------------------------------------------------------
def test_sample_is_reproducible_and_roughly_uniform():
    rng = np.random.default_rng(0)
    archs = [SPACE.sample(rng) for _ in range(3500)]
    for arch in archs[:200]:
        assert_member(arch)
    assert archs[0] == SPACE.sample(np.random.default_rng(0))
    ops = np.array([[OPS.index(op) for op, _ in a.normal + a.reduce] for a in archs])
    share = np.stack([(ops == k).mean(axis=0) for k in range(len(OPS))])  # (7 ops, 16 pairs)
    assert np.all(np.abs(share - 1 / 7) < 0.04)
    node5_first = np.bincount([a.reduce[6][1] for a in archs], minlength=5) / len(archs)
    assert np.all(np.abs(node5_first - 0.2) < 0.04)
    assert 0.45 < np.mean([a.normal[0][1] == 0 for a in archs]) < 0.55  # both input orders of node 2


@given(genotypes, st.integers(0, 2**32 - 1))
def test_mutate_changes_exactly_one_field_reproducibly(arch, seed):
    child = SPACE.mutate(arch, np.random.default_rng(seed))
    assert child != arch
    assert fields_differing(arch, child) == 1
    assert child == SPACE.mutate(arch, np.random.default_rng(seed))
    assert_member(child)


def test_mutate_reaches_every_neighbor():
    rng = np.random.default_rng(0)
    seen = {SPACE.mutate(DARTS_V2, rng) for _ in range(3000)}
    assert seen == set(SPACE.neighbors(DARTS_V2))
    for child in seen:
        assert_member(child)


@settings(max_examples=60)
@given(genotypes)
def test_neighbors_are_exactly_the_single_field_changes_in_fixed_order(arch):
    found = SPACE.neighbors(arch)
    assert len(found) == 120 == len(set(found))
    assert arch not in found and found == SPACE.neighbors(arch)
    for other in found:
        assert_member(other)
    brute = set()
    for cell in ("normal", "reduce"):
        for k in range(8):
            for field, values in ((0, OPS), (1, range(NODES[k // 2]))):
                for value in values:
                    pairs = [list(p) for p in getattr(arch, cell)]
                    pairs[k][field] = value
                    try:
                        other = DartsGenotype(**{"normal": arch.normal, "reduce": arch.reduce, cell: pairs})
                    except OutOfSpaceError:
                        continue
                    if other != arch:
                        brute.add(other)
    assert set(found) == brute
    # fixed order: normal cell first, pair by pair
    position = [next(i for i, (p, q) in enumerate(zip(arch.normal + arch.reduce, o.normal + o.reduce)) if p != q)
                for o in found]
    assert position == sorted(position)


@given(genotypes, genotypes, st.integers(0, 2**32 - 1))
def test_crossover_takes_whole_nodes_from_either_parent(a, b, seed):
    child = SPACE.crossover(a, b, np.random.default_rng(seed))
    assert_member(child)
    assert child == SPACE.crossover(a, b, np.random.default_rng(seed))
    for cell in ("normal", "reduce"):
        for k in range(0, 8, 2):
            node = getattr(child, cell)[k:k + 2]
            assert node in (getattr(a, cell)[k:k + 2], getattr(b, cell)[k:k + 2])
    assert SPACE.crossover(a, a, np.random.default_rng(seed)) == a


def test_crossover_mixes_both_parents():
    rng = np.random.default_rng(3)
    a, b = DARTS_V2, DartsGenotype(normal=[("avg_pool_3x3", 0), ("avg_pool_3x3", 1)] * 4,
                                   reduce=[("dil_conv_5x5", 1), ("dil_conv_5x5", 0)] * 4)
    children = [SPACE.crossover(a, b, rng) for _ in range(50)]
    assert any(c not in (a, b) for c in children)
    from_a = [sum(c.normal[k:k + 2] == a.normal[k:k + 2] for k in range(0, 8, 2)) for c in children]
    assert 1.2 < np.mean(from_a) < 2.8  # about half the nodes from each parent


# --- canonical form ---------------------------------------------------------------------------
@given(genotypes, st.sampled_from(["normal", "reduce"]), st.sampled_from(NODES))
def test_swapping_the_two_inputs_of_a_node_keeps_canonical(arch, cell, node):
    swapped = swap_inputs(arch, cell, node)
    k = 2 * (node - 2)
    assert getattr(swapped, cell)[k:k + 2] == getattr(arch, cell)[k:k + 2][::-1]
    assert SPACE.canonical(swapped) == SPACE.canonical(arch)


@given(genotypes)
def test_valid_node_relabelings_keep_canonical(arch):
    key = SPACE.canonical(arch)
    for normal in valid_relabelings(arch.normal):
        assert SPACE.canonical(DartsGenotype(normal=normal, reduce=arch.reduce)) == key
    for reduce in valid_relabelings(arch.reduce):
        assert SPACE.canonical(DartsGenotype(normal=arch.normal, reduce=reduce)) == key


@settings(max_examples=80)
@given(genotypes, st.integers(0, 119))
def test_canonical_equal_exactly_for_isomorphic_genotypes(arch, which):
    """Against a brute-force isomorphism test, on near pairs (neighbors) where collisions can happen."""
    other = SPACE.neighbors(arch)[which]
    expected = isomorphic_cells(arch.normal, other.normal) and isomorphic_cells(arch.reduce, other.reduce)
    assert (SPACE.canonical(arch) == SPACE.canonical(other)) == expected


def test_canonical_identifies_an_isomorphic_rewiring_and_nothing_more():
    # nodes 2 and 3 are identical, so node 4 reading node 2 or node 3 is the same network
    same = [("sep_conv_3x3", 0), ("skip_connect", 1)] * 2
    tail = [("dil_conv_3x3", 2), ("max_pool_3x3", 0), ("avg_pool_3x3", 4), ("sep_conv_5x5", 1)]
    reduce = list(DARTS_V2.reduce)
    a = DartsGenotype(normal=same + tail, reduce=reduce)
    b = DartsGenotype(normal=same + [("dil_conv_3x3", 3)] + tail[1:], reduce=reduce)
    assert SPACE.canonical(a) == SPACE.canonical(b)
    # the two cells are never exchanged
    assert SPACE.canonical(DartsGenotype(normal=DARTS_V2.reduce, reduce=DARTS_V2.normal)) != SPACE.canonical(DARTS_V2)
    # changing an op always changes the canonical form (the op multiset of a cell is invariant)
    for child in SPACE.neighbors(DARTS_V2):
        if sorted(op for op, _ in child.normal + child.reduce) != sorted(op for op, _ in DARTS_V2.normal + DARTS_V2.reduce):
            assert SPACE.canonical(child) != SPACE.canonical(DARTS_V2)


def test_canonical_representative_of_darts_v2():
    rep = SPACE.canonicalize(DARTS_V2)
    assert rep.normal == (("skip_connect", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
                          ("skip_connect", 0), ("dil_conv_3x3", 3), ("sep_conv_3x3", 0), ("sep_conv_3x3", 1))
    assert SPACE.canonical(DARTS_V2) == str(rep)


@given(genotypes)
def test_canonical_string_parses_to_its_own_representative(arch):
    key = SPACE.canonical(arch)
    rep = SPACE.parse(key)
    assert_member(SPACE.canonicalize(arch))
    assert rep == SPACE.canonicalize(arch) and SPACE.canonical(rep) == key
    assert isomorphic_cells(arch.normal, rep.normal) and isomorphic_cells(arch.reduce, rep.reduce)


# --- encodings ----------------------------------------------------------------------------------
def _path_count(pairs: tuple) -> int:
    paths = {0: 1, 1: 1}
    for j in NODES:
        paths[j] = sum(paths[s] for _, s in pairs[2 * (j - 2): 2 * (j - 2) + 2])
    return sum(paths[j] for j in NODES)


@settings(max_examples=60)
@given(genotypes, st.sampled_from(["normal", "reduce"]), st.sampled_from(NODES))
def test_every_encoding_has_its_length_and_ignores_canonical_rewrites(arch, cell, node):
    twins = [swap_inputs(arch, cell, node)]
    twins += [DartsGenotype(normal=n, reduce=arch.reduce) for n in valid_relabelings(arch.normal)[:3]]
    for kind, length in (("onehot", 168), ("adjacency", 224), ("path", 11200)):
        assert SPACE.encoding_length(kind) == length
        vec = SPACE.encode(arch, kind)
        assert vec.shape == (length,) and vec.dtype == np.float32
        for twin in twins:
            np.testing.assert_array_equal(SPACE.encode(twin, kind), vec)
    assert SPACE.encode(arch, "onehot").sum() == 32  # input and op of 16 pairs
    adjacency = SPACE.encode(arch, "adjacency")
    assert adjacency[:14].sum() == adjacency[112:126].sum() == 8  # 8 edges per cell
    assert adjacency.sum() == 32
    path = SPACE.encode(arch, "path")
    assert path[:5600].sum() == _path_count(arch.normal) and path[5600:].sum() == _path_count(arch.reduce)


@settings(max_examples=60)
@given(genotypes, genotypes)
def test_onehot_and_adjacency_separate_different_canonical_forms(a, b):
    same = SPACE.canonical(a) == SPACE.canonical(b)
    for kind in ("onehot", "adjacency"):
        assert np.array_equal(SPACE.encode(a, kind), SPACE.encode(b, kind)) == same


def test_encoding_layout_of_a_known_cell():
    # normal node 2 of DARTS_V2's representative: skip_connect from 0, sep_conv_3x3 from 1
    onehot = SPACE.encode(DARTS_V2, "onehot")
    assert onehot[:9].tolist() == [1, 0, 0, 0, 1, 0, 0, 0, 0]  # input 0, op skip_connect (index 2 of OPS)
    assert onehot[9:18].tolist() == [0, 1, 0, 0, 0, 1, 0, 0, 0]  # input 1, op sep_conv_3x3
    path = SPACE.encode(DARTS_V2, "path")
    assert path[OPS.index("skip_connect")] >= 1  # the length-1 path 0 -> skip_connect
    # node 4 of the representative reads node 3 through dil_conv_3x3; node 3 has sep_conv_3x3 from 0
    two_ops = 7 + OPS.index("sep_conv_3x3") + 7 * OPS.index("dil_conv_3x3")
    assert path[two_ops] == 1


def test_encode_many_matches_encode_and_unknown_kind_is_refused():
    archs = [SPACE.sample(np.random.default_rng(s)) for s in range(5)]
    for kind in ("onehot", "adjacency", "path"):
        many = SPACE.encode_many(archs, kind)
        assert many.shape == (5, SPACE.encoding_length(kind))
        assert all(np.array_equal(row, SPACE.encode(a, kind)) for row, a in zip(many, archs))
    assert SPACE.encode_many([], "onehot").shape == (0, 168)
    with pytest.raises(UnknownNameError, match="onehot"):
        SPACE.encode(DARTS_V2, "graph")
    with pytest.raises(OutOfSpaceError, match="expected a DartsGenotype"):
        SPACE.encode("not a genotype")


# --- decisions ----------------------------------------------------------------------------------
def test_decisions_protocol_round_trips_exactly():
    assert isinstance(SPACE, DecisionSpace)
    sizes = SPACE.decisions()
    assert len(sizes) == 32 and int(np.prod(sizes, dtype=object)) == NUM_GENOTYPES
    rng = np.random.default_rng(1)
    for _ in range(50):
        arch = SPACE.sample(rng)
        choices = SPACE.to_decisions(arch)
        assert all(0 <= c < n for c, n in zip(choices, sizes))
        assert SPACE.from_decisions(choices) == arch
        random_choices = [int(rng.integers(n)) for n in sizes]
        assert_member(SPACE.from_decisions(random_choices))
    for bad in ([0] * 31, [0] * 31 + [7], [2] + [0] * 31, [0, 0, 1] + [0] * 29, [0.5] * 32):
        with pytest.raises(OutOfSpaceError):
            SPACE.from_decisions(bad)


@given(genotypes)
def test_decisions_of_any_genotype_invert(arch):
    assert SPACE.from_decisions(SPACE.to_decisions(arch)) == arch
