"""The DARTS evaluation network for CIFAR (official ``cnn/model.py`` ``NetworkCIFAR``) of a genotype.

Stem Conv3x3(3 -> 3C, no bias) + BN; ``layers`` cells, the reduction cell at positions
``layers // 3`` and ``2 * layers // 3`` (doubling the channels and halving the
resolution), the normal cell elsewhere; global average pool; linear. Each cell
preprocesses its two inputs (the outputs of the previous two cells) to ``C`` channels
with ReLU-Conv1x1-BN (a :class:`~nasbench_kit.models._ops_darts.FactorizedReduce` for
the older input right after a reduction), applies the genotype's ops (stride 2 on the
ops reading the cell inputs in a reduction cell) and concatenates nodes 2..5 (``4C``
channels out). Optional: the official auxiliary head after cell ``2 * layers // 3``
and drop-path on every op that is not an identity.

Module names follow the official code (``stem``, ``cells.i.preprocess0``,
``cells.i._ops.k``, ``auxiliary_head``, ``classifier``) so official state dicts load;
unlike the official module, ``forward`` returns only the logits (the auxiliary logits,
when computed, are left on ``network.logits_aux``).

>>> import torch
>>> from nasbench_kit.spaces.darts import DARTS_V2
>>> net = build_darts(DARTS_V2, num_classes=10, C=8, layers=5)
>>> net(torch.zeros(2, 3, 8, 8)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import OutOfSpaceError
from ..spaces.darts_genotype import CONCAT, NODES, DartsGenotype
from ._ops_darts import FactorizedReduce, ReLUConvBN, drop_path, make_darts_op

__all__ = ["DartsCell", "AuxiliaryHeadCIFAR", "DartsNetworkCIFAR", "build_darts"]


class DartsCell(nn.Module):
    """One evaluation cell: ``(s0, s1) -> (B, 4C, H', W')`` (``H' = H / 2`` in a reduction cell).

    Args:
        genotype: its ``normal`` or ``reduce`` pairs are used (``reduction``).
        c_prev_prev, c_prev: channels of the inputs ``s0`` (two cells back) and ``s1``.
        C: channels of every node.
        reduction: a reduction cell (stride 2 on the ops reading nodes 0 and 1).
        reduction_prev: the previous cell reduced, so ``s0`` has twice ``s1``'s resolution.
    """

    def __init__(self, genotype: DartsGenotype, c_prev_prev: int, c_prev: int, C: int, reduction: bool,
                 reduction_prev: bool):
        super().__init__()
        self.reduction = reduction
        if reduction_prev:
            self.preprocess0: nn.Module = FactorizedReduce(c_prev_prev, C)
        else:
            self.preprocess0 = ReLUConvBN(c_prev_prev, C, 1, 1, 0)
        self.preprocess1 = ReLUConvBN(c_prev, C, 1, 1, 0)
        pairs = genotype.reduce if reduction else genotype.normal
        self._indices = tuple(source for _, source in pairs)
        self._ops = nn.ModuleList(
            make_darts_op(op, C, 2 if reduction and source < NODES[0] else 1, affine=True) for op, source in pairs
        )
        self.multiplier = len(CONCAT)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, drop_prob: float = 0.0) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for k in range(0, len(self._ops), 2):  # node k // 2 + 2 sums pairs k and k + 1
            terms = []
            for op, source in ((self._ops[k], self._indices[k]), (self._ops[k + 1], self._indices[k + 1])):
                out = op(states[source])
                if self.training and drop_prob > 0.0 and not isinstance(op, nn.Identity):
                    out = drop_path(out, drop_prob)
                terms.append(out)
            states.append(terms[0] + terms[1])
        return torch.cat([states[i] for i in CONCAT], dim=1)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction}"


class AuxiliaryHeadCIFAR(nn.Module):
    """The official auxiliary classifier for an 8x8 feature map (32x32 CIFAR images).

    ReLU, AvgPool 5x5 stride 3 (-> 2x2), Conv1x1 -> 128 + BN + ReLU, Conv2x2 -> 768 + BN +
    ReLU, linear. ``(B, C, 8, 8) -> (B, num_classes)``.
    """

    def __init__(self, C: int, num_classes: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=True),
            nn.AvgPool2d(5, stride=3, padding=0, count_include_pad=False),
            nn.Conv2d(C, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


class DartsNetworkCIFAR(nn.Module):
    """The evaluation network around a :class:`DartsGenotype` (see the module docstring).

    Input ``(B, 3, H, W)`` with ``H`` and ``W`` divisible by ``2 ** len(reductions)`` (4
    from 3 layers on); output logits ``(B, num_classes)``. In training mode with an
    auxiliary head, ``forward`` also sets ``logits_aux`` (else ``None``); the official
    recipe adds ``0.4 * cross_entropy(logits_aux, y)`` to the loss. ``drop_path_prob`` is a
    plain attribute, which the official recipe raises linearly over the epochs.
    """

    def __init__(self, genotype: DartsGenotype, num_classes: int = 10, *, C: int = 36, layers: int = 20,
                 auxiliary: bool = False, drop_path_prob: float = 0.0):
        super().__init__()
        self.genotype = genotype
        self.drop_path_prob = drop_path_prob
        #: Positions of the reduction cells (one position when ``layers < 3`` makes them coincide).
        self.reductions = tuple(sorted({layers // 3, 2 * layers // 3}))
        self._auxiliary_at = 2 * layers // 3
        c_curr = 3 * C  # stem multiplier 3
        self.stem = nn.Sequential(nn.Conv2d(3, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr))
        c_prev_prev, c_prev, c_curr = c_curr, c_curr, C
        self.cells = nn.ModuleList()
        reduction_prev = False
        c_auxiliary = c_prev
        for i in range(layers):
            reduction = i in self.reductions
            if reduction:
                c_curr *= 2
            cell = DartsCell(genotype, c_prev_prev, c_prev, c_curr, reduction, reduction_prev)
            self.cells.append(cell)
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, cell.multiplier * c_curr
            if i == self._auxiliary_at:
                c_auxiliary = c_prev
        self.auxiliary_head = AuxiliaryHeadCIFAR(c_auxiliary, num_classes) if auxiliary else None
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)
        self.logits_aux: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        factor = 2 ** len(self.reductions)
        if x.dim() != 4 or x.shape[1] != 3 or x.shape[2] % factor or x.shape[3] % factor:
            raise OutOfSpaceError(
                f"DARTS network input must be (batch, 3, H, W) with H and W divisible by {factor} "
                f"({len(self.reductions)} stride-2 reductions), got shape {tuple(x.shape)}"
            )
        self.logits_aux = None
        s0 = s1 = self.stem(x)  # (B, 3C, H, W)
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.drop_path_prob)
            if i == self._auxiliary_at and self.auxiliary_head is not None and self.training:
                if tuple(s1.shape[2:]) != (8, 8):
                    raise OutOfSpaceError(
                        f"the auxiliary head reads an 8x8 feature map (32x32 images), got {tuple(s1.shape[2:])} "
                        f"from input {tuple(x.shape)}; build without auxiliary=True for other sizes"
                    )
                self.logits_aux = self.auxiliary_head(s1)
        out = self.global_pooling(s1).flatten(1)  # (B, 16C) after two reductions
        return self.classifier(out)  # (B, num_classes)


def build_darts(genotype: DartsGenotype, num_classes: int = 10, *, C: int = 36, layers: int = 20,
                auxiliary: bool = False, drop_path_prob: float = 0.0) -> DartsNetworkCIFAR:
    """Build the official DARTS CIFAR evaluation network for ``genotype``.

    Args:
        genotype: the normal and reduction cells.
        num_classes: classifier outputs.
        C: initial channels (36 in the paper's CIFAR-10 network).
        layers: number of cells (20 in the paper).
        auxiliary: add the auxiliary head (its parameters are not counted in the paper).
        drop_path_prob: drop-path probability during training (0.2 in the paper's recipe).

    Returns:
        A :class:`DartsNetworkCIFAR` with default PyTorch initialisation, in training mode.
        For ``DARTS_V2`` at the default size without auxiliary head it has 3,349,342
        trainable parameters, the official count (3.3M in the paper's Table 1).

    Raises:
        OutOfSpaceError: if ``genotype`` is not a ``DartsGenotype`` or a size is out of range.

    Example:
        >>> from nasbench_kit.models import count_params
        >>> from nasbench_kit.spaces.darts import DARTS_V2
        >>> count_params(build_darts(DARTS_V2))
        3349342
    """
    if not isinstance(genotype, DartsGenotype):
        raise OutOfSpaceError(f"expected a DartsGenotype, got {type(genotype).__name__} {genotype!r:.120}; "
                              f"parse genotype strings with DartsSpace().parse")
    for name, value in (("num_classes", num_classes), ("C", C), ("layers", layers)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise OutOfSpaceError(f"{name} must be a positive int, got {value!r}")
    if not isinstance(auxiliary, bool):
        raise OutOfSpaceError(f"auxiliary must be True or False, got {auxiliary!r}")
    if isinstance(drop_path_prob, bool) or not isinstance(drop_path_prob, (int, float)) or not 0 <= drop_path_prob < 1:
        raise OutOfSpaceError(f"drop_path_prob must be a number in [0, 1), got {drop_path_prob!r}")
    return DartsNetworkCIFAR(genotype, num_classes, C=C, layers=layers, auxiliary=auxiliary,
                             drop_path_prob=float(drop_path_prob))
