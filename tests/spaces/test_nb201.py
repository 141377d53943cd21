"""NAS-Bench-201 cell space: strings, variation, enumeration, canonical form, encodings."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import OutOfSpaceError, UnknownNameError
from nasbench_kit.spaces import Cell201, NB201Space
from nasbench_kit.spaces.nb201 import EDGES, OPS

SPACE = NB201Space()
ops_tuples = st.tuples(*[st.sampled_from(OPS)] * 6)
cells = ops_tuples.map(Cell201)
BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
STRING_RE = re.compile(r"\|(\w+)~0\|\+\|(\w+)~0\|(\w+)~1\|\+\|(\w+)~0\|(\w+)~1\|(\w+)~2\|")


def edges_differing(a: Cell201, b: Cell201) -> int:
    return sum(x != y for x, y in zip(a.ops, b.ops))


# --- official reference: NATS-Bench CellStructure.to_unique_str(consider_zero=True) ---------
def official_unique_str(arch_str: str) -> str:
    """Literal transcription of the official algorithm on the official string format."""
    nodes_info = [
        [(tok.split("~")[0], int(tok.split("~")[1])) for tok in node.strip("|").split("|")]
        for node in arch_str.split("+")
    ]
    nodes = {0: "0"}
    for i_node, node_info in enumerate(nodes_info):
        cur_node = []
        for op, xin in node_info:
            if op == "none" or nodes[xin] == "#":
                x = "#"
            elif op == "skip_connect":
                x = nodes[xin]
            else:
                x = "(" + nodes[xin] + ")" + "@{:}".format(op)
            cur_node.append(x)
        nodes[i_node + 1] = "+".join(sorted(cur_node))
    return nodes[len(nodes_info)]


# --- strings ---------------------------------------------------------------------------------
@given(ops_tuples)
def test_string_round_trip_and_official_format(ops):
    cell = Cell201(ops)
    text = str(cell)
    match = STRING_RE.fullmatch(text)
    assert match is not None and match.groups() == ops
    assert Cell201.from_string(text) == cell == SPACE.parse(text)
    assert Cell201.from_string(f"  {text}\n") == cell


def _mutations_of_valid_strings():
    valid = ops_tuples.map(lambda ops: str(Cell201(ops)))
    edit = st.tuples(st.integers(0, 120), st.integers(0, 4), st.text(max_size=4))

    def apply(args):
        text, (pos, cut, insert) = args
        pos = min(pos, len(text))
        return text[:pos] + insert + text[pos + cut :]

    return st.tuples(valid, edit).map(apply)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.text(max_size=80), _mutations_of_valid_strings(), st.from_regex(STRING_RE.pattern.replace("\\w+", "[a-z_0-9~|+]{0,14}"))))
def test_fuzz_parse_only_raises_out_of_space(text):
    try:
        cell = Cell201.from_string(text)
    except OutOfSpaceError as err:
        assert str(err)  # a message, never empty
    else:
        assert str(cell) == text.strip()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("|nor_conv_3x3~0|+|nor_conv_3x3~0|conv5x5~1|+|none~0|none~1|none~2|", "unknown op 'conv5x5'"),
        ("|none~0|+|none~0|none~2|+|none~0|none~1|none~2|", "edge 2<-1) has source '2'"),
        ("|none~0|+|none~0|none~1|", "found 2 node group(s)"),
        ("|none~0|+|none~0|+|none~0|none~1|none~2|", "node 2 group '|none~0|' has 1 edge(s), needs 2"),
        ("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|none~3|", "has 4 edge(s), needs 3"),
        ("none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "does not start and end with '|'"),
        ("|none0|+|none~0|none~1|+|none~0|none~1|none~2|", "token 'none0' (node 1, edge 1<-0) is not of the form"),
        ("", "found 1 node group(s)"),
    ],
)
def test_parse_errors_name_the_problem_and_list_allowed_ops(text, fragment):
    with pytest.raises(OutOfSpaceError) as info:
        Cell201.from_string(text)
    message = str(info.value)
    assert fragment in message
    assert all(op in message for op in OPS)


@pytest.mark.parametrize("junk", [None, 42, b"|none~0|", ["none"] * 6])
def test_parse_rejects_non_strings(junk):
    with pytest.raises(OutOfSpaceError, match="must be a str"):
        Cell201.from_string(junk)


def test_cell_constructor_validates_and_is_a_hashable_value():
    with pytest.raises(OutOfSpaceError, match="needs 6 ops"):
        Cell201(("none",) * 5)
    with pytest.raises(OutOfSpaceError, match=r"'conv' on edge 3<-1 \(position 4\) is not one of"):
        Cell201(("none",) * 4 + ("conv", "none"))
    with pytest.raises(OutOfSpaceError, match="tuple of 6 op names"):
        Cell201(str(Cell201(("none",) * 6)))
    listed = Cell201(["skip_connect"] * 6)
    assert listed.ops == ("skip_connect",) * 6 and isinstance(listed.ops, tuple)
    assert hash(listed) == hash(Cell201(("skip_connect",) * 6))
    assert eval(repr(listed)) == listed and "skip_connect" in repr(listed)
    with pytest.raises(AttributeError):
        listed.ops = ("none",) * 6  # type: ignore[misc]


@pytest.mark.parametrize("bad", [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, -1], [0.5] * 6, [True] * 6, "012340", None])
def test_from_indices_rejects_bad_input(bad):
    with pytest.raises(OutOfSpaceError, match="6 ints in 0..4"):
        Cell201.from_indices(bad)


# --- variation -------------------------------------------------------------------------------
@given(cells, st.integers(0, 2**32 - 1))
def test_mutate_changes_exactly_one_edge_reproducibly(cell, seed):
    child = SPACE.mutate(cell, np.random.default_rng(seed))
    assert edges_differing(cell, child) == 1
    assert child == SPACE.mutate(cell, np.random.default_rng(seed))


def test_mutate_reaches_every_neighbor():
    cell = Cell201.from_string(BEST)
    rng = np.random.default_rng(0)
    seen = {SPACE.mutate(cell, rng) for _ in range(1500)}
    assert seen == set(SPACE.neighbors(cell))


@given(cells)
def test_neighbors_are_all_single_edge_changes_in_fixed_order(cell):
    found = SPACE.neighbors(cell)
    assert len(found) == 24 == len(set(found))
    assert all(edges_differing(cell, other) == 1 for other in found)
    changed = [next(k for k in range(6) if a != b) for a, b in ((cell.ops, o.ops) for o in found)]
    assert changed == sorted(changed)  # grouped by edge, in string order
    assert found == SPACE.neighbors(cell)


def test_neighbors_match_brute_force_over_whole_space():
    cell = Cell201.from_string(BEST)
    brute = {other for other in SPACE if edges_differing(cell, other) == 1}
    assert set(SPACE.neighbors(cell)) == brute


@given(cells, cells, st.integers(0, 2**32 - 1))
def test_crossover_takes_each_edge_from_a_parent(a, b, seed):
    child = SPACE.crossover(a, b, np.random.default_rng(seed))
    assert all(op in (x, y) for op, x, y in zip(child.ops, a.ops, b.ops))


def test_crossover_mixes_both_parents():
    a, b = Cell201(("none",) * 6), Cell201(("avg_pool_3x3",) * 6)
    rng = np.random.default_rng(1)
    children = [SPACE.crossover(a, b, rng) for _ in range(200)]
    from_a = np.array([[op == "none" for op in child.ops] for child in children])
    assert 0.4 < from_a.mean() < 0.6
    assert from_a.any(axis=0).all() and (~from_a).any(axis=0).all()


def test_sample_is_uniform_per_edge_and_seeded():
    rng = np.random.default_rng(0)
    ops = np.array([SPACE.sample(rng).op_indices for _ in range(10_000)])
    freq = np.stack([(ops == k).mean(axis=0) for k in range(5)])  # (op, edge)
    assert np.all(np.abs(freq - 0.2) < 0.02)
    assert SPACE.sample(np.random.default_rng(5)) == SPACE.sample(np.random.default_rng(5))


@pytest.mark.parametrize("junk", [None, 42, "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", ("none",) * 6])
def test_space_methods_reject_non_cells(junk):
    rng = np.random.default_rng(0)
    for call in (SPACE.validate, SPACE.canonical, SPACE.neighbors, SPACE.index, lambda a: SPACE.mutate(a, rng)):
        with pytest.raises(OutOfSpaceError, match="expected a Cell201"):
            call(junk)


# --- enumeration -------------------------------------------------------------------------------
def test_enumeration_order_index_and_ops_array():
    everything = list(SPACE)
    assert len(SPACE) == len(everything) == 15_625 == len(set(everything))
    assert everything[0] == Cell201(("none",) * 6) and everything[-1] == Cell201(("avg_pool_3x3",) * 6)
    indices = [c.op_indices for c in everything]
    assert indices == sorted(indices)  # product order: lexicographic in op indices
    assert all(SPACE.index(c) == i for i, c in enumerate(everything))
    assert all(SPACE.cell_at(i) == everything[i] for i in range(0, 15_625, 97))
    arr = SPACE.all_ops_array()
    assert arr.dtype == np.int8 and arr.shape == (15_625, 6)
    assert np.array_equal(arr, np.array(indices))


@pytest.mark.parametrize("bad", [-1, 15_625, 1.0, True, "3", None])
def test_cell_at_rejects_bad_index(bad):
    with pytest.raises(OutOfSpaceError, match="0..15624"):
        SPACE.cell_at(bad)


def test_cell_at_accepts_numpy_integers():
    assert SPACE.cell_at(np.int64(7)) == SPACE.cell_at(7)


# --- canonical ---------------------------------------------------------------------------------
def test_canonical_matches_official_algorithm_on_every_cell_and_gives_6466_classes():
    ours = SPACE.all_canonical()
    assert ours == [official_unique_str(str(c)) for c in SPACE]
    assert [SPACE.canonical(c) for c in SPACE] == ours
    assert len(set(ours)) == 6466


@pytest.mark.parametrize(
    ("arch", "expected"),
    [  # derived by hand from the official rule
        ("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "#+#+#"),
        ("|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|", "0+0+0+0"),
        ("|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|", "#+#+(0)@nor_conv_3x3"),
        ("|none~0|+|none~0|none~1|+|none~0|none~1|avg_pool_3x3~2|", "#+#+(#+#)@avg_pool_3x3"),
        ("|none~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|none~1|nor_conv_1x1~2|", "#+#+(#+0)@nor_conv_1x1"),
        (BEST, "(((0)@nor_conv_3x3)@nor_conv_3x3+(0)@nor_conv_3x3)@nor_conv_1x1"
               "+((0)@nor_conv_3x3)@nor_conv_3x3+0"),
    ],
)
def test_canonical_hand_derived(arch, expected):
    assert SPACE.canonical(Cell201.from_string(arch)) == expected


@given(cells, st.sampled_from(OPS), st.sampled_from(OPS))
def test_canonical_ignores_edges_out_of_a_zero_node_1(cell, op_21, op_31):
    # node 1 reads '#' when its only edge is none: edges 2<-1 and 3<-1 then contribute '#'
    ops = ("none", cell.ops[1], op_21, cell.ops[3], op_31, cell.ops[5])
    base = ("none", cell.ops[1], cell.ops[2], cell.ops[3], cell.ops[4], cell.ops[5])
    assert SPACE.canonical(Cell201(ops)) == SPACE.canonical(Cell201(base))


@given(ops_tuples)
def test_canonical_ignores_everything_when_node_3_has_only_none_inputs(ops):
    cell = Cell201(ops[:3] + ("none",) * 3)
    assert SPACE.canonical(cell) == "#+#+#"


def test_canonical_separates_different_computations():
    convs = [SPACE.canonical(Cell201((op,) * 6)) for op in OPS]
    assert len(set(convs)) == len(OPS)


# --- encodings ---------------------------------------------------------------------------------
def naszilla_path_bits(cell: Cell201) -> set[int]:
    """BANANAS' NB201 path encoding (naszilla Cell201.get_path_indices), our op order."""
    blueprints = [[3], [0, 4], [1, 5], [0, 2, 5]]
    offsets = {1: 0, 2: 5, 3: 5 + 25}
    return {offsets[len(bp)] + sum(OPS.index(cell.ops[e]) * 5**j for j, e in enumerate(bp)) for bp in blueprints}


