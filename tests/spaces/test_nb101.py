"""NAS-Bench-101 space: official hash, pruning, validity, variation, encodings, enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nasbench_kit.errors import OutOfSpaceError, UnknownNameError
from nasbench_kit.spaces import Cell101, NB101Space
from nasbench_kit.spaces import _graph
from nasbench_kit.spaces.nb101 import CONV1X1, CONV3X3, INPUT, MAXPOOL3X3, OPS, OUTPUT

SPACE = NB101Space()
I, O, C3, C1, MP = INPUT, OUTPUT, CONV3X3, CONV1X1, MAXPOOL3X3

# The two cells of REFERENCE.md, with their official hashes.
REF_A = Cell101(
    [[0, 1, 0, 1, 0, 0, 0], [0, 0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1],
     [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
    [I, C3, C1, C1, C3, C1, O],
)
REF_B = Cell101(
    [[0, 1, 1, 0, 0, 1, 1], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0],
     [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
    [I, MP, MP, C1, C1, C1, O],
)
HASH_A = "ff92c322c5d9d3d587d9c146a63d0807"
HASH_B = "ff93c77223eb3d2ae6cff01d50fe271e"
LABEL = {I: -1, O: -2, C3: 0, C1: 1, MP: 2}

seeds = st.integers(0, 2**32 - 1)
quick = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def random_order(cell: Cell101, rng: np.random.Generator) -> tuple[int, ...]:
    """A random topological order of the cell's vertices with input first and output last."""
    n = cell.num_vertices
    placed = [0]
    remaining = set(range(1, n - 1))
    while remaining:
        ready = sorted(v for v in remaining if all(u in placed for u in range(n) if cell.matrix[u][v]))
        pick = ready[int(rng.integers(len(ready)))]
        placed.append(pick)
        remaining.discard(pick)
    return (*placed, n - 1)


def relabel(cell: Cell101, order) -> Cell101:
    matrix, ops = _graph.permute(cell.matrix, cell.ops, order)
    return Cell101(matrix, ops)


def pruned_graph(cell: Cell101):
    matrix, ops = _graph.prune(cell.matrix, cell.ops)
    return matrix, tuple(LABEL[op] for op in ops)


def small_random_cell(rng: np.random.Generator) -> Cell101:
    """A valid cell with 2..5 vertices and only two ops, so that random pairs often collide."""
    while True:
        n = int(rng.integers(2, 6))
        matrix = np.triu(rng.integers(0, 2, size=(n, n)), k=1)
        ops = [I, *(rng.choice([C3, MP]) for _ in range(n - 2)), O]
        cell = Cell101(matrix, ops)
        try:
            return SPACE.validate(cell)
        except OutOfSpaceError:
            continue


# --- official hash ------------------------------------------------------------------------------
def test_reference_cells_have_the_official_hashes():
    assert SPACE.canonical(REF_A) == HASH_A
    assert SPACE.canonical(REF_B) == HASH_B
    # the graph helper on the already-pruned matrices gives the same strings
    assert _graph.hash_module(REF_A.matrix, [LABEL[op] for op in REF_A.ops]) == HASH_A


def test_hash_depends_on_labels_and_edges():
    swapped = Cell101(REF_A.matrix, [I, C1, C1, C1, C3, C1, O])
    assert SPACE.canonical(swapped) != HASH_A
    fewer = Cell101(_flip(REF_A.matrix, 0, 3), REF_A.ops)
    assert SPACE.canonical(fewer) != HASH_A


def _flip(matrix, i, j):
    rows = [list(r) for r in matrix]
    rows[i][j] ^= 1
    return rows


def test_hash_ignores_pruned_vertices():
    small = Cell101([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], [I, C3, MP, O])
    # vertex 3 is fed from the input but feeds nothing; vertex 4 feeds the output but has no input
    padded = Cell101(
        [[0, 1, 1, 1, 0, 0], [0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0],
         [0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0]],
        [I, C3, MP, C1, C1, O],
    )
    assert SPACE.prune(padded) == small
    assert SPACE.canonical(padded) == SPACE.canonical(small)


@quick
@given(seeds)
def test_hash_invariant_under_topological_relabelling(seed):
    rng = np.random.default_rng(seed)
    cell = SPACE.sample(rng)
    twin = relabel(cell, random_order(cell, rng))
    assert SPACE.validate(twin) == twin  # still upper-triangular, input first, output last
    assert SPACE.canonical(twin) == SPACE.canonical(cell)


