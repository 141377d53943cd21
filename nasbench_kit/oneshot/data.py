"""The data a one-shot search sees: the training split, cut in two halves by source digit.

DARTS's bilevel problem trains the network weights on one half of the training data and
the architecture on the other (Liu et al., ICLR 2019, Sec. 3.1: "we hold out half of the
CIFAR-10 training data as the validation set"); every one-shot method here uses the same
two halves, so the benchmark's validation and test splits stay unseen by the search. The
halves are disjoint in source digits (no rendering of a digit is in both), stratified by
class, and fixed by ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ArgumentError
from ..training.digits import DigitsSplits

__all__ = ["SearchHalves", "search_halves"]


@dataclass(frozen=True, eq=False)
class SearchHalves:
    """Weight-training and architecture-selection halves of the training split, as tensors.

    Attributes:
        train: per rendering, ``(x, y)`` of the weight half, ``x`` ``(n, 3, H, W)`` float32.
        select: per rendering, ``(x, y)`` of the architecture half.
        num_classes: classes of the data.
    """

    train: list[tuple]
    select: list[tuple]
    num_classes: int

    def rendering(self, epoch: int) -> tuple[tuple, tuple]:
        """The two halves of the rendering used in ``epoch`` (renderings cycle)."""
        r = epoch % len(self.train)
        return self.train[r], self.select[r]


def search_halves(data: DigitsSplits, *, seed: int = 0, max_images: int | None = None,
                  device: str = "cpu") -> SearchHalves:
    """Split ``data``'s training split into the weight and architecture halves.

    Args:
        data: the rendered digits (:func:`~nasbench_kit.training.make_cluttered_digits`).
        seed: seed of the split.
        max_images: keep at most this many source digits per half (small presets).
        device: torch device of the tensors.

    Raises:
        ArgumentError: ``max_images`` below 10 (one per class) or not an int.
    """
    import torch

    if max_images is not None and (isinstance(max_images, bool) or not isinstance(max_images, int)
                                   or max_images < 10):
        raise ArgumentError(f"max_images must be None or an int >= 10, got {max_images!r}")
    n = data.n_train_sources
    labels = data.train_y[:n]
    rng = np.random.default_rng(seed)
    first, second = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        first.append(members[: len(members) // 2])
        second.append(members[len(members) // 2:])
    halves = [np.sort(np.concatenate(part)) for part in (first, second)]
    if max_images is not None:
        halves = [np.sort(rng.permutation(h)[:max_images]) for h in halves]
    train, select = [], []
    for r in range(data.recipe.renders_train):
        x, y = data.train_rendering(r)
        for part, out in zip(halves, (train, select)):
            images = torch.from_numpy(x[part]).expand(-1, 3, -1, -1).contiguous().to(device)
            out.append((images, torch.from_numpy(y[part]).to(device)))
    return SearchHalves(train=train, select=select, num_classes=data.num_classes)