def test_path_blueprints_are_the_input_output_paths():
    def paths(node, trail):
        if node == 0:
            yield tuple(reversed(trail))
        for k, (target, source) in enumerate(EDGES):
            if target == node:
                yield from paths(source, trail + [k])

    assert sorted(paths(3, []), key=len) == [(3,), (0, 4), (1, 5), (0, 2, 5)]


@given(cells)
def test_encodings_single_cell(cell):
    onehot = SPACE.encode(cell, "onehot")
    assert onehot.dtype == np.float32 and onehot.shape == (30,)
    assert tuple(onehot.reshape(6, 5).argmax(axis=1)) == cell.op_indices and onehot.sum() == 6
    adjacency = SPACE.encode(cell, "adjacency")
    assert adjacency.shape == (SPACE.encoding_length("adjacency"),) == (58,)
    matrix = SPACE.adjacency_matrix()
    assert np.array_equal(adjacency[:28], matrix[np.triu_indices(8, k=1)])
    assert np.array_equal(adjacency[28:], onehot)
    path = SPACE.encode(cell, "path")
    assert path.shape == (155,) and set(np.flatnonzero(path)) == naszilla_path_bits(cell)


def test_adjacency_matrix_is_the_op_on_node_dag():
    m = SPACE.adjacency_matrix()
    assert np.array_equal(m, np.triu(m, k=1))
    # vertex 1+k is edge k; it feeds vertex 1+m exactly when edge k's target is edge m's source
    for k, (target, _) in enumerate(EDGES):
        for m_, (_, source) in enumerate(EDGES):
            assert m[1 + k, 1 + m_] == (target == source)
        assert m[0, 1 + k] == (EDGES[k][1] == 0) and m[1 + k, 7] == (target == 3)
    m[0, 0] = 5  # a copy: the space's matrix is unchanged
    assert SPACE.adjacency_matrix()[0, 0] == 0