@quick
@given(seeds)
def test_hash_equality_matches_brute_force_isomorphism(seed):
    rng = np.random.default_rng(seed)
    a = small_random_cell(rng)
    choice = seed % 3
    if choice == 0:
        b = small_random_cell(rng)
    elif choice == 1:
        b = relabel(a, random_order(a, rng))
    else:
        b = SPACE.mutate(a, rng)
    same_hash = SPACE.canonical(a) == SPACE.canonical(b)
    assert same_hash == _graph.is_isomorphic(pruned_graph(a), pruned_graph(b))


def test_hash_classes_equal_isomorphism_classes_up_to_five_vertices():
    # Every full DAG with <= 5 vertices and every labelling: the hash must split them exactly
    # as the exhaustive canonical form does (no collisions, no split classes).
    hash_to_form = {}
    forms = set()
    for matrix, preds, succs in _full_dags(5):
        for picks in itertools.product(range(3), repeat=len(matrix) - 2):
            labels = (-1, *picks, -2)
            key = _graph.hash_from_neighbours(preds, succs, labels)
            form = _graph.brute_force_form(matrix, labels)
            assert hash_to_form.setdefault(key, form) == form
            forms.add(form)
    assert len(hash_to_form) == len(forms) > 1000


def _full_dags(max_vertices):
    from nasbench_kit.spaces.nb101 import _full_dags as full_dags

    return full_dags(max_vertices)


def test_brute_force_isomorphism_reference():
    chain = ((0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1), (0, 0, 0, 0))
    fork = ((0, 1, 1, 0), (0, 0, 0, 1), (0, 0, 0, 1), (0, 0, 0, 0))
    assert not _graph.is_isomorphic((chain, (-1, 0, 2, -2)), (chain, (-1, 2, 0, -2)))
    assert _graph.is_isomorphic((fork, (-1, 0, 2, -2)), (fork, (-1, 2, 0, -2)))
    assert not _graph.is_isomorphic((chain, (-1, 0, 0, -2)), (fork, (-1, 0, 0, -2)))


# --- validity ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("matrix", "ops", "message"),
    [
        ([[0, 1, 0], [0, 0, 1]], [I, C3, O], "square"),
        ([[0, 1], [0, 0], [0, 0]], [I, C3, O], "square"),
        ([[0]], [I], "at least 2 vertices"),
        ([[0, 2], [0, 0]], [I, O], r"matrix\[0\]\[1\] = 2 is not 0 or 1"),
        ([[0, 1.0], [0, 0]], [I, O], "is not 0 or 1"),
        ([[0, 1], [1, 0]], [I, O], "below the diagonal"),
        ([[1, 1], [0, 0]], [I, O], "below the diagonal"),
        (np.triu(np.ones((8, 8), dtype=int), 1), [I] + [C3] * 6 + [O], "too many vertices: 8 > 7"),
        (np.triu(np.ones((7, 7), dtype=int), 1), [I] + [C3] * 5 + [O], "too many edges after pruning: 21 > 9"),
        ([[0, 1], [0, 0]], [I, C3, O], "ops has 3 entries but the matrix has 2"),
        ([[0, 1, 1], [0, 0, 1], [0, 0, 0]], [C3, C3, O], "ops\\[0\\] must be 'input'"),
        ([[0, 1, 1], [0, 0, 1], [0, 0, 0]], [I, C3, C3], "last op must be 'output'"),
        ([[0, 1, 1], [0, 0, 1], [0, 0, 0]], [I, "conv5x5", O], "'conv5x5' is not one of"),
        ([[0, 1, 1], [0, 0, 1], [0, 0, 0]], [I, I, O], "'input' is not one of"),
        ([[0, 1, 1], [0, 0, 1], [0, 0, 0]], [I, 3, O], "is not a string"),
        ([[0, 1, 0], [0, 0, 0], [0, 0, 0]], [I, C3, O], "no path from input to output"),
        ([[0, 0, 0], [0, 0, 1], [0, 0, 0]], [I, C3, O], "no path from input to output"),
    ],
)
def test_validate_names_the_broken_rule(matrix, ops, message):
    cell = Cell101(matrix, ops)
    with pytest.raises(OutOfSpaceError, match=message):
        SPACE.validate(cell)
    with pytest.raises(OutOfSpaceError):
        SPACE.canonical(cell)


