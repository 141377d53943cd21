"""Gradient-based NAS on the NAS-Bench-201 supernet: DARTS and GDAS.

Both learn architecture parameters ``alpha`` (6 edges x 5 ops, shared by every cell) by
gradient descent on the architecture half of the training data, alternating with SGD
steps of the network weights on the weight half; the derived cell takes the op of
largest ``alpha`` on every edge (``none`` included, as the NAS-Bench-201 paper derives).

* DARTS (Liu et al., ICLR 2019): every edge computes the softmax(alpha)-weighted sum of
  its five ops. First order treats the weights as fixed when updating alpha; second
  order differentiates through one virtual SGD step ``w' = w - xi * grad_w L_train``, with
  the Hessian-vector product taken by central finite differences (the paper's Eq. 8).
  The virtual step here is plain gradient descent with weight decay (no momentum term),
  ``xi`` the current weight learning rate unless ``unroll_lr`` is set.
* GDAS (Dong & Yang, CVPR 2019): every edge samples one op from the Gumbel-softmax of
  alpha at temperature ``tau`` (annealed linearly from ``tau_max`` to ``tau_min``) and
  computes only that op; the hard one-hot sample passes gradients to alpha through the
  soft sample (straight-through).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import OneShotSearch
from .supernet201 import NUM_EDGES, NUM_OPS, Supernet201

__all__ = ["DARTS", "GDAS"]


class _AlphaSearch(OneShotSearch):
    """Shared by DARTS and GDAS: alpha, its Adam optimiser, the alternating epoch."""

    def setup(self, torch: Any, num_classes: int) -> None:
        s = self.settings
        self.net = Supernet201(num_classes, C=s["C"], N=s["N"]).to(self.device)
        self.alpha = torch.nn.Parameter(1e-3 * torch.randn(NUM_EDGES, NUM_OPS, device=self.device))
        self.a_optimizer = torch.optim.Adam([self.alpha], lr=s["a_lr"], betas=(s["a_beta1"], s["a_beta2"]),
                                            weight_decay=s["a_wd"])
        self.steps_per_epoch = 0  # set by the first epoch

    def distribution(self) -> np.ndarray:
        return self.alpha.detach().softmax(dim=-1).cpu().double().numpy()

    def train_epoch(self, torch: Any, epoch: int, halves: Any) -> dict[str, float]:
        (x, y), (xs, ys) = halves.rendering(epoch)
        if not self.steps_per_epoch:
            self.steps_per_epoch = -(-len(y) // self.settings["batch_size"])
            self.w_optimizer, self.w_schedule = self.weight_optimizer(torch, self.steps_per_epoch *
                                                                      self.settings["epochs"])
        self.begin_epoch(epoch)
        sums = np.zeros(4)
        count = 0
        select = self.batches(torch, xs, ys, epoch, salt=1)
        for bx, by in self.batches(torch, x, y, epoch):
            sx, sy = next(select, (None, None))
            if sx is None:  # the halves differ by at most one batch: start the other half again
                select = self.batches(torch, xs, ys, epoch, salt=2)
                sx, sy = next(select)
            a_loss, a_correct = self.alpha_step(torch, bx, by, sx, sy)
            logits = self.forward(torch, bx)
            loss = torch.nn.functional.cross_entropy(logits, by)
            self.weight_step(torch, loss)
            sums += (float(loss.detach()) * len(by), int((logits.detach().argmax(1) == by).sum()),
                     a_loss * len(sy), a_correct)
            count += len(by)
        return {"train_loss": sums[0] / count, "train_acc": 100.0 * sums[1] / count,
                "select_loss": sums[2] / count, "select_acc": 100.0 * sums[3] / count}

    def begin_epoch(self, epoch: int) -> None:
        """Per-epoch state (GDAS's temperature)."""

    def forward(self, torch: Any, x: Any) -> Any:
        raise NotImplementedError

    def alpha_step(self, torch: Any, bx: Any, by: Any, sx: Any, sy: Any) -> tuple[float, int]:
        """One Adam step of alpha on the architecture batch; (its loss, correct count)."""
        self.a_optimizer.zero_grad(set_to_none=True)
        logits = self.forward(torch, sx)
        loss = torch.nn.functional.cross_entropy(logits, sy)
        loss.backward()
        self.net.zero_grad(set_to_none=True)  # the weight step computes its own gradients
        self.a_optimizer.step()
        return float(loss.detach()), int((logits.detach().argmax(1) == sy).sum())


class DARTS(_AlphaSearch):
    """Differentiable architecture search (first or second order); see the module docstring.

    Settings beyond the common ones: ``order`` (1 or 2), ``unroll_lr`` (the virtual step's
    learning rate for order 2; default the current weight learning rate), ``a_lr``,
    ``a_wd``, ``a_beta1``, ``a_beta2``.

    Example:
        >>> search = DARTS(preset="tiny", seed=0, epochs=1)   # doctest: +SKIP
        >>> result = search.run()                              # doctest: +SKIP
        >>> result.derived                                     # doctest: +SKIP
    """

    method = "darts"

    def forward(self, torch: Any, x: Any) -> Any:
        return self.net(x, weights=self.alpha.softmax(dim=-1))

    def alpha_step(self, torch: Any, bx: Any, by: Any, sx: Any, sy: Any) -> tuple[float, int]:
        if self.settings["order"] == 1:
            return super().alpha_step(torch, bx, by, sx, sy)
        return self._second_order_step(torch, bx, by, sx, sy)

    def _second_order_step(self, torch: Any, bx: Any, by: Any, sx: Any, sy: Any) -> tuple[float, int]:
        from torch.func import functional_call

        net, ce = self.net, torch.nn.functional.cross_entropy
        names = [n for n, _ in net.named_parameters()]
        params = [p for _, p in net.named_parameters()]
        xi = self.settings["unroll_lr"] or self.w_optimizer.param_groups[0]["lr"]
        wd = self.settings["w_wd"]
        weights = self.alpha.softmax(dim=-1)
        # the virtual step w' = w - xi * (grad L_train(w, alpha) + wd * w)
        grads = torch.autograd.grad(ce(net(bx, weights=weights.detach()), by), params)
        unrolled = {n: (p - xi * (g + wd * p)).detach().requires_grad_(True) for n, p, g in zip(names, params, grads)}
        logits = functional_call(net, unrolled, (sx,), {"weights": self.alpha.softmax(dim=-1)})
        loss = ce(logits, sy)
        alpha_grad, *w_grads = torch.autograd.grad(loss, [self.alpha, *unrolled.values()])
        # Hessian-vector product by central differences around w, along grad_w' L_val
        norm = torch.sqrt(sum((g * g).sum() for g in w_grads))
        eps = 0.01 / float(norm.clamp_min(1e-12))
        differences = []
        for sign in (1.0, -1.0):
            shifted = {n: p.detach() + sign * eps * g for n, p, g in zip(names, params, w_grads)}
            out = functional_call(net, shifted, (bx,), {"weights": self.alpha.softmax(dim=-1)})
            differences.append(torch.autograd.grad(ce(out, by), self.alpha)[0])
        hessian_vector = (differences[0] - differences[1]) / (2 * eps)
        self.a_optimizer.zero_grad(set_to_none=True)
        self.alpha.grad = alpha_grad - xi * hessian_vector
        self.a_optimizer.step()
        return float(loss.detach()), int((logits.detach().argmax(1) == sy).sum())


class GDAS(_AlphaSearch):
    """Gradient-based search by differentiable sampling; see the module docstring.

    Settings beyond the common ones: ``tau_max``, ``tau_min`` (the temperature's linear
    schedule over the epochs), ``a_lr``, ``a_wd``, ``a_beta1``, ``a_beta2``.
    """

    method = "gdas"

    def begin_epoch(self, epoch: int) -> None:
        s = self.settings
        span = max(s["epochs"] - 1, 1)
        self.tau = s["tau_max"] - (s["tau_max"] - s["tau_min"]) * epoch / span

    def forward(self, torch: Any, x: Any) -> Any:
        # Gumbel noise from torch's global generator, seeded by the search
        while True:
            gumbel = -torch.empty_like(self.alpha).exponential_().log()
            soft = ((self.alpha.log_softmax(dim=-1) + gumbel) / self.tau).softmax(dim=-1)
            if torch.isfinite(soft).all():  # a rare overflow of the noise: draw again, as official GDAS does
                break
        index = soft.argmax(dim=-1)
        hard = torch.zeros_like(soft).scatter_(-1, index[:, None], 1.0)
        weights = hard - soft.detach() + soft
        return self.net(x, weights=weights, path=tuple(index.tolist()))

    def row(self, epoch: int, seconds: float, losses: dict[str, float]) -> dict[str, Any]:
        return {**super().row(epoch, seconds, losses), "tau": self.tau}
