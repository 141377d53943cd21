"""The DARTS-space search network and its derivation (the methods on it are not built yet)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from nasbench_kit.errors import NasKitError  # noqa: E402
from nasbench_kit.oneshot.supernet_darts import NUM_CELL_EDGES, DartsSupernet, derive_genotype  # noqa: E402
from nasbench_kit.spaces.darts import DartsSpace  # noqa: E402
from nasbench_kit.spaces.darts_genotype import PRIMITIVES  # noqa: E402


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_chosen_op_per_edge_equals_one_hot_mixing():
    torch.manual_seed(0)
    net = DartsSupernet(C=4, layers=3)
    x = torch.randn(4, 3, 8, 8)
    index = [int(i) for i in torch.randint(0, len(PRIMITIVES), (NUM_CELL_EDGES,))]
    one_hot = torch.zeros(NUM_CELL_EDGES, len(PRIMITIVES)).scatter_(1, torch.tensor(index)[:, None], 1.0)
    mixed = net(x, normal=one_hot, reduce=one_hot)
    single = net(x, normal=one_hot, reduce=one_hot, normal_index=index, reduce_index=index)
    assert mixed.shape == (4, 10) and torch.allclose(mixed, single, atol=1e-5)


def test_the_derivation_keeps_two_strongest_inputs_and_never_none():
    weights = torch.zeros(NUM_CELL_EDGES, len(PRIMITIVES))
    weights[:, PRIMITIVES.index("none")] = 10.0  # 'none' strongest everywhere: never chosen
    weights[3, PRIMITIVES.index("sep_conv_5x5")] = 5.0  # node 3's edge from state 1
    weights[4, PRIMITIVES.index("dil_conv_3x3")] = 4.0  # node 3's edge from state 2
    genotype = derive_genotype(weights, weights)
    assert genotype.normal[2:4] == (("sep_conv_5x5", 1), ("dil_conv_3x3", 2))
    assert all(op != "none" for op, _ in genotype.normal + genotype.reduce)
    assert DartsSpace().validate(genotype) == genotype


def test_bad_shapes_are_clear_errors():
    net = DartsSupernet(C=4, layers=3)
    with pytest.raises(NasKitError, match="weights must have shape"):
        net(torch.zeros(2, 3, 8, 8), normal=torch.zeros(6, 5), reduce=torch.zeros(14, 8))
    with pytest.raises(NasKitError, match="even C"):
        DartsSupernet(C=3, layers=3)