def test_edge_limit_counts_pruned_edges_as_the_official_api():
    # 10 edges in the matrix, but the edge 3->4 between two dangling vertices is pruned: 9 remain.
    matrix = [[0, 1, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
              [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 0],
              [0, 0, 0, 0, 0, 0, 0]]
    matrix[0][6] = 1
    matrix[1][2] = matrix[2][3] = 1
    matrix[4][5] = 1
    cell = Cell101(matrix, [I, C3, C3, C3, C1, C1, O])
    assert sum(map(sum, cell.matrix)) == 10
    assert SPACE.validate(cell) == cell
    assert sum(map(sum, SPACE.prune(cell).matrix)) == 9
    matrix[1][3] = 1  # a 10th edge on a live path
    with pytest.raises(OutOfSpaceError, match="too many edges"):
        SPACE.validate(Cell101(matrix, cell.ops))


def test_numpy_and_list_inputs_become_equal_hashable_values():
    as_numpy = Cell101(np.array(REF_A.matrix), np.array(REF_A.ops))
    assert as_numpy == REF_A and hash(as_numpy) == hash(REF_A)
    assert isinstance(as_numpy.matrix[0][1], int) and isinstance(as_numpy.ops[0], str)
    with pytest.raises(Exception):  # frozen
        REF_A.ops = ()


entries = st.one_of(st.integers(-2, 3), st.booleans(), st.floats(allow_nan=True), st.none(), st.text(max_size=2))
op_names = st.one_of(st.sampled_from([I, O, *OPS]), st.text(max_size=12), st.integers(), st.none())
matrices = st.one_of(
    st.lists(st.lists(entries, max_size=8), max_size=9),
    st.lists(st.lists(st.integers(0, 1), min_size=7, max_size=7), min_size=7, max_size=7),
    st.integers(), st.none(), st.text(max_size=10),
    st.lists(st.one_of(st.integers(0, 1), st.lists(st.integers(0, 1))), max_size=7),
)
op_lists = st.one_of(st.lists(op_names, max_size=9), st.text(max_size=9), st.none(), st.integers())


def check_only_out_of_space(matrix, ops) -> bool:
    cell = Cell101(matrix, ops)  # construction never fails
    try:
        assert SPACE.validate(cell) is cell
    except OutOfSpaceError:
        return False
    assert len(SPACE.canonical(cell)) == 32  # accepted cells hash
    return True


@settings(max_examples=400, deadline=None)
@given(matrices, op_lists)
def test_fuzz_only_out_of_space_errors(matrix, ops):
    check_only_out_of_space(matrix, ops)


def test_fuzz_thousands_of_random_matrices():
    rng = np.random.default_rng(0)
    values = [0, 1, 1, 1, 2, -1, 0.5, True, None, "1", np.int8(1), np.float32(1.0)]
    names = [I, O, *OPS, *OPS, "conv5x5", "", None, 7]
    accepted = 0
    for _ in range(5000):
        n = int(rng.integers(0, 9))
        rows = [[values[k] if rng.random() < 0.1 else int(rng.integers(0, 2)) * (c > r)
                 for c, k in enumerate(rng.integers(0, len(values), size=n + int(rng.random() < 0.05)))]
                for r in range(n)]
        ops = [I, *(names[k] for k in rng.integers(0, len(names), size=max(n - 2, 0))), O]
        if rng.random() < 0.05:
            ops = ops[:-1]
        matrix = np.array(rows, dtype=object) if rng.random() < 0.1 else rows
        accepted += check_only_out_of_space(matrix, ops)
    assert accepted > 100  # the generator also produces members, so acceptance is exercised


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="01|,inputoconv3x1-bnrelumaxpl ", max_size=60))
def test_fuzz_parse_only_out_of_space_errors(text):
    try:
        cell = SPACE.parse(text)
    except OutOfSpaceError:
        return
    assert SPACE.parse(str(cell)) == cell


@pytest.mark.parametrize("junk", [None, 42, "not a cell", (1, 2), REF_A.matrix])
def test_validate_rejects_non_cells(junk):
    with pytest.raises(OutOfSpaceError, match="expected a Cell101"):
        SPACE.validate(junk)


