"""Single-path weight sharing on the NAS-Bench-201 supernet: SPOS and RSPS.

Both train the supernet one uniformly sampled sub-network per minibatch (every cell the
same path), then search over sub-networks that inherit the trained weights, scoring each
by its accuracy on the architecture half of the training data:

* SPOS (Guo et al., ECCV 2020, "Single Path One-Shot"): the search is evolutionary; here
  the kit's own regularized evolution (:class:`~nasbench_kit.strategies.RegularizedEvolution`,
  driven by ask / tell) with ``candidates`` evaluations.
* RSPS (Li & Talwalkar, UAI 2019, "Random search and reproducibility for NAS"): the
  search is random: ``candidates`` sampled sub-networks, the best one wins.

During training the trajectory's derived cell is the best of a fixed probe set of
sub-networks (the same 10 every epoch, drawn from the seed), so a student can watch the
supernet's preference settle; the search after training gives the final answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..spaces.nb201 import Cell201
from .base import OneShotSearch
from .supernet201 import NUM_EDGES, NUM_OPS, Supernet201

__all__ = ["SPOS", "RSPS", "PROBES"]

#: sub-networks scored after every training epoch for the trajectory's derived cell
PROBES = 10


class _SinglePath(OneShotSearch):
    """Uniform single-path supernet training; the search after it is the subclass's."""

    def setup(self, torch: Any, num_classes: int) -> None:
        s = self.settings
        self.net = Supernet201(num_classes, C=s["C"], N=s["N"]).to(self.device)
        self.rng = np.random.default_rng(self.seed)
        probe_rng = np.random.default_rng([self.seed, 1])
        self.probes = [tuple(int(i) for i in probe_rng.integers(0, NUM_OPS, NUM_EDGES)) for _ in range(PROBES)]
        self.best_probe = self.probes[0]

    def distribution(self) -> np.ndarray:
        return np.full((NUM_EDGES, NUM_OPS), 1.0 / NUM_OPS)  # the uniform sampling of training

    def derive(self) -> Cell201:
        return Cell201.from_indices(self.best_probe)

    def select_images(self, halves: Any, epoch: int) -> tuple[Any, Any]:
        """The first ``eval_images`` of the architecture half (of ``epoch``'s rendering)."""
        _, (xs, ys) = halves.rendering(epoch)
        n = self.settings["eval_images"]
        return xs[:n], ys[:n]

    def train_epoch(self, torch: Any, epoch: int, halves: Any) -> dict[str, float]:
        (x, y), _ = halves.rendering(epoch)
        losses = self.train_paths(torch, x, y, epoch, lambda: self.rng.integers(0, NUM_OPS, NUM_EDGES).tolist())
        sx, sy = self.select_images(halves, epoch)
        scores = [self.evaluate_path(torch, p, sx, sy) for p in self.probes]
        self.best_probe = self.probes[int(np.argmax(scores))]
        return {**losses, "select_acc": float(max(scores)), "probe_mean_acc": float(np.mean(scores))}

    def score(self, torch: Any, cell: Cell201, halves: Any) -> float:
        """Inherited-weight accuracy (%) of ``cell`` on the architecture half's evaluation images."""
        self.check_stop()
        sx, sy = self.select_images(halves, self.settings["epochs"] - 1)
        return self.evaluate_path(torch, cell.op_indices, sx, sy)


class RSPS(_SinglePath):
    """Random search with weight sharing; see the module docstring.

    Settings beyond the common ones: ``candidates`` (sub-networks sampled after training),
    ``eval_images`` (images of the architecture half each is scored on).
    """

    method = "rsps"

    def after_training(self, torch: Any, halves: Any) -> dict[str, Any]:
        rng = np.random.default_rng([self.seed, 2])
        cells = [self.space.sample(rng) for _ in range(self.settings["candidates"])]
        scores = [self.score(torch, cell, halves) for cell in cells]
        best = int(np.argmax(scores))
        return {"best": str(cells[best]), "best_inherited_acc": scores[best], "candidates_scored": len(cells)}


class SPOS(_SinglePath):
    """Single-path one-shot: uniform supernet training, then regularized evolution.

    Settings beyond the common ones: ``candidates`` (evaluations of the evolution),
    ``population_size`` and ``sample_size`` (of the evolution), ``eval_images``.
    """

    method = "spos"

    def after_training(self, torch: Any, halves: Any) -> dict[str, Any]:
        from ..strategies.base import Trial
        from ..strategies.evolution import RegularizedEvolution

        s = self.settings
        evolution = RegularizedEvolution(self.space, seed=self.seed, population_size=s["population_size"],
                                         sample_size=s["sample_size"])
        best_cell, best_score = None, -np.inf
        for number in range(s["candidates"]):
            cell = evolution.ask()
            score = self.score(torch, cell, halves)
            evolution.tell(Trial(number=number, arch=cell, canonical=self.space.canonical(cell), epoch=1,
                                 feasible=True, objectives=(score,), costs={}, valid_curve=np.array([score]),
                                 curve_epochs=np.array([1])))
            if score > best_score:
                best_cell, best_score = cell, score
        return {"best": str(best_cell), "best_inherited_acc": float(best_score), "candidates_scored": s["candidates"]}
