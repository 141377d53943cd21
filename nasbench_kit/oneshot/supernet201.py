"""The NAS-Bench-201 supernet: every edge of the cell holds all five operations.

The skeleton is the benchmark network's (:class:`~nasbench_kit.models.nb201.NB201Network`:
stem, three stages of ``N`` cells with ``C``, ``2C``, ``4C`` channels, residual reduction
blocks, BN-ReLU, pooling, linear), so a cell derived from the supernet has a ground truth
in a table trained at the same ``C`` and ``N``. All cells share one choice per edge, as in
the NAS-Bench-201 paper's one-shot baselines. The convolutions' batch norms are not affine
and use batch statistics also at evaluation (``track_running_stats=False``), as there:
running statistics of a network whose paths change every step would describe none of them.

An edge is run in one of three ways (``Supernet201.forward``):

* ``weights`` of shape ``(6, 5)``: the weighted sum of all five ops (DARTS);
* ``path`` (six op indices) and ``hard`` weights ``(6, 5)``: only the chosen op is
  computed, scaled by its weight; the other weights enter as zero-valued terms, so their
  gradient still reaches the architecture parameters (GDAS's straight-through trick);
* ``path`` alone: the chosen op only (SPOS, RSPS, ENAS sub-networks).

>>> import torch
>>> net = Supernet201(num_classes=10, C=4, N=1)
>>> x = torch.zeros(2, 3, 8, 8)
>>> net(x, weights=torch.full((6, 5), 0.2)).shape, net(x, path=(3, 3, 1, 0, 2, 4)).shape
(torch.Size([2, 10]), torch.Size([2, 10]))
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..errors import ArgumentError, OutOfSpaceError
from ..models._ops201 import ResNetBasicblock, make_op, use_fast_avg_pool
from ..models.counts201 import check_network_size
from ..spaces.nb201 import EDGES, OPS

__all__ = ["MixedEdge", "SuperCell201", "Supernet201", "NUM_EDGES", "NUM_OPS"]

NUM_EDGES, NUM_OPS = len(EDGES), len(OPS)


class MixedEdge(nn.Module):
    """The five NAS-Bench-201 operations of one edge, in :data:`~nasbench_kit.spaces.nb201.OPS` order."""

    def __init__(self, channels: int):
        super().__init__()
        self.ops = nn.ModuleList(make_op(name, channels, affine=False, track_running_stats=False) for name in OPS)

    def forward(self, x: torch.Tensor, weights: torch.Tensor | None, index: int | None) -> torch.Tensor:
        if index is None:  # DARTS: every op, weighted
            return sum(w * op(x) for w, op in zip(weights, self.ops))
        out = self.ops[index](x)
        if weights is None:  # a plain sub-network
            return out
        # GDAS: weights are one-hot in value; the unchosen ones add 0 but keep their gradient
        rest = sum(weights[j] for j in range(NUM_OPS) if j != index)
        return out * weights[index] + rest


class SuperCell201(nn.Module):
    """One NAS-Bench-201 cell of mixed edges: node ``j`` sums its in-edges ``i -> j``."""

    def __init__(self, channels: int):
        super().__init__()
        self.edges = nn.ModuleList(MixedEdge(channels) for _ in EDGES)

    def forward(self, x: torch.Tensor, weights: torch.Tensor | None, path: Sequence[int] | None) -> torch.Tensor:
        nodes = [x]
        for target in (1, 2, 3):
            terms = [self.edges[k](nodes[source], None if weights is None else weights[k],
                                   None if path is None else path[k])
                     for k, (t, source) in enumerate(EDGES) if t == target]
            nodes.append(sum(terms[1:], terms[0]))
        return nodes[3]


class Supernet201(nn.Module):
    """The weight-sharing network of the NAS-Bench-201 space (see the module docstring).

    Args:
        num_classes: classifier outputs.
        C: channels of the first stage.
        N: cells per stage.

    Input ``(B, 3, H, W)`` with ``H``, ``W`` divisible by 4; output logits ``(B, num_classes)``.
    """

    def __init__(self, num_classes: int = 10, *, C: int = 8, N: int = 2):
        super().__init__()
        check_network_size(num_classes, C, N)
        self.C, self.N, self.num_classes = C, N, num_classes
        self.stem = nn.Sequential(nn.Conv2d(3, C, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(C))
        blocks: list[nn.Module] = []
        for stage, channels in enumerate((C, 2 * C, 4 * C)):
            if stage > 0:
                blocks.append(ResNetBasicblock(channels // 2, channels))
            blocks.extend(SuperCell201(channels) for _ in range(N))
        self.cells = nn.ModuleList(blocks)
        self.lastact = nn.Sequential(nn.BatchNorm2d(4 * C), nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(4 * C, num_classes)
        use_fast_avg_pool(self)

    def forward(self, x: torch.Tensor, *, weights: torch.Tensor | None = None,
                path: Sequence[int] | None = None) -> torch.Tensor:
        """Logits of the supernet for mixing ``weights`` (6 x 5) and / or a ``path`` (6 op indices)."""
        if weights is None and path is None:
            raise ArgumentError("Supernet201 needs weights (6 x 5, DARTS), a path (6 op indices), or both (GDAS)")
        if weights is not None and tuple(weights.shape) != (NUM_EDGES, NUM_OPS):
            raise ArgumentError(f"weights must have shape ({NUM_EDGES}, {NUM_OPS}), got {tuple(weights.shape)}")
        if path is not None:
            path = tuple(int(i) for i in path)
            if len(path) != NUM_EDGES or not all(0 <= i < NUM_OPS for i in path):
                raise OutOfSpaceError(f"path must be {NUM_EDGES} op indices in 0..{NUM_OPS - 1}, got {path}")
        if x.dim() != 4 or x.shape[1] != 3 or x.shape[2] % 4 or x.shape[3] % 4:
            raise OutOfSpaceError(f"supernet input must be (batch, 3, H, W) with H and W divisible by 4, "
                                  f"got shape {tuple(x.shape)}")
        feature = self.stem(x)
        for block in self.cells:
            feature = block(feature, weights, path) if isinstance(block, SuperCell201) else block(feature)
        return self.classifier(self.global_pooling(self.lastact(feature)).flatten(1))

    def weight_parameters(self) -> list[nn.Parameter]:
        """The shared network weights (what the weight optimizer updates)."""
        return list(self.parameters())