# --- strings -------------------------------------------------------------------------------------
def test_string_is_the_official_record_format():
    text = str(REF_B)
    digits, ops = text.split("|")
    assert digits == "".join(str(x) for row in REF_B.matrix for x in row) and len(digits) == 49
    assert ops.split(",") == list(REF_B.ops)
    assert SPACE.parse(text) == REF_B == Cell101.from_string(f" {text}\n")
    assert "Cell101(matrix=((0, 1, 1" in repr(REF_B) and "'maxpool3x3'" in repr(REF_B)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0100", "exactly one '|'"),
        ("01|00|input", "exactly one '|'"),
        ("0120|input,output", "0/1 digits"),
        ("010|input,output", "not V\\*V"),
        ("0100|input,conv3x3-bn-relu,output", "2 vertices but 3 ops"),
        ("0000|input,output", "no path"),
        ("0100|input,outptu", "must be 'output'"),
    ],
)
def test_parse_errors_say_what_is_wrong(text, message):
    with pytest.raises(OutOfSpaceError, match=message):
        SPACE.parse(text)


# --- variation -----------------------------------------------------------------------------------
def test_contract():
    from nasbench_kit.testing import check_search_space

    assert "enumeration" in check_search_space(SPACE, n_samples=30)


@quick
@given(seeds)
def test_sample_is_valid_reproducible_and_unpruned(seed):
    cell = SPACE.sample(np.random.default_rng(seed))
    assert cell.num_vertices == 7 and SPACE.validate(cell) == cell
    assert SPACE.sample(np.random.default_rng(seed)) == cell


def test_samples_cover_many_functions():
    rng = np.random.default_rng(0)
    hashes = {SPACE.canonical(SPACE.sample(rng)) for _ in range(300)}
    # The official sampler often prunes to small graphs, so repeats are expected.
    assert len(hashes) > 100


@quick
@given(seeds)
def test_mutate_is_valid_and_changes_the_function(seed):
    rng = np.random.default_rng(seed)
    parent = SPACE.sample(rng)
    child = SPACE.mutate(parent, rng)
    assert SPACE.validate(child) == child
    assert SPACE.canonical(child) != SPACE.canonical(parent)


def test_mutate_makes_small_edits_on_average():
    rng = np.random.default_rng(1)
    edits = []
    for _ in range(200):
        parent = SPACE.sample(rng)
        child = SPACE.mutate(parent, rng)
        edits.append(sum(a != b for ra, rb in zip(parent.matrix, child.matrix) for a, b in zip(ra, rb))
                     + sum(a != b for a, b in zip(parent.ops, child.ops)))
    # expected ~3 edge flips (21 * 1/7) + ~1 op change, conditioned on a valid, different child
    assert 1 <= np.mean(edits) <= 7
    high = NB101Space(mutation_rate=3.0)
    rng = np.random.default_rng(1)
    more = [sum(a != b for ra, rb in zip(p.matrix, c.matrix) for a, b in zip(ra, rb))
            for p in (SPACE.sample(rng) for _ in range(100)) for c in [high.mutate(p, rng)]]
    assert np.mean(more) > np.mean(edits)


def test_mutate_grows_the_smallest_cell():
    tiny = SPACE.parse("0100|input,output")
    child = SPACE.mutate(tiny, np.random.default_rng(0))
    assert child.num_vertices == 7 and SPACE.canonical(child) != SPACE.canonical(tiny)


@quick
@given(seeds)
def test_neighbors_are_valid_distinct_single_edits(seed):
    cell = SPACE.sample(np.random.default_rng(seed))
    found = SPACE.neighbors(cell)
    hashes = [SPACE.canonical(c) for c in found]
    assert len(set(hashes)) == len(hashes) and SPACE.canonical(cell) not in hashes
    for other in found:
        assert SPACE.validate(other) == other
        edits = sum(a != b for ra, rb in zip(cell.matrix, other.matrix) for a, b in zip(ra, rb))
        edits += sum(a != b for a, b in zip(cell.ops, other.ops))
        assert edits == 1
    assert found == SPACE.neighbors(cell)


