"""Offline datasets, a deterministic CPU trainer, and latency / size measurement.

Importing this package does not import torch; training and timing functions do.

* :func:`make_cluttered_digits`: the cluttered-digits task (scikit-learn digits, offline).
* :func:`train_cell`: train one NB201 cell's proxy network, per-epoch learning curve.
* :func:`measure_latency`, :func:`measure_latencies`, :class:`OpLatencyTable`: CPU
  inference latency (robust protocol) and a per-operation lookup-table predictor.
"""

from __future__ import annotations

from .digits import DEFAULT_DATA_SEED, DigitsRecipe, DigitsSplits, make_cluttered_digits
from .latency import (
    LatencyResult,
    NetworkCosts,
    OpLatencyTable,
    measure_latencies,
    measure_latency,
    nb201_costs,
)
from .trainer import RECIPE, TrainResult, cosine_lr, train_cell

__all__ = [
    "DEFAULT_DATA_SEED",
    "DigitsRecipe",
    "DigitsSplits",
    "make_cluttered_digits",
    "RECIPE",
    "TrainResult",
    "cosine_lr",
    "train_cell",
    "LatencyResult",
    "NetworkCosts",
    "OpLatencyTable",
    "measure_latency",
    "measure_latencies",
    "nb201_costs",
]
