"""ENAS on the NAS-Bench-201 supernet (Pham et al., ICML 2018, "Efficient NAS via
parameter sharing").

An LSTM controller chooses the op of each of the six edges in turn (each choice fed back
as the next input). Every epoch alternates two phases, as the paper's: the shared
weights train on the weight half, one controller-sampled sub-network per minibatch; then
the controller trains ``c_steps`` times by REINFORCE, its reward the sampled
sub-network's accuracy (a fraction) on ``c_batch`` images of the architecture half, minus
an exponential-moving-average baseline, with an entropy bonus. Logits pass through
``2.5 * tanh(logits / 5)`` (the paper's tanh constant and temperature), which keeps the
controller from collapsing early. The trajectory's distribution is the controller's
probabilities along its most likely sequence; the final cell is the best of
``candidates`` controller samples on the architecture half, as the paper derives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import OneShotSearch
from .supernet201 import NUM_EDGES, NUM_OPS, Supernet201

__all__ = ["ENAS", "Controller"]

_TANH_CONSTANT, _TEMPERATURE = 2.5, 5.0


def _controller_class():
    from torch import nn

    class Controller(nn.Module):
        """LSTM controller over the six edges (see the module docstring)."""

        def __init__(self, hidden: int):
            super().__init__()
            self.hidden = hidden
            self.embed = nn.Embedding(NUM_OPS + 1, hidden)  # the last index is the start token
            self.lstm = nn.LSTMCell(hidden, hidden)
            self.head = nn.Linear(hidden, NUM_OPS)

        def forward(self, greedy: bool = False) -> tuple[tuple[int, ...], Any, Any, Any]:
            """(path, summed log-probability, summed entropy, per-edge probabilities)."""
            import torch

            token = torch.tensor([NUM_OPS], device=self.head.weight.device)
            state = None
            path, log_probs, entropies, probs = [], [], [], []
            for _ in range(NUM_EDGES):
                state = self.lstm(self.embed(token), state)
                logits = _TANH_CONSTANT * torch.tanh(self.head(state[0]) / _TEMPERATURE)
                dist = torch.distributions.Categorical(logits=logits)
                choice = logits.argmax(-1) if greedy else dist.sample()
                path.append(int(choice))
                log_probs.append(dist.log_prob(choice))
                entropies.append(dist.entropy())
                probs.append(dist.probs)
                token = choice
            return tuple(path), torch.stack(log_probs).sum(), torch.stack(entropies).sum(), torch.cat(probs)

    return Controller


def __getattr__(name: str) -> Any:  # Controller needs torch; build the class on first use
    if name == "Controller":
        return _controller_class()
    raise AttributeError(name)


class ENAS(OneShotSearch):
    """ENAS with an LSTM controller trained by REINFORCE; see the module docstring.

    Settings beyond the common ones: ``c_lr`` (Adam), ``c_hidden`` (LSTM width),
    ``entropy_weight``, ``baseline_decay``, ``c_steps`` (controller updates per epoch),
    ``c_batch`` (images per reward), ``candidates`` (samples scored for the final cell).
    """

    method = "enas"

    def setup(self, torch: Any, num_classes: int) -> None:
        s = self.settings
        self.net = Supernet201(num_classes, C=s["C"], N=s["N"]).to(self.device)
        self.controller = _controller_class()(s["c_hidden"]).to(self.device)
        self.c_optimizer = torch.optim.Adam(self.controller.parameters(), lr=s["c_lr"])
        self.baseline = None

    def distribution(self) -> np.ndarray:
        import torch

        with torch.no_grad():
            *_, probs = self.controller(greedy=True)
        return probs.cpu().double().numpy()

    def train_epoch(self, torch: Any, epoch: int, halves: Any) -> dict[str, float]:
        s = self.settings
        (x, y), (xs, ys) = halves.rendering(epoch)

        def sampled() -> tuple[int, ...]:
            with torch.no_grad():
                return self.controller()[0]

        losses = self.train_paths(torch, x, y, epoch, sampled)
        rewards, entropies = [], []
        generator = torch.Generator().manual_seed(self.seed * 7 + epoch)
        for _ in range(s["c_steps"]):
            self.check_stop()
            path, log_prob, entropy, _ = self.controller()
            index = torch.randperm(len(ys), generator=generator)[: s["c_batch"]].to(ys.device)
            reward = self.evaluate_path(torch, path, xs[index], ys[index]) / 100.0
            decay = s["baseline_decay"]
            self.baseline = reward if self.baseline is None else decay * self.baseline + (1 - decay) * reward
            c_loss = -(reward - self.baseline) * log_prob - s["entropy_weight"] * entropy
            self.c_optimizer.zero_grad(set_to_none=True)
            c_loss.backward()
            self.c_optimizer.step()
            rewards.append(reward)
            entropies.append(float(entropy.detach()))
        return {**losses, "reward": 100.0 * float(np.mean(rewards)), "controller_entropy": float(np.mean(entropies))}

    def after_training(self, torch: Any, halves: Any) -> dict[str, Any]:
        from ..spaces.nb201 import Cell201

        _, (xs, ys) = halves.rendering(self.settings["epochs"] - 1)
        n = self.settings["eval_images"]
        best, best_score = None, -np.inf
        with torch.no_grad():
            for _ in range(self.settings["candidates"]):
                self.check_stop()
                path, *_ = self.controller()
                score = self.evaluate_path(torch, path, xs[:n], ys[:n])
                if score > best_score:
                    best, best_score = path, score
        return {"best": str(Cell201.from_indices(best)), "best_inherited_acc": float(best_score),
                "candidates_scored": self.settings["candidates"]}