def test_neighbors_of_a_chain_are_exhaustive():
    chain = Cell101([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [I, MP, O])
    found = {str(c) for c in SPACE.neighbors(chain)}
    # flips: 0->1 off (no path), 0->2 on (valid), 1->2 off (no path); ops: conv3x3, conv1x1
    assert found == {"011001000|input,maxpool3x3,output", "010001000|input,conv3x3-bn-relu,output",
                     "010001000|input,conv1x1-bn-relu,output"}


@quick
@given(seeds)
def test_crossover_is_valid_and_mixes_parents(seed):
    rng = np.random.default_rng(seed)
    a, b = SPACE.sample(rng), SPACE.sample(rng)
    child = SPACE.crossover(a, b, rng)
    assert SPACE.validate(child) == child
    for r in range(7):
        for c in range(7):
            assert child.matrix[r][c] in (a.matrix[r][c], b.matrix[r][c])
    assert all(op in (x, y) for op, x, y in zip(child.ops, a.ops, b.ops))
    assert SPACE.crossover(a, a, rng) == a


def test_bad_mutation_rate_is_rejected():
    with pytest.raises(OutOfSpaceError, match="mutation_rate"):
        NB101Space(mutation_rate=0)


# --- encodings -----------------------------------------------------------------------------------
def test_encoding_lengths():
    assert SPACE.encoding_length("onehot") == 36
    assert SPACE.encoding_length("adjacency") == 36
    assert SPACE.encoding_length("path") == sum(3**i for i in range(6)) == 364
    with pytest.raises(UnknownNameError):
        SPACE.encode(REF_A, "gcn")


def test_onehot_and_adjacency_encodings_by_hand():
    upper = [REF_B.matrix[i][j] for i in range(7) for j in range(i + 1, 7)]
    onehot = SPACE.encode(REF_B, "onehot")
    assert onehot[:21].tolist() == upper
    # OPS order (conv3x3, conv1x1, maxpool): MP, MP, C1, C1, C1
    assert onehot[21:].reshape(5, 3).tolist() == [[0, 0, 1], [0, 0, 1], [0, 1, 0], [0, 1, 0], [0, 1, 0]]
    naslib = SPACE.encode(REF_B, "adjacency")
    assert naslib[:21].tolist() == upper
    # NASLib order (maxpool, conv3x3, conv1x1)
    assert naslib[21:].reshape(5, 3).tolist() == [[1, 0, 0], [1, 0, 0], [0, 0, 1], [0, 0, 1], [0, 0, 1]]


def test_small_cells_are_padded_before_the_output():
    cell = Cell101([[0, 1, 1], [0, 0, 1], [0, 0, 0]], [I, C1, O])
    vec = SPACE.encode(cell, "onehot")
    expected = np.zeros((7, 7))
    expected[0, 1] = expected[0, 6] = expected[1, 6] = 1
    assert vec[:21].tolist() == expected[np.triu_indices(7, 1)].tolist()
    assert vec[21:24].tolist() == [0, 1, 0] and not vec[24:].any()


def test_path_encoding_by_hand():
    # REF_A paths (op sequences after the input): C1 | C3,C1 | C3,C3,C1 | C3,C1,C1
    # index = sum_i 3^i * (op_i + 1) with conv3x3=0, conv1x1=1, maxpool=2
    expected = {2, 1 + 3 * 2, 1 + 3 * 1 + 9 * 2, 1 + 3 * 2 + 9 * 2}
    vec = SPACE.encode(REF_A, "path")
    assert set(np.flatnonzero(vec).tolist()) == expected
    skip = SPACE.parse("011001000|input,maxpool3x3,output")
    assert set(np.flatnonzero(SPACE.encode(skip, "path")).tolist()) == {0, 3}


@quick
@given(seeds)
def test_path_encoding_is_invariant_and_fixed_length(seed):
    rng = np.random.default_rng(seed)
    cell = SPACE.sample(rng)
    twin = relabel(cell, random_order(cell, rng))
    assert np.array_equal(SPACE.encode(cell, "path"), SPACE.encode(twin, "path"))
    assert np.array_equal(SPACE.encode(cell, "path"), SPACE.encode(SPACE.prune(cell), "path"))
    for kind in ("onehot", "adjacency", "path"):
        vec = SPACE.encode(cell, kind)
        assert vec.shape == (SPACE.encoding_length(kind),) and set(np.unique(vec)) <= {0.0, 1.0}


# --- enumeration ---------------------------------------------------------------------------------
def test_size_is_the_published_unique_count():
    assert SPACE.is_finite and len(SPACE) == 423_624


def test_iteration_yields_one_pruned_cell_per_class():
    # Every cell with <= 5 vertices comes first (official order); their number must equal the
    # number of isomorphism classes found by brute force.
    classes = set()
    for matrix, _, _ in _full_dags(5):
        for picks in itertools.product(range(3), repeat=len(matrix) - 2):
            classes.add(_graph.brute_force_form(matrix, (-1, *picks, -2)))
    small = []
    for cell in SPACE:
        if cell.num_vertices > 5:
            break
        small.append(cell)
    assert small[0] == SPACE.parse("0100|input,output")
    assert len(small) == len(classes)
    assert len({SPACE.canonical(c) for c in small}) == len(small)
    assert all(SPACE.prune(c) == c for c in small[:: 50])
