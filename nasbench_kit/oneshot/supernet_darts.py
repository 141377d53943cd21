"""The DARTS search network (official ``model_search.py``): every edge of a cell holds the
eight ``PRIMITIVES``; normal and reduction cells have their own architecture weights.

A cell has two inputs (the previous two cells, preprocessed to ``C`` channels) and four
nodes; node ``i`` sums one mixed edge from each earlier state, so a cell has 14 edges.
Reduction cells (at a third and two thirds of the depth) double the channels and halve
the resolution; their edges from the inputs have stride 2. The output is the concatenation
of the four nodes. Batch norms are not affine, as in the official search network.

Each edge runs its ``(8,)`` weights as a weighted sum (DARTS) or, with an op ``index``,
the chosen op only, scaled by its weight with the others as zero-valued terms (GDAS).

>>> import torch
>>> net = DartsSupernet(num_classes=10, C=4, layers=3)
>>> w = torch.full((14, 8), 1 / 8)
>>> net(torch.zeros(2, 3, 8, 8), normal=w, reduce=w).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ArgumentError, OutOfSpaceError
from ..models._ops_darts import FactorizedReduce, ReLUConvBN, search_candidates
from ..spaces.darts_genotype import NODES, OPS, PRIMITIVES, DartsGenotype

__all__ = ["DartsSupernet", "NUM_CELL_EDGES", "derive_genotype"]

#: mixed edges of one cell: node i (0..3) reads the 2 + i states before it
NUM_CELL_EDGES = sum(2 + i for i in range(len(NODES)))


def _mixed(ops: nn.ModuleList, x: torch.Tensor, weights: torch.Tensor, index: int | None) -> torch.Tensor:
    if index is None:
        return sum(w * op(x) for w, op in zip(weights, ops))
    rest = sum(weights[j] for j in range(len(ops)) if j != index)
    return ops[index](x) * weights[index] + rest


class DartsSearchCell(nn.Module):
    """One search cell: ``(s0, s1, weights (14, 8)) -> (B, 4C, H', W')``."""

    def __init__(self, c_prev_prev: int, c_prev: int, C: int, reduction: bool, reduction_prev: bool):
        super().__init__()
        self.reduction = reduction
        self.preprocess0 = (FactorizedReduce(c_prev_prev, C, affine=False) if reduction_prev
                            else ReLUConvBN(c_prev_prev, C, 1, 1, 0, affine=False))
        self.preprocess1 = ReLUConvBN(c_prev, C, 1, 1, 0, affine=False)
        self.edges = nn.ModuleList(search_candidates(C, 2 if reduction and source < 2 else 1)
                                   for node in range(len(NODES)) for source in range(2 + node))

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, weights: torch.Tensor,
                indices: list[int] | None) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        edge = 0
        for _ in NODES:
            terms = []
            for state in list(states):
                terms.append(_mixed(self.edges[edge], state, weights[edge], None if indices is None else indices[edge]))
                edge += 1
            states.append(sum(terms[1:], terms[0]))
        return torch.cat(states[2:], dim=1)


class DartsSupernet(nn.Module):
    """The DARTS search network at any size (official: ``C=16``, ``layers=8``).

    Args:
        num_classes: classifier outputs.
        C: channels of the first cells' nodes.
        layers: cells; reduction cells at ``layers // 3`` and ``2 * layers // 3``.
    """

    def __init__(self, num_classes: int = 10, *, C: int = 4, layers: int = 5, stem_multiplier: int = 3):
        super().__init__()
        if layers < 3 or C < 2 or C % 2:
            raise ArgumentError(f"the DARTS search network needs layers >= 3 and an even C >= 2, got C={C}, "
                                f"layers={layers}")
        c_cur = stem_multiplier * C
        self.stem = nn.Sequential(nn.Conv2d(3, c_cur, 3, padding=1, bias=False), nn.BatchNorm2d(c_cur))
        c_prev_prev, c_prev, c_cur = c_cur, c_cur, C
        self.cells = nn.ModuleList()
        reduction_prev = False
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            if reduction:
                c_cur *= 2
            self.cells.append(DartsSearchCell(c_prev_prev, c_prev, c_cur, reduction, reduction_prev))
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, len(NODES) * c_cur
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def forward(self, x: torch.Tensor, *, normal: torch.Tensor, reduce: torch.Tensor,
                normal_index: list[int] | None = None, reduce_index: list[int] | None = None) -> torch.Tensor:
        """Logits for the cells' edge weights ``(14, 8)`` (and, for GDAS, chosen op indices)."""
        for name, w in (("normal", normal), ("reduce", reduce)):
            if tuple(w.shape) != (NUM_CELL_EDGES, len(PRIMITIVES)):
                raise ArgumentError(f"{name} weights must have shape ({NUM_CELL_EDGES}, {len(PRIMITIVES)}), "
                                    f"got {tuple(w.shape)}")
        if x.dim() != 4 or x.shape[1] != 3 or x.shape[2] % 4 or x.shape[3] % 4:
            raise OutOfSpaceError(f"input must be (batch, 3, H, W) with H and W divisible by 4, got {tuple(x.shape)}")
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            weights, index = (reduce, reduce_index) if cell.reduction else (normal, normal_index)
            s0, s1 = s1, cell(s0, s1, weights, index)
        return self.classifier(self.global_pooling(s1).flatten(1))


def derive_genotype(normal: torch.Tensor | list, reduce: torch.Tensor | list) -> DartsGenotype:
    """The genotype of edge weights ``(14, 8)`` per cell, as the DARTS paper derives it: each
    node keeps its two inputs of strongest non-``none`` weight, each with its strongest
    non-``none`` op.

    Example:
        >>> import torch
        >>> w = torch.zeros(14, 8)
        >>> w[0, 4], w[1, 5] = 1.0, 2.0          # node 2: sep_conv_3x3 from 0, sep_conv_5x5 from 1
        >>> derive_genotype(w, w).normal[:2]
        (('sep_conv_3x3', 0), ('sep_conv_5x5', 1))
    """
    none = PRIMITIVES.index("none")

    def cell(weights) -> list[tuple[str, int]]:
        w = torch.as_tensor(weights, dtype=torch.float64).clone()
        w[:, none] = -1.0
        pairs, start = [], 0
        for node in range(len(NODES)):
            rows = w[start:start + 2 + node]
            strongest = rows.max(dim=1).values
            chosen = sorted(sorted(range(2 + node), key=lambda j: (-float(strongest[j]), j))[:2])
            pairs += [(PRIMITIVES[int(rows[j].argmax())], j) for j in chosen]
            start += 2 + node
        return pairs

    genotype = DartsGenotype(normal=cell(normal), reduce=cell(reduce))
    assert all(op in OPS for op, _ in genotype.normal + genotype.reduce)
    return genotype
