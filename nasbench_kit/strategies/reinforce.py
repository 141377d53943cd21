"""REINFORCE (Williams, "Simple statistical gradient-following algorithms for connectionist
reinforcement learning", Machine Learning 1992) as the NAS-Bench-201 baseline (Dong & Yang,
ICLR 2020): a factorized categorical policy, no controller network."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ArgumentError, OutOfSpaceError
from ..spaces.base import DecisionSpace
from ._fitness import fitness, fitness_sign
from .base import Strategy, Trial

__all__ = ["Reinforce"]

# Adam's constants: PyTorch defaults, as the NAS-Bench-201 code uses torch.optim.Adam.
_BETA1, _BETA2, _ADAM_EPS = 0.9, 0.999, 1e-8
# Initial logits ~ N(0, INIT_STD^2), as the NAS-Bench-201 policy (1e-3 * randn): nearly uniform.
_INIT_STD = 1e-3


class Reinforce(Strategy):
    """Policy gradient over the space's categorical decisions, with a moving-average baseline.

    The policy holds one logit per choice of each decision (``space.decisions()``, the
    :class:`~nasbench_kit.spaces.base.DecisionSpace` protocol; for NB-201 the op of each
    of the 6 edges, 6 x 5 logits). ``ask`` samples every decision independently from
    ``softmax(logits)``. ``tell`` takes the first objective (maximize orientation: the
    validation accuracy in percent, or minus a minimized metric) as the reward ``R``,
    updates the baseline ``b`` (an exponential moving average of rewards, bias-corrected,
    updated *before* it is used, as in the NAS-Bench-201 code) and takes one Adam step on
    the loss ``-(R - b) * sum_d log p_d(choice_d)``, whose gradient for decision ``d`` is
    ``-(R - b) * (onehot(choice_d) - p_d)``.

    Details:

    * Spaces with validity rules (NB-101: adjacency bits + ops): tuples that are not a
      cell (no input -> output path, more than 9 edges) and, under constraints,
      infeasible cells are rejected and redrawn; the gradient ignores this conditioning,
      as rejection-sampling REINFORCE usually does.
    * Infeasible trials carry no reward: ``tell`` skips them (no update at all).
    * Several workers: the gradient is taken at ``tell`` time with the current policy
      (the NAS-Bench-201 loop is sequential); any told trial updates the policy,
      asked for or not.
    * Spaces without ``decisions()`` / ``from_decisions()`` / ``to_decisions()`` are
      refused at construction (there is no policy to learn over).

    Cost (median, NB-201): ask about 20 us, tell about 15 us (numpy on a 6 x 5 array).

    Args:
        space: a search space implementing the decisions protocol (every built-in one).
        seed: seed of the strategy's random generator (also draws the initial logits).
        learning_rate: Adam step size; 0.01 as the NATS-Bench REINFORCE scripts
            (Dong et al., TPAMI 2021, ``--learning_rate 0.01``; the NAS-Bench-201 scripts
            take it as an argument).
        ema_momentum: momentum of the reward baseline, in ``[0, 1)``; 0.9 as the
            NAS-Bench-201 / NATS-Bench scripts (``--EMA_momentum 0.9``).

    Raises:
        ArgumentError: ``learning_rate`` not > 0, ``ema_momentum`` outside ``[0, 1)``, or a
            space without the decisions protocol.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> agent = Reinforce(NB201Space(), seed=0)
        >>> agent.probabilities().shape, agent.hyperparameters()
        ((6, 5), {'learning_rate': 0.01, 'ema_momentum': 0.9})
        >>> agent.ask() == Reinforce(NB201Space(), seed=0).ask()
        True
    """

    name = "reinforce"

    def __init__(
        self, space: Any, *, seed: int | None = None, learning_rate: float = 0.01, ema_momentum: float = 0.9
    ) -> None:
        super().__init__(space, seed=seed)
        self.learning_rate = self._check_float("learning_rate", learning_rate, low=0.0, low_open=True)
        self.ema_momentum = self._check_float("ema_momentum", ema_momentum, low=0.0, high=1.0)
        if self.ema_momentum == 1.0:
            raise ArgumentError(f"Reinforce ema_momentum must be a number in [0, 1), got {ema_momentum!r}")
        if not isinstance(space, DecisionSpace):
            raise ArgumentError(
                f"Reinforce needs a space with categorical decisions (methods decisions(), from_decisions(), "
                f"to_decisions(); see nasbench_kit.spaces.base.DecisionSpace); {type(space).__name__} has none"
            )
        self._sizes = np.array(space.decisions(), dtype=np.int64)
        if self._sizes.size == 0 or self._sizes.min() < 1:
            raise ArgumentError(f"Reinforce needs at least one decision with >= 1 choice, got {tuple(self._sizes)}")
        self._rows = np.arange(len(self._sizes))
        # Padded (n_decisions, max choices) layout; columns past a decision's size are unused.
        self._allowed = np.arange(int(self._sizes.max()))[None, :] < self._sizes[:, None]
        self._init_policy()

    def reseed(self, seed: int | None) -> None:
        """Restart the random stream and the policy (its initial logits come from the seed)."""
        super().reseed(seed)
        self._init_policy()

    def _init_policy(self) -> None:
        noise = _INIT_STD * self.rng.standard_normal(self._allowed.shape)
        self._logits = np.where(self._allowed, noise, 0.0)
        self._adam_m = np.zeros_like(self._logits)
        self._adam_v = np.zeros_like(self._logits)
        self._steps = 0
        self._baseline_sum = 0.0  # EMA numerator and denominator (bias correction)
        self._baseline_weight = 0.0
        self._probs: np.ndarray | None = None  # caches, cleared by every update
        self._cumulative: np.ndarray | None = None

    @property
    def baseline(self) -> float:
        """The moving-average reward (NaN before the first feasible trial)."""
        return self._baseline_sum / self._baseline_weight if self._baseline_weight else math.nan

    @property
    def logits(self) -> np.ndarray:
        """The policy's logits, ``(n_decisions, max choices)`` (a copy; 0 past a decision's size)."""
        return self._logits.copy()

    def probabilities(self) -> np.ndarray:
        """The policy: ``(n_decisions, max choices)`` array, row ``d`` the probabilities of
        decision ``d``'s choices (zero past ``space.decisions()[d]``)."""
        if self._probs is None:
            z = np.where(self._allowed, self._logits, -np.inf)
            z = np.exp(z - z.max(axis=1, keepdims=True))
            self._probs = z / z.sum(axis=1, keepdims=True)
        return self._probs.copy()

    def _sample_choices(self, cumulative: np.ndarray) -> list[int]:
        u = self.rng.random(len(cumulative))
        # Inverse CDF per row; the clamp guards against round-off past the last choice.
        return np.minimum((cumulative < u[:, None]).sum(axis=1), self._sizes - 1).tolist()

    def ask(self) -> Any:
        """Sample each decision from the policy (redrawn while outside the space or infeasible)."""
        if self._cumulative is None:
            self._cumulative = np.cumsum(self.probabilities(), axis=1)
        cumulative = self._cumulative
        arch = None
        for _ in range(self.max_feasible_tries):
            try:
                candidate = self.space.from_decisions(self._sample_choices(cumulative))
            except OutOfSpaceError:
                continue
            arch = candidate
            if not self.problem.constraints or self.problem.feasible(arch):
                return arch
        return arch if arch is not None else self.sample_feasible()

    def tell(self, trial: Trial) -> None:
        """One policy-gradient step on a feasible trial (infeasible ones are skipped)."""
        reward = fitness(trial, fitness_sign(self.problem))
        if not math.isfinite(reward):
            return
        m = self.ema_momentum
        self._baseline_sum = m * self._baseline_sum + (1 - m) * reward
        self._baseline_weight = m * self._baseline_weight + (1 - m)
        advantage = reward - self.baseline
        choices = np.asarray(self.space.to_decisions(trial.arch), dtype=np.int64)
        grad = self.probabilities()  # d(-log p(choice)) / d logits = p - onehot(choice)
        grad[self._rows, choices] -= 1.0
        self._adam_step(advantage * grad)

    def _adam_step(self, grad: np.ndarray) -> None:
        """Adam (Kingma & Ba, ICLR 2015) with PyTorch's defaults; unused columns have grad 0."""
        self._steps += 1
        self._adam_m = _BETA1 * self._adam_m + (1 - _BETA1) * grad
        self._adam_v = _BETA2 * self._adam_v + (1 - _BETA2) * grad * grad
        m_hat = self._adam_m / (1 - _BETA1**self._steps)
        v_hat = self._adam_v / (1 - _BETA2**self._steps)
        self._logits = self._logits - self.learning_rate * m_hat / (np.sqrt(v_hat) + _ADAM_EPS)
        self._probs = self._cumulative = None

    def hyperparameters(self) -> dict[str, Any]:
        return {"learning_rate": self.learning_rate, "ema_momentum": self.ema_momentum}