@pytest.mark.parametrize("kind", ["onehot", "adjacency", "path"])
def test_encode_many_matches_encode_and_ops_array(kind):
    everything = list(SPACE)
    many = SPACE.encode_many(everything, kind)
    assert many.shape == (15_625, SPACE.encoding_length(kind)) and many.dtype == np.float32
    assert np.array_equal(many, SPACE.encode_ops_array(SPACE.all_ops_array(), kind))
    for i in range(0, 15_625, 611):
        assert np.array_equal(many[i], SPACE.encode(everything[i], kind))
    if kind != "path":
        assert len(np.unique(many, axis=0)) == 15_625
    assert SPACE.encode_many([], kind).shape == (0, SPACE.encoding_length(kind))


def test_encoding_errors():
    cell = Cell201.from_string(BEST)
    with pytest.raises(UnknownNameError, match="onehot"):
        SPACE.encode(cell, "graph")
    with pytest.raises(OutOfSpaceError, match=r"\(n, 6\) integer array"):
        SPACE.encode_ops_array(np.zeros((3, 5), dtype=int))
    with pytest.raises(OutOfSpaceError, match="0..4"):
        SPACE.encode_ops_array(np.full((3, 6), 5))
    with pytest.raises(OutOfSpaceError, match="expected a Cell201"):
        SPACE.encode_many([cell, "x"])


def test_contract_suite():
    from nasbench_kit.testing import check_search_space

    assert "enumeration" in check_search_space(SPACE, seed=3, n_samples=40)


def test_from_indices_shares_one_instance_per_cell_and_still_checks_input():
    first = Cell201.from_indices([1, 1, 1, 1, 1, 1])
    assert Cell201.from_indices((1, 1, 1, 1, 1, 1)) is first
    assert Cell201.from_indices(np.array([1] * 6)) is first  # numpy ints resolve to the same cell
    assert Cell201.from_indices([1] * 6) == Cell201(("skip_connect",) * 6)
    with pytest.raises(OutOfSpaceError, match="6 ints in 0..4"):  # equal to (1, ...) as a key, still refused
        Cell201.from_indices([True] * 6)
    with pytest.raises(OutOfSpaceError, match="6 ints in 0..4"):
        Cell201.from_indices([1.0] * 6)
