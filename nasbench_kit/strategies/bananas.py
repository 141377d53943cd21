"""BANANAS: Bayesian optimization with an ensemble of neural predictors on the path
encoding (White, Neiswanger & Savani, "BANANAS: Bayesian Optimization with Neural
Architectures for Neural Architecture Search", AAAI 2021)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._model_based import ModelBasedStrategy

__all__ = ["Bananas"]


class Bananas(ModelBasedStrategy):
    """BANANAS: neural-predictor ensemble + independent Thompson sampling + mutation.

    Each iteration fits ``num_ensemble`` feed-forward networks (scikit-learn
    ``MLPRegressor``, differently seeded) on the evaluated architectures' encodings, draws
    for each candidate one value from ``N(ensemble mean, ensemble std)`` (independent
    Thompson sampling, ITS) and queues the ``batch_size`` candidates with the best draws.
    Candidates are ``num_candidates`` mutations of the ``num_parents`` best evaluated
    architectures, without architectures already asked and without infeasible ones. The
    first ``num_init`` asks are random.

    Paper defaults (the paper and its naszilla code): 10 initial architectures, path encoding,
    5 networks of 10 layers x 20 units trained with Adam (lr 0.01) for 200 epochs on the
    mean absolute error, ITS, 100 candidates mutated from the 10 best, k = 10 proposals per
    iteration. Differences here, for speed: 3 hidden layers instead of 10 (on the
    synthetic NB201 test table both rank held-out cells equally well, Spearman about 0.92
    after 150 random cells, and 3 layers fit about twice as fast), the squared error (the
    only loss ``MLPRegressor`` offers) on standardized targets, and scikit-learn's early
    stop when the training loss stalls for 10 epochs. Pending architectures are excluded
    from the candidates (nothing is fantasized).

    Cost (NB201 space, one busy CPU core, sklearn import excluded): fitting the 5 networks
    takes 0.1 to 0.3 s once per ``batch_size`` asks, so an ask costs about 16 ms on average
    around 50 evaluations and 22 ms around 150; a whole 150-evaluation search about 2.8 s
    (``tell`` is about 50 us). Random search costs microseconds.

    Args:
        space: the search space.
        seed: seed of the strategy (the networks' seeds derive from it).
        num_init: random architectures before the first fit (paper: 10).
        batch_size: proposals per fit, served one per ask (paper's k: 10).
        num_candidates: mutated candidates scored per fit (paper: 100).
        num_parents: best evaluated architectures that are mutated (paper: 10).
        num_ensemble: networks in the ensemble (paper: 5).
        num_layers: hidden layers per network (paper: 10; default 3, see above).
        layer_width: units per hidden layer (paper: 20).
        epochs: maximum training epochs (paper: 200).
        learning_rate: Adam learning rate (paper: 0.01).
        encoding: ``"path"`` (paper), ``"onehot"`` or ``"adjacency"``.

    Raises:
        ArgumentError: a hyperparameter out of range or an unknown encoding.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> strategy = Bananas(NB201Space(), seed=0, num_init=5)
        >>> strategy.ask() == Bananas(NB201Space(), seed=0, num_init=5).ask()   # random start
        True
        >>> strategy.hyperparameters()["num_ensemble"]
        5
    """

    name = "bananas"

    def __init__(
        self,
        space: Any,
        *,
        seed: int | None = None,
        num_init: int = 10,
        batch_size: int = 10,
        num_candidates: int = 100,
        num_parents: int = 10,
        num_ensemble: int = 5,
        num_layers: int = 3,
        layer_width: int = 20,
        epochs: int = 200,
        learning_rate: float = 0.01,
        encoding: str = "path",
    ) -> None:
        super().__init__(
            space,
            seed=seed,
            num_init=num_init,
            batch_size=batch_size,
            encoding=encoding,
            num_parents=num_parents,
            num_mutations=self._check_int("num_candidates", num_candidates, low=1),
            num_random=0,
        )
        self.num_ensemble = self._check_int("num_ensemble", num_ensemble, low=2)
        self.num_layers = self._check_int("num_layers", num_layers, low=1)
        self.layer_width = self._check_int("layer_width", layer_width, low=1)
        self.epochs = self._check_int("epochs", epochs, low=1)
        self.learning_rate = self._check_float("learning_rate", learning_rate, low=0.0, low_open=True)

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "num_init": self.num_init,
            "batch_size": self.batch_size,
            "num_candidates": self.num_mutations,
            "num_parents": self.num_parents,
            "num_ensemble": self.num_ensemble,
            "num_layers": self.num_layers,
            "layer_width": self.layer_width,
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "encoding": self.encoding,
        }

    # --- the ensemble ---------------------------------------------------------------------
    def _fit(self, encoded: np.ndarray, targets: np.ndarray, rng: np.random.Generator) -> Any:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPRegressor

        center = float(targets.mean())
        scale = float(targets.std()) or 1.0  # standardized targets suit Adam's lr 0.01
        standardized = (targets - center) / scale
        networks = []
        for net_seed in rng.integers(2**31 - 1, size=self.num_ensemble):
            self.problem.check_stop()  # a Stop pressed during the fit waits for one network at most
            network = MLPRegressor(
                hidden_layer_sizes=(self.layer_width,) * self.num_layers,
                learning_rate_init=self.learning_rate,
                max_iter=self.epochs,
                random_state=int(net_seed),
            )
            with warnings.catch_warnings():  # stopping at max_iter is expected, not a problem
                warnings.simplefilter("ignore", ConvergenceWarning)
                networks.append(network.fit(encoded, standardized))
        return networks, center, scale

    def _predict_oriented(self, model: Any, encoded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        networks, center, scale = model
        predictions = np.stack([network.predict(encoded) for network in networks])  # (ensemble, n)
        return center + scale * predictions.mean(axis=0), scale * predictions.std(axis=0)

    def _acquisition(self, model: Any, encoded: np.ndarray) -> np.ndarray:
        """Independent Thompson sampling: one draw per candidate from N(mean, std)."""
        mean, std = self._predict_oriented(model, encoded)
        return self.rng.normal(mean, std)
